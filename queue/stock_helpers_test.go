package queue

import (
	"context"
	"testing"
	"time"
)

// holdFor is how long the tests' holds last.
const holdFor = 10 * time.Minute

var (
	until = start.Add(holdFor) // when a hold taken at start is over
	after = until.Add(time.Second)
)

func mustInitStock(t testing.TB, s Store, units int) Stock {
	t.Helper()
	st, err := s.InitStock(context.Background(), rm, units, start)
	if err != nil {
		t.Fatalf("InitStock: %v", err)
	}
	return st
}

// mustHold takes a hold at start until until; the hold id is "h-"+sid.
func mustHold(t testing.TB, s Store, sid string) Hold {
	t.Helper()
	h, err := s.Hold(context.Background(), rm, sid, "h-"+sid, 1, until, start)
	if err != nil {
		t.Fatalf("Hold(%s): %v", sid, err)
	}
	return h
}

func stockAt(t testing.TB, s Store, now time.Time) Stock {
	t.Helper()
	st, err := s.Stock(context.Background(), rm, now)
	if err != nil {
		t.Fatalf("Stock: %v", err)
	}
	return st
}

// wantStock checks the stock at now against want.
func wantStock(t testing.TB, s Store, now time.Time, want Stock) {
	t.Helper()
	if got := stockAt(t, s, now); got != want {
		t.Errorf("Stock at %v: got %+v, want %+v", now.Sub(start), got, want)
	}
}

// buy holds a unit for sid as hold hid and sells it, failing the test if
// either step fails.
func buy(t testing.TB, s Store, sid, hid string, perSession int, now time.Time) {
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
