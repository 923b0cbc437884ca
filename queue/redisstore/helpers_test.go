package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The Redis store's own tests: the conformance suite (package storetest)
// says what every store does; these look at what only Redis has — its
// scripts, its keys, lost replies and lost data, its cost at scale.

// rm is the room the tests use.
const rm = "drop"

// start is a fixed, ordinary instant; tests that care about the wall clock
// pick their own.
var start = time.Date(2031, 11, 27, 9, 0, 0, 0, time.UTC)

// holdFor is how long the tests' holds last.
const holdFor = 10 * time.Minute

var (
	until = start.Add(holdFor) // when a hold taken at start is over
	after = until.Add(time.Second)
)

// roomy is a policy that never gets in the way of what a test looks at.
var roomy = queue.Policy{
	MaxActive:    1000,
	PerMinute:    6000,
	Burst:        1000,
	SessionTTL:   time.Hour,
	ClaimWindow:  time.Hour,
	AbandonAfter: time.Hour,
}

func with(p queue.Policy, f func(*queue.Policy)) queue.Policy {
	f(&p)
	return p
}

// joinN hands out n tickets at now.
func joinN(t testing.TB, s queue.Store, n int, now time.Time) []uint64 {
	t.Helper()
	var got []uint64
	for range n {
		num, err := s.Join(context.Background(), rm, now)
		if err != nil {
			t.Fatalf("Join: %v", err)
		}
		got = append(got, num)
	}
	return got
}

func mustAdvance(t testing.TB, s queue.Store, p queue.Policy, now time.Time) queue.Counters {
	t.Helper()
	c, err := s.Advance(context.Background(), rm, p, now)
	if err != nil {
		t.Fatalf("Advance: %v", err)
	}
	return c
}

func mustOpen(t testing.TB, s queue.Store, now time.Time) queue.Opening {
	t.Helper()
	o, err := s.Open(context.Background(), rm, false, 0, now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return o
}

func mustClaim(t testing.TB, s queue.Store, n uint64, now time.Time) string {
	t.Helper()
	sid, err := s.Claim(context.Background(), rm, n, fmt.Sprintf("sid-%d", n), now)
	if err != nil {
		t.Fatalf("Claim(%d): %v", n, err)
	}
	return sid
}

func mustInitStock(t testing.TB, s queue.Store, units int) queue.Stock {
	t.Helper()
	st, err := s.InitStock(context.Background(), rm, units, start)
	if err != nil {
		t.Fatalf("InitStock: %v", err)
	}
	return st
}

func mustHold(t testing.TB, s queue.Store, sid string) queue.Hold {
	t.Helper()
	h, err := s.Hold(context.Background(), rm, sid, "h-"+sid, 1, until, start)
	if err != nil {
		t.Fatalf("Hold(%s): %v", sid, err)
	}
	return h
}

func wantStock(t testing.TB, s queue.Store, now time.Time, want queue.Stock) {
	t.Helper()
	got, err := s.Stock(context.Background(), rm, now)
	if err != nil {
		t.Fatalf("Stock: %v", err)
	}
	if got != want {
		t.Errorf("Stock at %v: got %+v, want %+v", now.Sub(start), got, want)
	}
}

// called returns the numbers of the tickets called and not yet claimed.
func called(t testing.TB, s queue.Store) []uint64 {
	t.Helper()
	return redisCalled(t, s.(*Store), rm)
}
