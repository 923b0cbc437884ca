package queue_test

import (
	"cmp"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// rig is a Room over a memory store (possibly wrapped) on a fake clock.
type rig struct {
	t     testing.TB
	clk   *queue.FakeClock
	mem   *memstore.Store
	store queue.Store
	room  *queue.Room
	opts  queue.Options
}

func newRig(t testing.TB, p queue.Policy, s queue.Schedule) *rig {
	t.Helper()
	g := &rig{t: t, clk: queue.NewClock(), mem: memstore.New()}
	g.store = g.mem
	g.opts = queue.Options{Policy: p, Schedule: s, PollInterval: 5 * time.Second, Now: g.clk.Now, Log: queue.Quiet}
	g.room = queue.NewRoom("shop", g.store, g.opts)
	return g
}

// flaky puts a store that fails on demand between the room and memory.
func (g *rig) flaky() *flakyStore {
	f := &flakyStore{Store: g.mem}
	g.store = f
	g.room = queue.NewRoom("shop", f, g.opts)
	return f
}

func (g *rig) tick() { g.room.Tick(context.Background()) }

func (g *rig) arrive() queue.Arrival {
	g.t.Helper()
	a, err := g.room.Arrive(context.Background())
	if err != nil {
		g.t.Fatalf("Arrive: %v", err)
	}
	return a
}

// ticket arrives and wants a ticket.
func (g *rig) ticket() queue.Ticket {
	g.t.Helper()
	a := g.arrive()
	if a.Number == 0 {
		g.t.Fatalf("Arrive: got %+v, want a ticket", a)
	}
	return queue.Ticket{Number: a.Number, Prequeue: a.Prequeue, IssuedAt: g.clk.Now()}
}

func (g *rig) status(tk queue.Ticket) queue.Status {
	g.t.Helper()
	st, err := g.room.Status(context.Background(), tk)
	if err != nil {
		g.t.Fatalf("Status(%d): %v", tk.Number, err)
	}
	return st
}

func (g *rig) counters() queue.Counters {
	c, _ := g.room.Counters()
	return c
}

// drain runs the room second by second: every ticket in line polls, every
// session ends after hold, until all are admitted or limit passes. It
// returns the ticket numbers in the order they were admitted.
func (g *rig) drain(line []queue.Ticket, hold, limit time.Duration) []uint64 {
	g.t.Helper()
	var order []uint64
	ends := map[string]time.Time{}
	waiting := slices.Clone(line)
	for deadline := g.clk.Now().Add(limit); len(waiting) > 0; {
		if g.clk.Now().After(deadline) {
			g.t.Fatalf("%d tickets still waiting after %v", len(waiting), limit)
		}
		g.clk.Add(time.Second)
		now := g.clk.Now()
		for sid, at := range ends {
			if !now.Before(at) {
				g.room.End(context.Background(), sid)
				delete(ends, sid)
			}
		}
		g.tick()
		// Tickets called in one tick claim in their order; which of them
		// polls first within a second is chance, and not what is tested.
		o := g.counters().Opening
		slices.SortFunc(waiting, func(a, b queue.Ticket) int { return cmp.Compare(o.Position(a.Number), o.Position(b.Number)) })
		for i := 0; i < len(waiting); i++ {
			st := g.status(waiting[i])
			if st.Requeued {
				g.t.Fatalf("ticket %d, polling every second, was requeued", waiting[i].Number)
			}
			if st.State == queue.StateAdmitted {
				order = append(order, waiting[i].Number)
				ends[st.SessionID] = now.Add(hold)
				waiting = slices.Delete(waiting, i, i+1)
				i--
			}
		}
	}
	return order
}

func TestRoomPrequeueOrder(t *testing.T) {
	for _, random := range []bool{false, true} {
		name := map[bool]string{false: "fifo", true: "random"}[random]
		t.Run(name, func(t *testing.T) {
			opens := storetest.Start.Add(10 * time.Minute)
			g := newRig(t, queue.Shop, queue.Schedule{OpensAt: opens, Random: random})
			var line []queue.Ticket
			for i := 1; i <= 100; i++ {
				tk := g.ticket()
				if tk.Number != uint64(i) || !tk.Prequeue {
					t.Fatalf("arrival %d: got ticket %+v, want pre-queue ticket %d", i, tk, i)
				}
				line = append(line, tk)
				g.clk.Add(5 * time.Second)
				for _, tk := range line { // the countdown page polls too
					g.status(tk)
				}
				g.tick()
			}
			for _, tk := range line[:3] {
				st := g.status(tk)
				want := uint64(0)
				if !random {
					want = tk.Number
				}
				if st.State != queue.StatePrequeue || st.Position != want || st.OpensInSeconds != queue.SecondsUntil(opens, g.clk.Now()) {
					t.Errorf("pre-queue status of %d: got %+v, want prequeue, position %d, opens in %ds",
						tk.Number, st, want, queue.SecondsUntil(opens, g.clk.Now()))
				}
			}
			if a := g.arrive(); a.State != queue.StatePrequeue || a.OpensInSeconds != 100 {
				t.Errorf("Arrive 100 s before opening: got %+v, want prequeue with 100 s to go", a)
			}
			line = append(line, queue.Ticket{Number: 101, Prequeue: true, IssuedAt: g.clk.Now()})
			g.clk.Set(opens)
			g.tick()
			for range 20 {
				tk := g.ticket()
				if tk.Prequeue {
					t.Fatalf("ticket %d issued after opening is marked pre-queue", tk.Number)
				}
				line = append(line, tk)
			}
			order := g.drain(line, 3*time.Second, time.Hour)
			if len(order) != 121 {
				t.Fatalf("admitted %d tickets, want 121", len(order))
			}
			pre := slices.Clone(order[:101])
			for i, n := range order[101:] {
				if n != uint64(102+i) {
					t.Fatalf("after the pre-queue: got %v, want 102..121 in order", order[101:])
				}
			}
			slices.Sort(pre)
			for i, n := range pre {
				if n != uint64(i+1) {
					t.Fatalf("the first 101 admitted are not the pre-queue: %v", order[:101])
				}
			}
			shuffled := !slices.IsSorted(order[:101])
			if shuffled != random {
				t.Errorf("pre-queue admitted in order %v; random is %v", order[:101], random)
			}
			o := g.counters().Opening
			for i, n := range order {
				if o.Position(n) != uint64(i+1) {
					t.Fatalf("ticket %d was admitted %d-th but its position is %d", n, i+1, o.Position(n))
				}
			}
		})
	}
}

// TestRoomArrivalAtOpeningQueuesBehindPrequeue: an arrival after opens_at
// but before the room's first tick after it is not part of the pre-queue.
func TestRoomArrivalAtOpeningQueuesBehindPrequeue(t *testing.T) {
	opens := storetest.Start.Add(time.Minute)
	g := newRig(t, queue.Shop, queue.Schedule{OpensAt: opens, Random: true})
	for range 3 {
		g.ticket()
	}
	g.tick()
	g.clk.Set(opens.Add(time.Millisecond))
	tk := g.ticket()
	if tk.Prequeue {
		t.Errorf("ticket %d issued after opening is marked pre-queue", tk.Number)
	}
	g.tick()
	if o := g.counters().Opening; o.PrequeueEnd != 3 {
		t.Errorf("PrequeueEnd: got %d, want 3", o.PrequeueEnd)
	}
}

func TestRoomPrequeueFrom(t *testing.T) {
	from, opens := storetest.Start.Add(time.Hour), storetest.Start.Add(2*time.Hour)
	g := newRig(t, queue.Shop, queue.Schedule{PrequeueFrom: from, OpensAt: opens})
	a := g.arrive()
	if want := (queue.Arrival{State: queue.StatePrequeue, OpensInSeconds: 3600}); a != want {
		t.Fatalf("Arrive before the pre-queue: got %+v, want %+v", a, want)
	}
	g.tick()
	if c := g.counters(); c.Issued != 0 {
		t.Errorf("Issued before the pre-queue: got %d, want 0", c.Issued)
	}
	g.clk.Set(from)
	a = g.arrive()
	if want := (queue.Arrival{State: queue.StatePrequeue, Number: 1, Prequeue: true, OpensInSeconds: 3600}); a != want {
		t.Errorf("Arrive at the pre-queue: got %+v, want %+v", a, want)
	}
}

func TestRoomClosesAt(t *testing.T) {
	closes := storetest.Start.Add(10 * time.Minute)
	g := newRig(t, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 1, time.Hour }), queue.Schedule{ClosesAt: closes})
	g.tick()
	if a := g.arrive(); a.State != queue.StateAdmitted || a.SessionID == "" {
		t.Fatalf("first arrival at an empty room: got %+v, want admitted", a)
	}
	var line []queue.Ticket
	for range 4 {
		line = append(line, g.ticket())
	}
	g.clk.Set(closes)
	if a := g.arrive(); a != (queue.Arrival{State: queue.StateClosed}) {
		t.Fatalf("Arrive at closing time: got %+v, want closed and nothing else", a)
	}
	// Those already in line are served: the first session times out.
	order := g.drain(line, 5*time.Second, 30*time.Minute)
	if !slices.Equal(order, []uint64{1, 2, 3, 4}) {
		t.Errorf("after closing: admitted %v, want [1 2 3 4]", order)
	}
}

