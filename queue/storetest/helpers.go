package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// rm is the room every case uses.
const rm = "drop"

// start is a fixed, ordinary instant; cases that care about the wall clock
// pick their own.
var start = time.Date(2031, 11, 27, 9, 0, 0, 0, time.UTC)

// holdFor is how long the cases' holds last.
const holdFor = 10 * time.Minute

var (
	until = start.Add(holdFor) // when a hold taken at start is over
	after = until.Add(time.Second)
)

// roomy is a policy that never gets in the way of what a case looks at.
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

// checkWindows fails if any 60 seconds hold more than max of times (sorted).
func checkWindows(t *testing.T, times []time.Time, max int) {
	t.Helper()
	j := 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Minute {
			j++
		}
		if n := i - j + 1; n > max {
			t.Fatalf("%d admissions in the 60 s from %v, want at most %d", n, times[j].Sub(start), max)
		}
	}
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

func stockAt(t testing.TB, s queue.Store, now time.Time) queue.Stock {
	t.Helper()
	st, err := s.Stock(context.Background(), rm, now)
	if err != nil {
		t.Fatalf("Stock: %v", err)
	}
	return st
}

func wantStock(t testing.TB, s queue.Store, now time.Time, want queue.Stock) {
	t.Helper()
	if got := stockAt(t, s, now); got != want {
		t.Errorf("Stock at %v: got %+v, want %+v", now.Sub(start), got, want)
	}
}

// buy holds a unit for sid as hold hid and sells it, failing the test if
// either step fails.
func buy(t testing.TB, s queue.Store, sid, hid string, perSession int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	h, err := s.Hold(ctx, rm, sid, hid, perSession, now.Add(holdFor), now)
	if err != nil {
		t.Fatalf("Hold(%s, %s) with %d per session: %v", sid, hid, perSession, err)
	}
	if err := s.Confirm(ctx, rm, h.ID, now); err != nil {
		t.Fatalf("Confirm(%s): %v", h.ID, err)
	}
}
