package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// etaShelf is a Store that keeps a shared ETA model as the Redis one does
// (the first view offered for a slot wins), or answers with reply when set.
type etaShelf struct {
	queue.Store
	mu    sync.Mutex
	slots map[int64][]byte
	calls int
	reply func(slot int64, view []byte) ([]byte, error)
}

func (s *etaShelf) PublishETA(_ context.Context, _ string, slot int64, view []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.reply != nil {
		return s.reply(slot, view)
	}
	if s.slots == nil {
		s.slots = make(map[int64][]byte)
	}
	if got, ok := s.slots[slot]; ok {
		return got, nil
	}
	s.slots[slot] = bytes.Clone(view)
	return view, nil
}

// etaNode is a Room on the shelf, ticking on its own clock.
func etaNode(t *testing.T, shelf *etaShelf, log *slog.Logger) (*queue.Room, *queue.FakeClock) {
	t.Helper()
	clk := queue.NewClock()
	// One a second, from a bucket of ten: the first ten arrivals are let
	// in, the others wait.
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.PerMinute, p.Burst, p.MaxActive = 60, 10, 1000 })
	return queue.NewRoom("shop", shelf, queue.Options{Policy: p, PollInterval: 5 * time.Second, Now: clk.Now, Log: log}), clk
}

// lineUp brings n arrivals to room r and returns the last one's ticket.
func lineUp(t *testing.T, r *queue.Room, n int) queue.Ticket {
	t.Helper()
	var last queue.Ticket
	for range n {
		ar, err := r.Arrive(context.Background())
		if err != nil {
			t.Fatalf("Arrive: %v", err)
		}
		if ar.Number != 0 {
			last = queue.Ticket{Number: ar.Number, IssuedAt: storetest.Start}
		}
	}
	if last.Number < uint64(n)/2 {
		t.Fatalf("%d arrivals, last ticket %d: want a line", n, last.Number)
	}
	return last
}

// TestSharedETAOneView: two nodes that read the counters at different
// moments estimate from the view offered first for each slot, from a
// second into the slot on, and give the same answer at every instant,
// whether or not they heard of the next view yet.
func TestSharedETAOneView(t *testing.T) {
	ctx := context.Background()
	shelf := &etaShelf{Store: memstore.New()}
	a, clkA := etaNode(t, shelf, queue.Quiet)
	b, clkB := etaNode(t, shelf, queue.Quiet)
	far := lineUp(t, a, 40)
	tick := func(r *queue.Room, clk *queue.FakeClock, d time.Duration) {
		clk.Set(storetest.Start.Add(d))
		r.Tick(ctx)
	}
	ask := func(d time.Duration) (queue.Status, queue.Status) {
		t.Helper()
		clkA.Set(storetest.Start.Add(d))
		clkB.Set(storetest.Start.Add(d))
		stA, errA := a.Status(ctx, far)
		stB, errB := b.Status(ctx, far)
		if errA != nil || errB != nil || stA.ETAHigh == 0 {
			t.Fatalf("at %v: %+v, %v; %+v, %v", d, stA, errA, stB, errB)
		}
		if stA.Ahead != stB.Ahead || stA.ETALow != stB.ETALow || stA.ETAHigh != stB.ETAHigh || stA.Progress != stB.Progress {
			t.Errorf("at %v: %d ahead, %d–%d s, %d %% on a; %d ahead, %d–%d s, %d %% on b",
				d, stA.Ahead, stA.ETALow, stA.ETAHigh, stA.Progress, stB.Ahead, stB.ETALow, stB.ETAHigh, stB.Progress)
		}
		return stA, stB
	}
	// First slot: both tick at 1 s; its view is in force from 1 s.
	tick(a, clkA, time.Second)
	tick(b, clkB, time.Second)
	// Second slot: a ticks at 5.1 s, and has heard of the slot's view
	// (its own) before it is in force; b has not.
	tick(a, clkA, 5100*time.Millisecond)
	if sa, sb := a.Serving(), b.Serving(); sa == sb {
		t.Fatalf("serving %d on both nodes: the test wants their counters apart", sa)
	}
	before, _ := ask(5500 * time.Millisecond)
	tick(b, clkB, 5900*time.Millisecond)
	if shelf.calls != 4 || len(shelf.slots) != 2 {
		t.Fatalf("%d calls, %d slots stored; want 4 calls for 2 slots", shelf.calls, len(shelf.slots))
	}
	after, _ := ask(6 * time.Second)
	if after.Ahead >= before.Ahead {
		t.Errorf("%d ahead at 5.5 s, %d at 6 s: want the second slot's view in force 1 s into it", before.Ahead, after.Ahead)
	}
	for _, d := range []time.Duration{8 * time.Second, 10900 * time.Millisecond} {
		if st, _ := ask(d); st != after {
			t.Errorf("at %v: %+v; want what the view said at 6 s, %+v", d, st, after)
		}
	}
}

