package memstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// TestLongLineClockWraps runs a line longer than the clearing sweep takes
// at a count past the poll clock's wrap (about 18 hours): stale stamps
// must be cleared before the clock comes round to them, or the tickets
// that stopped polling would count as waiting again.
func TestLongLineClockWraps(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := queue.Policy{MaxActive: 1, PerMinute: 60, Burst: 1, SessionTTL: time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: 2 * time.Minute}
	s := New()
	s.Open(ctx, "r", false, 1, now)
	if ok, _ := s.AdmitDirect(ctx, "r", "holder", p, now); !ok {
		t.Fatal("first shopper not admitted")
	}
	const line = 3*sweepMin + 5
	for range line {
		s.Join(ctx, "r", now)
	}
	polling := []uint64{line}
	for i := 0; i < 20*60; i++ { // 20 hours, a minute at a time
		now = now.Add(time.Minute)
		s.Seen(ctx, "r", polling, now)
		s.Refresh(ctx, "r", []string{"holder"}, now)
		c, err := s.Advance(ctx, "r", p, now)
		if err != nil {
			t.Fatal(err)
		}
		want := 1 // the ticket that kept polling
		if i < 2 {
			want = line // within the abandon window of the joins
		}
		if c.Waiting != want {
			t.Fatalf("after %d minutes: %d waiting, want %d", i+1, c.Waiting, want)
		}
	}
	r := s.rooms["r"]
	for i := range uint64(line - 1) {
		if v := r.Polls.get(i); v != 0 {
			t.Fatalf("ticket %d's stamp %d was never cleared", i+1, v)
		}
	}
}