func TestRoomForfeitRequeues(t *testing.T) {
	cases := []struct {
		name         string
		closes       time.Duration // 0: never
		wantState    queue.State
		wantRequeued bool
		wantNumber   uint64
	}{
		{"open room", 0, queue.StateWaiting, true, 5},
		{"closed since", 20 * time.Second, queue.StateClosed, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s queue.Schedule
			if tc.closes > 0 {
				s.ClosesAt = storetest.Start.Add(tc.closes)
			}
			g := newRig(t, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 1 }), s)
			g.tick()
			a := g.arrive()
			var line []queue.Ticket
			for range 4 {
				line = append(line, g.ticket())
			}
			g.room.End(context.Background(), a.SessionID)
			g.tick()
			// Ticket 1's turn came; it does not poll; 2 does.
			for range 30 {
				g.clk.Add(time.Second)
				g.tick()
				if st := g.status(line[1]); st.State == queue.StateAdmitted {
					t.Fatalf("ticket 2 admitted while ticket 1 still had its claim window")
				}
			}
			g.clk.Add(time.Second)
			g.tick()
			if st := g.status(line[1]); st.State != queue.StateAdmitted {
				t.Fatalf("ticket 2 after 1 forfeited: got %+v, want admitted", st)
			}
			st := g.status(line[0])
			if st.Requeued != tc.wantRequeued || st.State != tc.wantState || st.Number != tc.wantNumber || st.Message == "" || st.SessionID != "" {
				t.Fatalf("ticket 1 back late: got %+v, want requeued %v, %s, number %d, a message", st, tc.wantRequeued, tc.wantState, tc.wantNumber)
			}
			if tc.wantNumber != 0 && st.Position != tc.wantNumber {
				t.Errorf("requeued position: got %d, want %d", st.Position, tc.wantNumber)
			}
		})
	}
}

