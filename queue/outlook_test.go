package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// TestOutlook: what a shopper without a ticket is told, in every phase.
func TestOutlook(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := queue.Policy{MaxActive: 1, PerMinute: 60, Burst: 1, SessionTTL: time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute}
	sched := queue.Schedule{PrequeueFrom: at.Add(time.Hour), OpensAt: at.Add(2 * time.Hour), ClosesAt: at.Add(3 * time.Hour)}
	cases := []struct {
		name    string
		now     time.Time
		state   queue.State
		opensIn int
	}{
		{"before the pre-queue", at, queue.StatePrequeue, 3600},
		{"in the pre-queue", at.Add(90 * time.Minute), queue.StatePrequeue, 1800},
		{"open", at.Add(2 * time.Hour), queue.StateWaiting, 0},
		{"closed", at.Add(3 * time.Hour), queue.StateClosed, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := queue.NewRoom("r", memstore.New(), queue.Options{Policy: p, Schedule: sched, Now: func() time.Time { return tc.now }})
			if st := r.Outlook(); st.State != tc.state || st.OpensInSeconds != tc.opensIn {
				t.Errorf("got %s opening in %ds, want %s in %ds", st.State, st.OpensInSeconds, tc.state, tc.opensIn)
			}
		})
	}
	t.Run("sold out", func(t *testing.T) {
		store := memstore.New()
		r := queue.NewRoom("r", store, queue.Options{Policy: p, Stock: 1, Now: func() time.Time { return at }})
		r.Tick(context.Background())
		if _, err := store.Hold(context.Background(), "r", "s", "h", 1, at.Add(time.Minute), at); err != nil {
			t.Fatal(err)
		}
		r.Tick(context.Background())
		if st := r.Outlook(); st.State != queue.StateSoldOut {
			t.Errorf("got %s, want sold_out", st.State)
		}
	})
}
