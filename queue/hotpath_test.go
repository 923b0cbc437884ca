package queue_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// slowStore is a memory store that, once slow is set, takes a second over
// every call a tick makes, as a store across a congested network does.
// Each call announces itself on calls first, and returns early when the
// test sends on release, so the test need not wait the second out.
type slowStore struct {
	*memstore.Store
	slow    atomic.Bool
	calls   chan string
	release chan struct{}
}

func newSlowStore() *slowStore {
	return &slowStore{Store: memstore.New(), calls: make(chan string), release: make(chan struct{})}
}

func (s *slowStore) wait(call string) {
	if !s.slow.Load() {
		return
	}
	s.calls <- call
	select {
	case <-s.release:
	case <-time.After(time.Second):
	}
}

func (s *slowStore) Advance(ctx context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	s.wait("Advance")
	return s.Store.Advance(ctx, room, p, now)
}

func (s *slowStore) Counters(ctx context.Context, room string) (queue.Counters, error) {
	s.wait("Counters")
	return s.Store.Counters(ctx, room)
}

func (s *slowStore) Refresh(ctx context.Context, room string, sids []string, now time.Time) error {
	s.wait("Refresh")
	return s.Store.Refresh(ctx, room, sids, now)
}

func (s *slowStore) Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error {
	s.wait("Seen")
	return s.Store.Seen(ctx, room, numbers, now)
}

func (s *slowStore) End(ctx context.Context, room, sid string, now time.Time) error {
	s.wait("End")
	return s.Store.End(ctx, room, sid, now)
}

func (s *slowStore) EndedSince(ctx context.Context, room string, since time.Time) ([]queue.Ended, error) {
	s.wait("EndedSince")
	return s.Store.EndedSince(ctx, room, since)
}

func (s *slowStore) Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (queue.Opening, error) {
	s.wait("Open")
	return s.Store.Open(ctx, room, random, seed, now)
}

// hotPathBudget is what a poll or an admitted request may spend in the
// engine while a tick waits on a slow store. A call that waited on the
// store would take the store's full second.
const hotPathBudget = 5 * time.Millisecond

// TestHotPathNeverWaitsOnTheStore: while a tick is held up by a store that
// takes a second per call — the data-loss recount included — a waiting
// shopper's poll and an admitted shopper's request (refresh, ended check)
// are answered at once, from the engine's cache.
func TestHotPathNeverWaitsOnTheStore(t *testing.T) {
	clk := queue.NewClock()
	s := newSlowStore()
	var live []string
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 2 })
	r := queue.NewRoom("shop", s, queue.Options{Policy: p, Now: clk.Now, Log: queue.Quiet, LiveSessions: func() []string { return live }})
	ctx := context.Background()
	r.Tick(ctx)
	for range 2 {
		a, err := r.Arrive(ctx)
		if err != nil || a.SessionID == "" {
			t.Fatalf("Arrive: %+v, %v; want admitted", a, err)
		}
		live = append(live, a.SessionID)
	}
	a, err := r.Arrive(ctx)
	if err != nil || a.Number == 0 {
		t.Fatalf("Arrive in a full room: %+v, %v; want a ticket", a, err)
	}
	waiting := queue.Ticket{Number: a.Number, IssuedAt: clk.Now()}
	clk.Add(time.Second)
	r.Tick(ctx)
	if st, _ := r.Status(ctx, waiting); st.State != queue.StateWaiting {
		t.Fatalf("Status: %s, want waiting", st.State)
	}

	// The store restarts empty and turns slow; the next tick finds the
	// loss and recounts the sessions this node has seen.
	s.Store = memstore.New() // no tick runs: nothing reads it meanwhile
	r.Status(ctx, waiting)   // a poll and a refresh for the tick to send
	r.Refresh(live[0])
	s.slow.Store(true)
	clk.Add(time.Second)
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		r.Tick(ctx)
	}()
	hot := map[string]func(){
		"a poll":          func() { r.Status(ctx, waiting) },
		"a refresh":       func() { r.Refresh(live[1]) },
		"an ended check":  func() { r.Ended(live[1]) },
		"a cached answer": func() { r.Counters() },
	}
	var calls []string
	for done := false; !done; {
		select {
		case call := <-s.calls:
			calls = append(calls, call)
			for what, f := range hot {
				if d := fastest(t, f); d > hotPathBudget {
					t.Errorf("%s during the tick's %s (call %d): %v, want under %v",
						what, call, len(calls), d, hotPathBudget)
				}
			}
			s.release <- struct{}{}
		case <-ticked:
			done = true
		}
	}
	s.slow.Store(false)
	// Seen and Refresh are the batches, then Advance finds the loss,
	// EndedSince learns ends, and the last Refresh is the recount.
	if i := slices.Index(calls, "Advance"); i < 0 || calls[len(calls)-1] != "Refresh" {
		t.Errorf("the tick made calls %v, want the recount's Refresh after Advance", calls)
	}
}

// fastest runs f a few times and returns its quickest run: a call that
// waits on the held store call is slow every time, while one merely
// delayed by a busy machine (this one runs tests beside others, under the
// race detector) is quick at least once. A run that takes a quarter of a
// second — a quarter of the store's call — has plainly waited on it.
func fastest(t *testing.T, f func()) time.Duration {
	t.Helper()
	best := time.Duration(1<<63 - 1)
	for range 3 {
		done := make(chan struct{})
		begin := time.Now()
		go func() {
			f()
			close(done)
		}()
		select {
		case <-done:
			best = min(best, time.Since(begin))
		case <-time.After(250 * time.Millisecond):
			return 250 * time.Millisecond
		}
	}
	return best
}