func TestRoomAbandonedTicketsDropOut(t *testing.T) {
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 1, time.Minute })
	g := newRig(t, p, queue.Schedule{})
	g.tick()
	a := g.arrive()
	var line []queue.Ticket
	for range 10 {
		line = append(line, g.ticket())
	}
	g.tick()
	if st := g.status(line[9]); st.Ahead != 9 {
		t.Errorf("Ahead of ticket 10 with everyone polling: got %d, want 9", st.Ahead)
	}
	// 1..5 stop polling; 6..10 poll every 10 s; the session goes on.
	for range 7 {
		g.clk.Add(10 * time.Second)
		for _, tk := range line[5:] {
			g.status(tk)
		}
		g.room.Refresh(a.SessionID)
		g.tick()
	}
	if c := g.counters(); c.Waiting != 5 {
		t.Errorf("Waiting after 1..5 stopped: got %d, want 5", c.Waiting)
	}
	if st := g.status(line[9]); st.Ahead != 4 {
		t.Errorf("Ahead of ticket 10: got %d, want 4", st.Ahead)
	}
	g.room.End(context.Background(), a.SessionID)
	g.clk.Add(time.Second)
	g.tick()
	if st := g.status(line[5]); st.State != queue.StateAdmitted {
		t.Errorf("ticket 6 after 1..5 abandoned: got %+v, want admitted", st)
	}
	if st := g.status(line[0]); !st.Requeued {
		t.Errorf("ticket 1 back after being skipped: got %+v, want requeued", st)
	}
}

