package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The helpers below are the suite's, exported so that a backend's own
// tests (and the engine's, in package queue_test) share them rather than
// keep copies.

// Room is the room every case uses.
const Room = "drop"

// Start is a fixed, ordinary instant; cases that care about the wall clock
// pick their own.
var Start = time.Date(2031, 11, 27, 9, 0, 0, 0, time.UTC)

// HoldFor is how long the cases' holds last.
const HoldFor = 10 * time.Minute

// Until is when a hold taken at Start is over; After, a second later.
var (
	Until = Start.Add(HoldFor)
	After = Until.Add(time.Second)
)

// Roomy is a policy that never gets in the way of what a case looks at.
var Roomy = queue.Policy{
	MaxActive:    1000,
	PerMinute:    6000,
	Burst:        1000,
	SessionTTL:   time.Hour,
	ClaimWindow:  time.Hour,
	AbandonAfter: time.Hour,
}

// With returns p changed by f.
func With(p queue.Policy, f func(*queue.Policy)) queue.Policy {
	f(&p)
	return p
}

// JoinN hands out n tickets at now.
func JoinN(t testing.TB, s queue.Store, n int, now time.Time) []uint64 {
	t.Helper()
	var got []uint64
	for range n {
		num, err := s.Join(context.Background(), Room, now)
		if err != nil {
			t.Fatalf("Join: %v", err)
		}
		got = append(got, num)
	}
	return got
}

// MustAdvance advances room Room at now, failing the test on an error.
func MustAdvance(t testing.TB, s queue.Store, p queue.Policy, now time.Time) queue.Counters {
	t.Helper()
	c, err := s.Advance(context.Background(), Room, p, now)
	if err != nil {
		t.Fatalf("Advance: %v", err)
	}
	return c
}

// MustOpen opens room Room, first come first served, at now.
func MustOpen(t testing.TB, s queue.Store, now time.Time) queue.Opening {
	t.Helper()
	o, err := s.Open(context.Background(), Room, false, 0, now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return o
}

// MustClaim claims ticket n for session "sid-n" at now.
func MustClaim(t testing.TB, s queue.Store, n uint64, now time.Time) string {
	t.Helper()
	sid, err := s.Claim(context.Background(), Room, n, fmt.Sprintf("sid-%d", n), now)
	if err != nil {
		t.Fatalf("Claim(%d): %v", n, err)
	}
	return sid
}

// CheckWindows fails if any 60 seconds hold more than max of times (sorted).
func CheckWindows(t *testing.T, times []time.Time, max int) {
	t.Helper()
	j := 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Minute {
			j++
		}
		if n := i - j + 1; n > max {
			t.Fatalf("%d admissions in the 60 s from %v, want at most %d", n, times[j].Sub(Start), max)
		}
	}
}

// MustInitStock gives room Room units for sale at Start.
func MustInitStock(t testing.TB, s queue.Store, units int) queue.Stock {
	t.Helper()
	st, err := s.InitStock(context.Background(), Room, units, Start)
	if err != nil {
		t.Fatalf("InitStock: %v", err)
	}
	return st
}

// MustHold takes a hold for sid at Start until Until; its id is "h-"+sid.
func MustHold(t testing.TB, s queue.Store, sid string) queue.Hold {
	t.Helper()
	h, err := s.Hold(context.Background(), Room, sid, "h-"+sid, 1, Until, Start)
	if err != nil {
		t.Fatalf("Hold(%s): %v", sid, err)
	}
	return h
}

// StockAt reads room Room's stock at now.
func StockAt(t testing.TB, s queue.Store, now time.Time) queue.Stock {
	t.Helper()
	st, err := s.Stock(context.Background(), Room, now)
	if err != nil {
		t.Fatalf("Stock: %v", err)
	}
	return st
}

// WantStock checks room Room's stock at now against want.
func WantStock(t testing.TB, s queue.Store, now time.Time, want queue.Stock) {
	t.Helper()
	if got := StockAt(t, s, now); got != want {
		t.Errorf("Stock at %v: got %+v, want %+v", now.Sub(Start), got, want)
	}
}

// Buy holds a unit for sid as hold hid and sells it, failing the test if
// either step fails.
func Buy(t testing.TB, s queue.Store, sid, hid string, perSession int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	h, err := s.Hold(ctx, Room, sid, hid, perSession, now.Add(HoldFor), now)
	if err != nil {
		t.Fatalf("Hold(%s, %s) with %d per session: %v", sid, hid, perSession, err)
	}
	if err := s.Confirm(ctx, Room, h.ID, now); err != nil {
		t.Fatalf("Confirm(%s): %v", h.ID, err)
	}
}