// TestSharedETAFallsBack: a store that fails, or hands back a view no node
// wrote, leaves the node estimating from its own model, logged once, and
// the page still shows a range.
func TestSharedETAFallsBack(t *testing.T) {
	ctx := context.Background()
	for name, reply := range map[string]func(int64, []byte) ([]byte, error){
		"store down": func(int64, []byte) ([]byte, error) { return nil, errDown },
		"garbage":    func(int64, []byte) ([]byte, error) { return []byte("OK"), nil },
		"future slot": func(slot int64, v []byte) ([]byte, error) {
			return bytes.Replace(v, []byte(fmt.Sprint(slot)), []byte(fmt.Sprint(slot+1)), 1), nil
		},
		"NaN": func(_ int64, v []byte) ([]byte, error) {
			return bytes.Replace(v, []byte(`"rate":`), []byte(`"rate":NaN,"x":`), 1), nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			var logged strings.Builder
			log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
			shelf := &etaShelf{Store: memstore.New(), reply: reply}
			r, clk := etaNode(t, shelf, log)
			last := lineUp(t, r, 30)
			for i := range 4 {
				clk.Set(storetest.Start.Add(time.Duration(i)*queue.ETAEvery + 100*time.Millisecond))
				r.Tick(ctx)
			}
			if shelf.calls != 4 {
				t.Errorf("%d calls to the store, want one a slot: 4", shelf.calls)
			}
			if v := r.ETAViews(clk.Now()); v.Slot != queue.ETASlot+3 || !v.At.Equal(clk.Now()) || !v.NextFrom.IsZero() {
				t.Errorf("view in force: slot %d read at %v, next from %v; want this node's own, of slot %d, read now", v.Slot, v.At, v.NextFrom, queue.ETASlot+3)
			}
			st, err := r.Status(ctx, last)
			if err != nil || st.ETAHigh == 0 || st.Message != "" {
				t.Errorf("Status: %+v, %v; want a range and no message", st, err)
			}
			if n := strings.Count(logged.String(), "ETA model not shared"); n != 1 {
				t.Errorf("logged %d times, want once:\n%s", n, logged.String())
			}
			// The store mends: the next slot's view is the shelf's.
			shelf.mu.Lock()
			shelf.reply = nil
			shelf.mu.Unlock()
			clk.Set(storetest.Start.Add(4*queue.ETAEvery + 100*time.Millisecond))
			r.Tick(ctx)
			views := r.ETAViews(clk.Now())
			if want, _ := queue.DecodeETA(shelf.slots[queue.ETASlot+4], queue.ETASlot+4); views.Next != want || !views.NextFrom.Equal(queue.InForce(queue.ETASlot+4)) {
				t.Errorf("after the store mended: next view %+v from %v; want the stored one of slot %d", views.Next, views.NextFrom, queue.ETASlot+4)
			}
		})
	}
}

// TestSharedETANotOnMemory: the memory store keeps no shared model, and a
// wrapper over it says so: the room keeps its own, renewed at each tick.
func TestSharedETANotOnMemory(t *testing.T) {
	// Bounded leaves the memory store itself unwrapped; a store around it
	// is wrapped, and its wrapper has the method whatever it wraps.
	b := queue.Bounded(struct{ queue.Store }{memstore.New()}, time.Second)
	if queue.BoundedInner(b) == nil {
		t.Fatal("the test wants a bounded wrapper")
	}
	if _, err := b.(queue.ETAStore).PublishETA(context.Background(), "shop", 1, []byte("{}")); err != queue.ErrNoSharedETA {
		t.Fatalf("bounded memory store: %v, want ErrNoSharedETA", err)
	}
	g := newRig(t, queue.Shop, queue.Schedule{})
	if g.room.SharesETA() {
		t.Fatal("a room on the memory store shares its ETA model")
	}
	r := queue.NewRoom("shop", b, g.opts)
	r.Tick(context.Background())
	if views := r.ETAViews(storetest.Start); r.SharesETA() || !views.NextFrom.IsZero() || !views.CurAt.Equal(storetest.Start) {
		t.Errorf("over a wrapper of the memory store: still sharing (%v), or a view other than its own in force (%+v)", r.SharesETA(), views)
	}
}