func TestRoomStoreOutage(t *testing.T) {
	g := newRig(t, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 1 }), queue.Schedule{})
	f := g.flaky()
	ctx := context.Background()
	g.tick()
	a := g.arrive()
	tk := g.ticket()

	f.down.Store(true)
	g.clk.Add(time.Second)
	g.room.Refresh(a.SessionID)
	g.tick()
	if _, err := g.room.Counters(); err == nil {
		t.Errorf("Counters during the outage: got no error")
	}
	if _, err := g.room.Arrive(ctx); !errors.Is(err, queue.ErrUnavailable) {
		t.Errorf("Arrive during the outage: got %v, want ErrUnavailable", err)
	}
	st := g.status(tk)
	if st.State != queue.StateWaiting || st.Message == "" || st.SessionID != "" || st.Position != tk.Number {
		t.Errorf("Status during the outage: got %+v, want waiting with a message", st)
	}
	// The session ends while the store is away: the ticket's turn has come
	// but it cannot be claimed.
	g.room.End(ctx, a.SessionID)
	for range 5 {
		g.clk.Add(time.Second)
		g.room.Refresh("still-shopping")
		g.tick()
		if st := g.status(tk); st.State == queue.StateAdmitted {
			t.Fatalf("admitted while the store is down")
		}
	}

	f.down.Store(false)
	g.clk.Add(time.Second)
	g.tick()
	if _, err := g.room.Counters(); err != nil {
		t.Errorf("Counters after the outage: %v", err)
	}
	if got := f.delivered(); !slices.Contains(got, "still-shopping") {
		t.Errorf("refreshes delivered after the outage: %v, want still-shopping among them", got)
	}
	// The session refreshed during the outage is counted, so the room is
	// full; once it ends the ticket is admitted.
	if st := g.status(tk); st.State == queue.StateAdmitted {
		t.Errorf("ticket admitted while the session refreshed during the outage fills the room")
	}
	g.mem.End(ctx, "shop", "still-shopping", g.clk.Now())
	g.clk.Add(time.Second)
	g.tick()
	if st := g.status(tk); st.State != queue.StateAdmitted || st.Message != "" {
		t.Errorf("Status after the outage: got %+v, want admitted", st)
	}
}

// TestRoomStoreFailsDuringClaim: the store goes away between the tick
// that called a ticket and its claim.
func TestRoomStoreFailsDuringClaim(t *testing.T) {
	g := newRig(t, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 1 }), queue.Schedule{})
	f := g.flaky()
	g.tick()
	a := g.arrive()
	tk := g.ticket()
	g.room.End(context.Background(), a.SessionID)
	g.tick()
	f.down.Store(true)
	st, err := g.room.Status(context.Background(), tk)
	if err != nil && !errors.Is(err, queue.ErrUnavailable) {
		t.Fatalf("Status: got %v, want nil or ErrUnavailable", err)
	}
	if st.State != queue.StateWaiting || st.Message == "" || st.SessionID != "" {
		t.Errorf("Status: got %+v, want waiting with a message", st)
	}
	f.down.Store(false)
	if st := g.status(tk); st.State != queue.StateAdmitted {
		t.Errorf("Status once the store is back: got %+v, want admitted", st)
	}
}

// TestRoomOutageLongerThanAbandonWindow: shoppers who kept polling through
// an outage are not taken for gone when it ends.
func TestRoomOutageLongerThanAbandonWindow(t *testing.T) {
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 1, 30*time.Second })
	g := newRig(t, p, queue.Schedule{})
	f := g.flaky()
	g.tick()
	a := g.arrive()
	var line []queue.Ticket
	for range 10 {
		line = append(line, g.ticket())
	}
	f.down.Store(true)
	for sec := 1; sec <= 120; sec++ {
		g.clk.Add(time.Second)
		for i, tk := range line { // every 5 s, staggered
			if (sec+i)%5 == 0 {
				g.status(tk)
			}
		}
		g.room.Refresh(a.SessionID)
		if sec == 115 {
			f.down.Store(false)
		}
		g.tick()
	}
	if c := g.counters(); c.Waiting != 10 {
		t.Errorf("Waiting after the outage: got %d, want 10", c.Waiting)
	}
	g.room.End(context.Background(), a.SessionID)
	order := g.drain(line, time.Second, 10*time.Minute)
	if !slices.Equal(order, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("admitted %v, want 1..10 in order", order)
	}
}

