package queue_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// testLotteryThreeNodes: three gateway nodes sharing one store start
// at once; each draws a seed, one wins, and all three publish the same
// commitment, reveal the same seed and admit the pre-queue in the order
// it gives. A node that starts later, or restarts, finds it too.
func testLotteryThreeNodes(t *testing.T, newStore func() queue.Store) {
	clk := queue.NewClock()
	opens := storetest.Start.Add(time.Hour)
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 1, time.Hour })
	o := queue.Options{Policy: p, Schedule: queue.Schedule{PrequeueFrom: storetest.Start.Add(time.Minute), OpensAt: opens, Random: true},
		PollInterval: time.Second, Now: clk.Now, Log: queue.Quiet}
	node := func() *queue.Room { return queue.NewRoom("shop", newStore(), o) }
	nodes := []*queue.Room{node(), node(), node()}
	ctx := context.Background()

	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() { n.Tick(ctx) })
	}
	wg.Wait()
	lotteries := func() []queue.Lottery {
		var ls []queue.Lottery
		for i, n := range nodes {
			l, err := n.Lottery(ctx)
			if err != nil {
				t.Fatalf("node %d: Lottery: %v", i, err)
			}
			ls = append(ls, l)
		}
		return ls
	}
	before := lotteries()
	for i, l := range before {
		if l.Commit == "" || l.Commit != before[0].Commit || l.Revealed {
			t.Fatalf("node %d publishes %+v, node 0 %+v; want one hidden commitment", i, l, before[0])
		}
	}
	clk.Set(storetest.Start.Add(time.Minute))
	var line []queue.Ticket
	for i := range 30 {
		a, err := nodes[i%3].Arrive(ctx)
		if err != nil || a.Number == 0 || !a.Prequeue {
			t.Fatalf("arrival %d: got %+v, %v; want a pre-queue ticket", i, a, err)
		}
		line = append(line, queue.Ticket{Number: a.Number, Prequeue: true, IssuedAt: clk.Now()})
	}
	late := node() // started during the pre-queue
	if l, err := late.Lottery(ctx); err != nil || l != before[0] {
		t.Fatalf("a node started late: got %+v, %v; want %+v", l, err, before[0])
	}

	clk.Set(opens)
	after := lotteries()
	for i, l := range after {
		if !l.Revealed || l.Draw != after[0].Draw || l.Draw.Seed.Hash() != before[0].Commit || l.Draw.Tickets != 30 {
			t.Fatalf("node %d at the opening: got %+v; want the committed seed and 30 tickets, as node 0: %+v", i, l, after[0])
		}
	}
	// The nodes take turns: each tick and poll goes to the next one.
	var order []uint64
	waiting := slices.Clone(line)
	for turn := 0; len(waiting) > 0; turn++ {
		if turn > 600 {
			t.Fatalf("%d tickets still waiting after %d turns", len(waiting), turn)
		}
		clk.Add(time.Second)
		n := nodes[turn%3]
		n.Tick(ctx)
		for i := 0; i < len(waiting); i++ {
			st, err := nodes[(turn+i)%3].Status(ctx, waiting[i])
			if err != nil {
				t.Fatal(err)
			}
			if st.State == queue.StateAdmitted {
				order = append(order, waiting[i].Number)
				if err := n.End(ctx, st.SessionID); err != nil {
					t.Fatal(err)
				}
				waiting = slices.Delete(waiting, i, i+1)
				i--
			}
		}
	}
	for i, num := range order {
		if want := after[0].Draw.Ticket(uint64(i + 1)); num != want {
			t.Fatalf("admitted %v; the draw puts ticket %d at place %d", order, want, i+1)
		}
	}
}

// testLotterySeedBackAfterDataLoss: the store (Redis) restarted empty
// during the pre-queue (flush). The node that committed puts its commitment back, so a node
// started after the loss does not draw another seed.
func testLotterySeedBackAfterDataLoss(t *testing.T, newStore func() queue.Store, flush func()) {
	clk := queue.NewClock()
	o := queue.Options{Policy: queue.Shop, Schedule: queue.Schedule{OpensAt: storetest.Start.Add(time.Hour), Random: true},
		PollInterval: time.Second, Now: clk.Now, Log: queue.Quiet}
	ctx := context.Background()
	a := queue.NewRoom("shop", newStore(), o)
	a.Tick(ctx)
	for range 5 {
		if _, err := a.Arrive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a.Tick(ctx)
	want, err := a.Lottery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flush()
	clk.Add(time.Second)
	a.Tick(ctx) // sees Issued go back: the store lost its data
	b := queue.NewRoom("shop", newStore(), o)
	if got, err := b.Lottery(ctx); err != nil || got != want {
		t.Errorf("a node started after the loss: got %+v, %v; want %+v", got, err, want)
	}
}
