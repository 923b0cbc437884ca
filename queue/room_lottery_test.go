package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestRoomCommitsBeforeThePrequeue: the seed is stored and its hash shown
// from the room's first tick, before the pre-queue starts; the seed stays
// hidden until the opening, then its hash is the one shown before, and
// the room admits the pre-queue in the draw's order.
func TestRoomCommitsBeforeThePrequeue(t *testing.T) {
	from, opens := storetest.Start.Add(time.Hour), storetest.Start.Add(2*time.Hour)
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 1, time.Hour })
	g := newRig(t, p, queue.Schedule{PrequeueFrom: from, OpensAt: opens, Random: true})
	g.tick()
	before := g.lottery()
	if before.Commit == "" || !before.CommittedAt.Equal(storetest.Start) || before.Revealed || before.Draw != (queue.Draw{}) {
		t.Fatalf("before the pre-queue: got %+v, want a commitment made at %v and nothing revealed", before, storetest.Start)
	}
	if !before.PrequeueFrom.Equal(from) || !before.OpensAt.Equal(opens) {
		t.Errorf("window: got %v..%v, want %v..%v", before.PrequeueFrom, before.OpensAt, from, opens)
	}
	g.clk.Set(from)
	var line []queue.Ticket
	for range 40 {
		line = append(line, g.ticket())
		g.clk.Add(time.Minute)
		for _, tk := range line {
			g.status(tk)
		}
		g.tick()
		if l := g.lottery(); l != before {
			t.Fatalf("during the pre-queue: got %+v, want %+v", l, before)
		}
	}
	g.clk.Set(opens)
	after := g.lottery() // before any tick: it opens the room itself
	if !after.Revealed || after.Commit != before.Commit || after.Draw.Seed.Hash() != before.Commit || after.Draw.Tickets != 40 || after.Draw.Room != "shop" {
		t.Fatalf("at the opening: got %+v; want the seed of hash %s and 40 tickets", after, before.Commit)
	}
	order := g.admitOneByOne(line)
	for i, n := range order {
		if want := after.Draw.Ticket(uint64(i + 1)); n != want {
			t.Fatalf("admitted %v; the draw says place %d is ticket %d", order, i+1, want)
		}
	}
	if slices.IsSorted(order) {
		t.Errorf("admitted in arrival order %v", order)
	}
}

// admitOneByOne polls every ticket each second, in ticket order, in a room
// that admits one at a time, and returns the order they were admitted in:
// the engine's own, whatever order the polls come in.
func (g *rig) admitOneByOne(line []queue.Ticket) []uint64 {
	g.t.Helper()
	var order []uint64
	waiting := slices.Clone(line)
	for deadline := g.clk.Now().Add(time.Hour); len(waiting) > 0; {
		if g.clk.Now().After(deadline) {
			g.t.Fatalf("%d tickets still waiting after an hour", len(waiting))
		}
		g.clk.Add(time.Second)
		g.tick()
		for i := 0; i < len(waiting); i++ {
			st := g.status(waiting[i])
			if st.State == queue.StateAdmitted {
				order = append(order, waiting[i].Number)
				if err := g.room.End(context.Background(), st.SessionID); err != nil {
					g.t.Fatal(err)
				}
				waiting = slices.Delete(waiting, i, i+1)
				i--
			}
		}
	}
	return order
}

func (g *rig) lottery() queue.Lottery {
	g.t.Helper()
	l, err := g.room.Lottery(context.Background())
	if err != nil {
		g.t.Fatalf("Lottery: %v", err)
	}
	return l
}

// TestRoomNoPrequeueTicketWithoutCommitment: a room that never ticked
// commits before its first pre-queue ticket; with the store down it hands
// out none.
func TestRoomNoPrequeueTicketWithoutCommitment(t *testing.T) {
	g := newRig(t, queue.Shop, queue.Schedule{OpensAt: storetest.Start.Add(time.Hour), Random: true})
	f := g.flaky()
	f.down.Store(true)
	if a, err := g.room.Arrive(context.Background()); !errors.Is(err, queue.ErrUnavailable) {
		t.Fatalf("Arrive with the store down: got %+v, %v; want ErrUnavailable", a, err)
	}
	if _, err := g.room.Lottery(context.Background()); !errors.Is(err, queue.ErrUnavailable) {
		t.Errorf("Lottery with the store down: got %v, want ErrUnavailable", err)
	}
	if c, _ := g.mem.Counters(context.Background(), "shop"); c.Issued != 0 {
		t.Fatalf("Issued with the store down: got %d, want 0", c.Issued)
	}
	f.down.Store(false)
	if tk := g.ticket(); tk.Number != 1 || !tk.Prequeue {
		t.Fatalf("first arrival: got %+v, want pre-queue ticket 1", tk)
	}
	mine, err := g.mem.Commit(context.Background(), "shop", queue.Commitment{Seed: queue.NewSeed(), At: storetest.Start})
	if err != nil {
		t.Fatal(err)
	}
	if l := g.lottery(); mine.Seed.Hash() != l.Commit || !mine.At.Equal(storetest.Start) {
		t.Errorf("the store holds %s, the room shows %s", mine.Seed.Hash(), l.Commit)
	}
}

// TestRoomRevealWaitsForTheOpening: past opens_at, a store that cannot
// be reached cannot freeze the pre-queue, so the seed stays hidden.
func TestRoomRevealWaitsForTheOpening(t *testing.T) {
	opens := storetest.Start.Add(time.Minute)
	g := newRig(t, queue.Shop, queue.Schedule{OpensAt: opens, Random: true})
	f := g.flaky()
	g.tick()
	g.ticket()
	g.clk.Set(opens)
	f.down.Store(true)
	if l, err := g.room.Lottery(context.Background()); !errors.Is(err, queue.ErrUnavailable) || l.Revealed {
		t.Fatalf("Lottery at the opening, store down: got %+v, %v; want ErrUnavailable and nothing revealed", l, err)
	}
	f.down.Store(false)
	if l := g.lottery(); !l.Revealed || l.Draw.Tickets != 1 {
		t.Errorf("Lottery once the store is back: got %+v, want revealed with 1 ticket", l)
	}
}

func TestRoomLotteryRefused(t *testing.T) {
	g := newRig(t, queue.Shop, queue.Schedule{OpensAt: storetest.Start.Add(time.Minute)})
	if _, err := g.room.Lottery(context.Background()); !errors.Is(err, queue.ErrNoLottery) {
		t.Errorf("Lottery of a fifo room: got %v, want ErrNoLottery", err)
	}
	// A room that opened in arrival order and was made random after.
	g.tick()
	g.ticket()
	g.clk.Add(time.Minute)
	g.tick()
	g.room.SetPolicy(queue.Shop, queue.Schedule{OpensAt: storetest.Start.Add(time.Minute), Random: true}, time.Second)
	if l, err := g.room.Lottery(context.Background()); !errors.Is(err, queue.ErrLotteryMismatch) || l.Revealed {
		t.Errorf("Lottery of a room opened fifo: got %+v, %v; want ErrLotteryMismatch", l, err)
	}
}