func TestRoomPause(t *testing.T) {
	g := newRig(t, queue.Shop, queue.Schedule{})
	g.tick()
	g.room.Pause()
	a := g.arrive()
	if a.State != queue.StatePaused || a.SessionID != "" || a.Number != 1 {
		t.Fatalf("Arrive at a paused empty room: got %+v, want paused with ticket 1", a)
	}
	tk := queue.Ticket{Number: a.Number, IssuedAt: g.clk.Now()}
	for range 10 {
		g.clk.Add(time.Second)
		g.tick()
		if st := g.status(tk); st.State != queue.StatePaused || st.SessionID != "" {
			t.Fatalf("Status in a paused room: got %+v, want paused", st)
		}
	}
	if c := g.counters(); c.Serving != 0 || c.Admitted != 0 {
		t.Errorf("paused room: got Serving %d Admitted %d, want 0 and 0", c.Serving, c.Admitted)
	}
	g.room.Resume()
	g.tick()
	if st := g.status(tk); st.State != queue.StateAdmitted {
		t.Errorf("Status after Resume: got %+v, want admitted", st)
	}
}

func TestRoomRestartKeepsPlaces(t *testing.T) {
	opens := storetest.Start.Add(time.Minute)
	g := newRig(t, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 3 }), queue.Schedule{OpensAt: opens, Random: true})
	var line []queue.Ticket
	for range 20 {
		line = append(line, g.ticket())
	}
	g.clk.Set(opens)
	g.tick()
	for range 10 {
		line = append(line, g.ticket())
	}
	admitted := map[uint64]bool{}
	for range 5 { // keep everyone polling
		g.clk.Add(time.Second)
		g.tick()
		for _, tk := range line {
			if !admitted[tk.Number] && g.status(tk).State == queue.StateAdmitted {
				admitted[tk.Number] = true
			}
		}
	}
	before := map[uint64]uint64{}
	var still []queue.Ticket
	for _, tk := range line {
		if admitted[tk.Number] {
			continue
		}
		st := g.status(tk)
		if st.State != queue.StateWaiting {
			t.Fatalf("ticket %d: got %+v, want waiting", tk.Number, st)
		}
		before[tk.Number] = st.Position
		still = append(still, tk)
	}
	if len(still) < 20 {
		t.Fatalf("only %d tickets waiting before the restart", len(still))
	}
	g.tick()
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := g.mem.Save(path); err != nil {
		t.Fatal(err)
	}

	mem, err := memstore.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	g.mem, g.store = mem, mem
	g.room = queue.NewRoom("shop", mem, g.opts)
	g.tick()
	for _, tk := range still {
		if st := g.status(tk); st.Position != before[tk.Number] || st.State != queue.StateWaiting {
			t.Errorf("ticket %d after the restart: got %+v, want waiting at %d", tk.Number, st, before[tk.Number])
		}
	}
	late := g.ticket()
	if late.Number != 31 {
		t.Errorf("first ticket after the restart: got %d, want 31", late.Number)
	}
	order := g.drain(append(still, late), 2*time.Second, time.Hour)
	o := g.counters().Opening
	for i := 1; i < len(order); i++ {
		if o.Position(order[i]) < o.Position(order[i-1]) {
			t.Fatalf("admitted out of place after the restart: %v", order)
		}
	}
	if order[len(order)-1] != 31 {
		t.Errorf("last admitted: got %d, want the newcomer 31", order[len(order)-1])
	}
}

