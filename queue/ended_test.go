package queue_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestEndedOutlivesEveryToken: a session ended at +9 s with a 20 s session
// life may have a token valid to +29 s (re-signed just before the end), and
// a little longer from a node that had not heard of the end yet. It stays
// refused on the node that ended it, on another node, and on a node that
// starts late, until then — whatever other ends come and go — and is
// forgotten after, so the set does not grow for ever.
func TestEndedOutlivesEveryToken(t *testing.T) {
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.SessionTTL = 20 * time.Second })
	clk := queue.NewClock()
	mem := memstore.New()
	node := func() *queue.Room {
		return queue.NewRoom("shop", mem, queue.Options{Policy: p, Now: clk.Now, Log: queue.Quiet})
	}
	a, b := node(), node()
	tickTo := func(sec time.Duration, rooms ...*queue.Room) {
		for clk.Now().Before(storetest.Start.Add(sec * time.Second)) {
			clk.Add(time.Second)
			for _, r := range rooms {
				r.Tick(context.Background())
			}
		}
	}
	ctx := context.Background()
	a.Tick(ctx)
	b.Tick(ctx)
	arr, err := a.Arrive(ctx)
	if err != nil || arr.SessionID == "" {
		t.Fatalf("Arrive: %+v, %v; want admitted", arr, err)
	}
	sid := arr.SessionID
	tickTo(9, a, b)
	if err := a.End(ctx, sid); err != nil {
		t.Fatal(err)
	}
	// Later ends move the point nodes fetch ends from past this one, and
	// prune what each node remembers.
	tickTo(15, a, b)
	a.End(ctx, "other-1")
	tickTo(21, a, b)
	a.End(ctx, "other-2")
	b.End(ctx, "other-3")
	last := storetest.Start.Add(9*time.Second + p.SessionTTL + queue.EndedSlack)
	tickTo(23, a, b)
	for _, at := range []time.Time{storetest.Start.Add(23 * time.Second), storetest.Start.Add(29 * time.Second), last} {
		clk.Set(at)
		a.Tick(ctx)
		b.Tick(ctx)
		for name, r := range map[string]*queue.Room{"ending node": a, "other node": b} {
			if !r.Ended(sid) {
				t.Errorf("%s at +%v: the ended session is not refused", name, at.Sub(storetest.Start))
			}
		}
		// A node still refreshing it (a batch sent late) does not make the
		// store count it again.
		mem.Refresh(ctx, "shop", []string{sid}, at)
		if c, _ := mem.Advance(ctx, "shop", p, at); c.Active != 0 {
			t.Errorf("at +%v: the store counts %d sessions, want 0: the ended one came back", at.Sub(storetest.Start), c.Active)
		}
	}
	late := node()
	late.Tick(ctx)
	if !late.Ended(sid) {
		t.Errorf("a node that started at +%v did not learn of the end", last.Sub(storetest.Start))
	}

	clk.Set(last.Add(time.Second))
	a.Tick(ctx) // sweeps
	if a.Ended(sid) {
		t.Error("an ended session is remembered after every token of it has expired")
	}
}

// TestRecountSkipsEndedSessions: after the store lost its data, a node
// announces the sessions it has seen in use; one it knows has ended must
// not take a slot again.
func TestRecountSkipsEndedSessions(t *testing.T) {
	clk := queue.NewClock()
	mem := &restartable{memstore.New()}
	var live []string
	r := queue.NewRoom("shop", mem, queue.Options{Policy: queue.Shop, Now: clk.Now, Log: queue.Quiet, LiveSessions: func() []string { return live }})
	ctx := context.Background()
	r.Tick(ctx)
	for range 2 {
		a, err := r.Arrive(ctx)
		if err != nil || a.SessionID == "" {
			t.Fatalf("Arrive: %+v, %v", a, err)
		}
		live = append(live, a.SessionID)
	}
	clk.Add(time.Second)
	r.Tick(ctx)
	r.End(ctx, live[0])
	clk.Add(time.Second)
	r.Tick(ctx)

	mem.restart() // the store restarted empty
	clk.Add(time.Second)
	r.Tick(ctx)
	if c, _ := mem.Counters(ctx, "shop"); c.Active != 1 {
		t.Errorf("after the recount: got %d active sessions, want 1 (the ended one left out)", c.Active)
	}
}

// restartable is a memory store that can restart empty, as a store that
// lost its data does. Its callers restart it between calls, never during
// one.
type restartable struct{ *memstore.Store }

func (s *restartable) restart() { s.Store = memstore.New() }

// endedFeed is a store whose list of ended sessions the test writes.
type endedFeed struct {
	*memstore.Store
	mu   sync.Mutex
	list []queue.Ended
}

func (f *endedFeed) EndedSince(context.Context, string, time.Time) ([]queue.Ended, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.list), nil
}

// TestEndedFetchedAgainLater: a session the store lists again with a later
// end — an end retried after an outage is stamped when it got through — is
// refused until the later time, though the tick before heard of it already.
func TestEndedFetchedAgainLater(t *testing.T) {
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.SessionTTL = 20 * time.Second })
	clk := queue.NewClock()
	feed := &endedFeed{Store: memstore.New()}
	r := queue.NewRoom("shop", feed, queue.Options{Policy: p, Now: clk.Now, Log: queue.Quiet})
	ctx := context.Background()
	first, later := storetest.Start, storetest.Start.Add(3*time.Second)
	feed.list = []queue.Ended{{ID: "x", At: first}}
	r.Tick(ctx)
	clk.Add(time.Second)
	r.Tick(ctx) // fetched again, unchanged
	feed.list = []queue.Ended{{ID: "x", At: later}}
	clk.Add(time.Second)
	r.Tick(ctx)
	clk.Set(queue.EndedUntil(first, p.SessionTTL).Add(time.Second))
	r.Tick(ctx)
	if !r.Ended("x") {
		t.Errorf("at %v: forgotten at its first end's time, want refused through the later one's",
			clk.Now().Sub(storetest.Start))
	}
	clk.Set(queue.EndedUntil(later, p.SessionTTL).Add(time.Second))
	r.Tick(ctx)
	if r.Ended("x") {
		t.Errorf("at %v: still refused after the later end's time", clk.Now().Sub(storetest.Start))
	}
}
