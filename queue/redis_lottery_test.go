package queue

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisThreeNodesOneSeed: three gateway nodes sharing one Redis start
// at once; each draws a seed, one wins, and all three publish the same
// commitment, reveal the same seed and admit the pre-queue in the order
// it gives. A node that starts later, or restarts, finds it too.
func TestRedisThreeNodesOneSeed(t *testing.T) {
	addr := startRedis(t)
	clk := newClock()
	opens := start.Add(time.Hour)
	p := with(shop, func(p *Policy) { p.MaxActive, p.AbandonAfter = 1, time.Hour })
	o := Options{Policy: p, Schedule: Schedule{PrequeueFrom: start.Add(time.Minute), OpensAt: opens, Random: true},
		PollInterval: time.Second, Now: clk.Now, Log: quiet}
	node := func() *Room { return NewRoom("shop", newRedisStore(t, addr, "three", false), o) }
	nodes := []*Room{node(), node(), node()}
	ctx := context.Background()

	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() { n.Tick(ctx) })
	}
	wg.Wait()
	lotteries := func() []Lottery {
		var ls []Lottery
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
	raw, err := redis.NewClient(&redis.Options{Addr: addr}).Get(ctx, "three:{shop}:lottery").Result()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := parseCommitment(raw)
	if err != nil || stored.Seed.Hash() != before[0].Commit {
		t.Fatalf("Redis holds %q (%v); want the seed of hash %s", raw, err, before[0].Commit)
	}

	clk.Set(start.Add(time.Minute))
	var line []Ticket
	for i := range 30 {
		a, err := nodes[i%3].Arrive(ctx)
		if err != nil || a.Number == 0 || !a.Prequeue {
			t.Fatalf("arrival %d: got %+v, %v; want a pre-queue ticket", i, a, err)
		}
		line = append(line, Ticket{Number: a.Number, Prequeue: true, IssuedAt: clk.Now()})
	}
	late := node() // started during the pre-queue
	if l, err := late.Lottery(ctx); err != nil || l != before[0] {
		t.Fatalf("a node started late: got %+v, %v; want %+v", l, err, before[0])
	}

	clk.Set(opens)
	after := lotteries()
	for i, l := range after {
		if !l.Revealed || l.Draw != after[0].Draw || l.Draw.Seed != stored.Seed || l.Draw.Tickets != 30 {
			t.Fatalf("node %d at the opening: got %+v; want the stored seed and 30 tickets, as node 0: %+v", i, l, after[0])
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
			if st.State == StateAdmitted {
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

// TestRedisPutsTheSeedBackAfterDataLoss: Redis restarted empty during the
// pre-queue. The node that committed puts its commitment back, so a node
// started after the loss does not draw another seed.
func TestRedisPutsTheSeedBackAfterDataLoss(t *testing.T) {
	addr := startRedis(t)
	clk := newClock()
	o := Options{Policy: shop, Schedule: Schedule{OpensAt: start.Add(time.Hour), Random: true},
		PollInterval: time.Second, Now: clk.Now, Log: quiet}
	ctx := context.Background()
	a := NewRoom("shop", newRedisStore(t, addr, "loss", false), o)
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
	if err := redis.NewClient(&redis.Options{Addr: addr}).FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	a.Tick(ctx) // sees Issued go back: the store lost its data
	b := NewRoom("shop", newRedisStore(t, addr, "loss", false), o)
	if got, err := b.Lottery(ctx); err != nil || got != want {
		t.Errorf("a node started after the loss: got %+v, %v; want %+v", got, err, want)
	}
}
