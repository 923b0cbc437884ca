package queue

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// fakeClock is the injected clock of every test: time moves only when the
// test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// start is a fixed, ordinary instant; tests that care about the wall clock
// pick their own.
var start = time.Date(2031, 11, 27, 9, 0, 0, 0, time.UTC)

func newClock() *fakeClock { return &fakeClock{t: start} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var quiet = slog.New(slog.DiscardHandler)

var errDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

// flakyStore is a Store that fails on demand, as a store across a network
// does, and remembers the session refreshes that reached it.
type flakyStore struct {
	Store
	down atomic.Bool

	mu        sync.Mutex
	refreshed []string
}

func (f *flakyStore) fail() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

func (f *flakyStore) delivered() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.refreshed)
}

func (f *flakyStore) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.Join(ctx, room, now)
}

func (f *flakyStore) Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (Opening, error) {
	if err := f.fail(); err != nil {
		return Opening{}, err
	}
	return f.Store.Open(ctx, room, random, seed, now)
}

func (f *flakyStore) Commit(ctx context.Context, room string, c Commitment) (Commitment, error) {
	if err := f.fail(); err != nil {
		return Commitment{}, err
	}
	return f.Store.Commit(ctx, room, c)
}

func (f *flakyStore) Advance(ctx context.Context, room string, p Policy, now time.Time) (Counters, error) {
	if err := f.fail(); err != nil {
		return Counters{}, err
	}
	return f.Store.Advance(ctx, room, p, now)
}

func (f *flakyStore) Claim(ctx context.Context, room string, n uint64, sid string, now time.Time) (string, error) {
	if err := f.fail(); err != nil {
		return "", err
	}
	return f.Store.Claim(ctx, room, n, sid, now)
}

func (f *flakyStore) AdmitDirect(ctx context.Context, room, sid string, p Policy, now time.Time) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Store.AdmitDirect(ctx, room, sid, p, now)
}

func (f *flakyStore) Refresh(ctx context.Context, room string, sids []string, now time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	f.mu.Lock()
	f.refreshed = append(f.refreshed, sids...)
	f.mu.Unlock()
	return f.Store.Refresh(ctx, room, sids, now)
}

func (f *flakyStore) End(ctx context.Context, room, sid string, now time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.End(ctx, room, sid, now)
}

func (f *flakyStore) Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Seen(ctx, room, numbers, now)
}

func (f *flakyStore) Leave(ctx context.Context, room string, n uint64) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Leave(ctx, room, n)
}

func (f *flakyStore) Counters(ctx context.Context, room string) (Counters, error) {
	if err := f.fail(); err != nil {
		return Counters{}, err
	}
	return f.Store.Counters(ctx, room)
}

func (f *flakyStore) Ping(ctx context.Context) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Ping(ctx)
}

// calledSet returns the numbers of the tickets called and not yet claimed.
func calledSet(s *MemoryStore, room string) []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return nil
	}
	var ns []uint64
	for n := range r.Calls {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
