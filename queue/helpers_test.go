package queue

import (
	"log/slog"
	"sync"
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

var shop = Policy{
	MaxActive:    5,
	PerMinute:    600,
	Burst:        50,
	SessionTTL:   time.Minute,
	ClaimWindow:  30 * time.Second,
	AbandonAfter: 2 * time.Minute,
}

func with(p Policy, f func(*Policy)) Policy {
	f(&p)
	return p
}
