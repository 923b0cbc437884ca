package queue_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestEndedRefusedThroughSweeps: sessions ended a second apart are each
// refused on every read path — Ended, and the recount after a store lost
// its data — while ticks sweep their neighbours away around them, and each
// is forgotten at the first tick after its time, not before. Hundreds of
// ends put several due-queue blocks in every shard, so sweeps cross blocks
// and take several batches.
func TestEndedRefusedThroughSweeps(t *testing.T) {
	const ttl = time.Minute
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.SessionTTL = ttl; p.MaxActive = 1 << 20 })
	clk := queue.NewClock()
	var ids []string
	store := &flakyStore{Store: memstore.New()}
	r := queue.NewRoom("shop", store, queue.Options{Policy: p, Now: clk.Now, Log: queue.Quiet,
		LiveSessions: func() []string { return slices.Clone(ids) }})
	ctx := context.Background()
	const seconds, perSecond = 8, 1000
	for s := range seconds {
		for i := range perSecond {
			id := fmt.Sprintf("s%d-%d", s, i)
			ids = append(ids, id)
			if err := r.End(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		clk.Add(time.Second)
	}
	// Ended at start+s; refused through start+s+ttl+EndedSlack.
	due := func(id string) time.Time {
		var s, i int
		fmt.Sscanf(id, "s%d-%d", &s, &i)
		return queue.EndedUntil(storetest.Start.Add(time.Duration(s)*time.Second), ttl)
	}
	for step := range 2*seconds + 1 {
		// Half-second steps land on each due time and between two.
		now := queue.EndedUntil(storetest.Start, ttl).Add(time.Duration(step) * time.Second / 2)
		clk.Set(now)
		var wg sync.WaitGroup
		wg.Go(func() { r.Tick(ctx) })
		for _, id := range ids { // during the tick's sweep
			if !due(id).Before(now) && !r.Ended(id) {
				t.Fatalf("at %v past the first due time, during a sweep: %s (due %v) is not refused",
					now.Sub(queue.EndedUntil(storetest.Start, ttl)), id, due(id).Sub(queue.EndedUntil(storetest.Start, ttl)))
			}
		}
		wg.Wait()
		for _, id := range ids { // after it
			if want := !due(id).Before(now); r.Ended(id) != want {
				t.Fatalf("at %v past the first due time, after a sweep: %s (due %v) refused %v, want %v",
					now.Sub(queue.EndedUntil(storetest.Start, ttl)), id, due(id).Sub(queue.EndedUntil(storetest.Start, ttl)), !want, want)
			}
		}
		// The recount after a store lost its data announces the forgotten
		// ones only: the others' tokens may still verify.
		before := len(store.delivered())
		r.Recount(ctx, now)
		recounted := store.delivered()[before:]
		for _, id := range recounted {
			if !due(id).Before(now) {
				t.Fatalf("at %v past the first due time: the recount counts %s again, ended and due %v",
					now.Sub(queue.EndedUntil(storetest.Start, ttl)), id, due(id).Sub(queue.EndedUntil(storetest.Start, ttl)))
			}
		}
		if want := len(ids) - r.EndedLen(); len(recounted) != want {
			t.Fatalf("the recount announced %d sessions, want %d", len(recounted), want)
		}
	}
	if n := r.EndedLen(); n != 0 {
		t.Errorf("after every due time: %d sessions remembered, want 0", n)
	}
}
