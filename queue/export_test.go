package queue

import (
	"context"
	"time"
)

// The engine's tests that run it over a real store live in package
// queue_test, since the stores' packages (memstore, redisstore) import this
// one. What they need from inside the engine, and the test helpers they
// share with the tests left in package queue, are exported here.

// The injected clock, the quiet logger and the policy every engine test
// starts from (helpers_test.go).
type FakeClock = fakeClock

var (
	NewClock = newClock
	Quiet    = quiet
	Shop     = shop
)

var (
	EndedUntil   = endedUntil
	SecondsUntil = secondsUntil
)

// Recount runs the recount a room makes after its store lost its data.
func (r *Room) Recount(ctx context.Context, now time.Time) { r.recount(ctx, now) }

// EndedLen is how many ended sessions the room remembers.
func (r *Room) EndedLen() int { return r.ended.len() }

// DropPolls forgets the polls a tick would have sent on, so that a
// benchmark's batch does not grow without end.
func (r *Room) DropPolls() {
	r.mu.Lock()
	r.seen = r.seen[:0]
	r.mu.Unlock()
}

// BoundedInner is the store a Bounded store bounds.
func BoundedInner(s Store) Store { return s.(*bounded).Store }
