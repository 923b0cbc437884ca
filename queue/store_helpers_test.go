package queue

import (
	"context"
	"fmt"
	"testing"
	"time"
)

const rm = "drop"

// roomy is a policy that never gets in the way of what a test looks at.
var roomy = Policy{
	MaxActive:    1000,
	PerMinute:    6000,
	Burst:        1000,
	SessionTTL:   time.Hour,
	ClaimWindow:  time.Hour,
	AbandonAfter: time.Hour,
}

func with(p Policy, f func(*Policy)) Policy {
	f(&p)
	return p
}

// joinN hands out n tickets at now.
func joinN(t testing.TB, s Store, n int, now time.Time) []uint64 {
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

func mustAdvance(t testing.TB, s Store, p Policy, now time.Time) Counters {
	t.Helper()
	c, err := s.Advance(context.Background(), rm, p, now)
	if err != nil {
		t.Fatalf("Advance: %v", err)
	}
	return c
}

func mustOpen(t testing.TB, s Store, now time.Time) Opening {
	t.Helper()
	o, err := s.Open(context.Background(), rm, false, 0, now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return o
}

func mustClaim(t testing.TB, s Store, n uint64, now time.Time) string {
	t.Helper()
	sid, err := s.Claim(context.Background(), rm, n, fmt.Sprintf("sid-%d", n), now)
	if err != nil {
		t.Fatalf("Claim(%d): %v", n, err)
	}
	return sid
}

// called returns the numbers of the tickets called and not yet claimed, in
// order, from whichever store the test runs on.
func called(t testing.TB, s Store) []uint64 {
	t.Helper()
	switch s := s.(type) {
	case *MemoryStore:
		return calledSet(s, rm)
	case *RedisStore:
		return redisCalled(t, s, rm)
	}
	t.Fatalf("called: no way to look into a %T", s)
	return nil
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
