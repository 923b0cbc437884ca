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

// What the shared ETA model's tests (eta_shared_test.go) read of a room's
// views and of the wire format.
var (
	ETAEvery  = etaEvery
	ETASlot   = etaSlot
	InForce   = inForce
	DecodeETA = decodeETA
)

// ETAViews is what a room's snapshot holds of the ETA model.
type ETAViews struct {
	Slot     int64     // the slot of the view in force at the time asked
	At       time.Time // when that view was read
	Next     etaView   // the next view, once heard of
	NextFrom time.Time // when Next comes into force; zero: none heard of
	CurAt    time.Time // when the current view was read
}

// ETAViews reads the room's ETA views as of now.
func (r *Room) ETAViews(now time.Time) ETAViews {
	e := r.snap.Load().eta
	v := e.at(now)
	return ETAViews{Slot: v.slot, At: v.at, Next: e.next, NextFrom: e.nextFrom, CurAt: e.cur.at}
}

// Serving is the serving counter the room last read.
func (r *Room) Serving() uint64 { return r.snap.Load().Serving }

// SharesETA reports whether the room publishes its ETA model to its store.
func (r *Room) SharesETA() bool { return r.etaStore != nil }