// TestRoomETAFollowsMeasuredRate: the room is configured for 10 a second
// but its sessions hold it to 1 a second; the ETA says what happens.
func TestRoomETAFollowsMeasuredRate(t *testing.T) {
	p := storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 10, 600, 10 })
	g := newRig(t, p, queue.Schedule{OpensAt: storetest.Start.Add(time.Second)})
	var line []queue.Ticket
	for range 300 {
		line = append(line, g.ticket())
	}
	order := []uint64{}
	ends := map[string]time.Time{}
	last := line[len(line)-1]
	progressAt20 := 0
	for sec := 1; sec <= 120; sec++ {
		now := g.clk.Add(time.Second)
		for sid, at := range ends {
			if !now.Before(at) {
				g.room.End(context.Background(), sid)
				delete(ends, sid)
			}
		}
		g.tick()
		for _, tk := range line[len(order):min(len(order)+20, len(line))] {
			if st := g.status(tk); st.State == queue.StateAdmitted {
				order = append(order, tk.Number)
				ends[st.SessionID] = now.Add(10 * time.Second)
			}
		}
		st := g.status(last)
		if st.ETALow > st.ETAHigh || st.Progress < 0 || st.Progress > 100 {
			t.Fatalf("at %ds: got ETA %d..%d progress %d", sec, st.ETALow, st.ETAHigh, st.Progress)
		}
		// Progress follows the measured rate, which moves; it is not
		// monotone second by second, but it does advance.
		if sec == 20 {
			progressAt20 = st.Progress
		}
	}
	if st := g.status(last); st.Progress <= progressAt20 {
		t.Errorf("progress from 20 s to 120 s: %d to %d, want it to advance", progressAt20, st.Progress)
	}
	st := g.status(last)
	rate := float64(len(order)-10) / 110 // after the first burst
	if rate < 0.8 || rate > 1.2 {
		t.Fatalf("test setup: admission rate %.2f/s, want about 1/s", rate)
	}
	mid := float64(st.Ahead+1) / rate
	if float64(st.ETALow) > mid || float64(st.ETAHigh) < mid || float64(st.ETALow) < mid/2 || float64(st.ETAHigh) > 2*mid {
		t.Errorf("ETA %d..%d for %d ahead at %.2f/s, want a range around %.0f", st.ETALow, st.ETAHigh, st.Ahead, rate, mid)
	}
	if want := uint64(len(line) - len(order) - 1); st.Ahead > want || st.Ahead+2 < want {
		t.Errorf("Ahead: got %d, want about %d", st.Ahead, want)
	}
}

func TestRoomEndIsRefusedLocally(t *testing.T) {
	g := newRig(t, queue.Shop, queue.Schedule{})
	g.tick()
	a := g.arrive()
	if g.room.Ended(a.SessionID) {
		t.Fatal("a live session reads as ended")
	}
	if err := g.room.End(context.Background(), a.SessionID); err != nil {
		t.Fatal(err)
	}
	if !g.room.Ended(a.SessionID) {
		t.Error("an ended session does not read as ended")
	}
	// Forgotten once no token of it can verify, by the tick's sweep.
	g.clk.Add(2 * time.Minute)
	g.tick()
	if g.room.Ended(a.SessionID) {
		t.Error("an ended session is remembered after no token of it can verify")
	}
}

// TestWelcomeNotesNoPoll: an arrival's first page (Welcome) sends no poll
// to the store, since Join stamped the ticket as seen; the ticket still
// counts as waiting. The next poll (Status) is sent at the next tick.
func TestWelcomeNotesNoPoll(t *testing.T) {
	g := newRig(t, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 1 }), queue.Schedule{})
	f := g.flaky()
	g.tick()
	g.arrive() // takes the one slot
	tk := g.ticket()
	st, err := g.room.Welcome(context.Background(), tk)
	if err != nil || st.State != queue.StateWaiting || st.Position != tk.Number {
		t.Fatalf("Welcome: %+v, %v; want waiting at %d", st, err, tk.Number)
	}
	g.clk.Add(time.Second)
	g.tick()
	if got := f.polled(); len(got) != 0 {
		t.Errorf("after an arrival's first page the store was sent polls of %v, want none", got)
	}
	if c := g.counters(); c.Waiting != 1 {
		t.Errorf("Waiting: %d, want 1: the new ticket counts as polling from its Join", c.Waiting)
	}
	g.status(tk)
	g.clk.Add(time.Second)
	g.tick()
	if got := f.polled(); !slices.Equal(got, []uint64{tk.Number}) {
		t.Errorf("after a poll the store was sent polls of %v, want [%d]", got, tk.Number)
	}
}
