package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

func TestOverviewCountsAndStates(t *testing.T) {
	ctx := context.Background()
	clock := queue.NewClock()
	p := queue.Policy{MaxActive: 1, PerMinute: 60, Burst: 5, SessionTTL: time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute}
	r := queue.NewRoom("drop", memstore.New(), queue.Options{Policy: p, Now: clock.Now, Log: queue.Quiet,
		Schedule: queue.Schedule{ClosesAt: storetest.Start.Add(time.Hour)}})
	r.Tick(ctx)
	a, err := r.Arrive(ctx) // admitted at once: the room is empty
	if err != nil || a.State != queue.StateAdmitted {
		t.Fatalf("first arrival: %+v, %v; want admitted", a, err)
	}
	b, _ := r.Arrive(ctx) // the room is full: a ticket
	c, _ := r.Arrive(ctx)
	if b.Number == 0 || c.Number == 0 {
		t.Fatalf("arrivals into a full room: %+v %+v; want tickets", b, c)
	}
	r.Tick(ctx)
	o := r.Overview()
	if o.State != queue.RoomOpen || o.Counters.Active != 1 || o.Counters.Waiting != 2 {
		t.Errorf("overview: state %s, active %d, waiting %d; want open, 1, 2", o.State, o.Counters.Active, o.Counters.Waiting)
	}
	// Two ahead of a newcomer, plus the newcomer, in a room of one slot
	// that is taken: three sessions must end first. None has ended yet,
	// so each is taken to live session_duration + grace + 30 s (eta.go).
	if want := int(3 * (time.Minute + queue.SessionGrace + 30*time.Second).Seconds()); o.ETASeconds != want {
		t.Errorf("ETA: got %d s, want %d", o.ETASeconds, want)
	}
	// The session ends: b is called and claims.
	if err := r.End(ctx, a.SessionID); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	r.Tick(ctx)
	st, _ := r.Status(ctx, queue.Ticket{Number: b.Number, IssuedAt: storetest.Start})
	if st.State != queue.StateAdmitted {
		t.Fatalf("b after a's end: %s, want admitted", st.State)
	}
	// A retried claim (its answer was lost) is not a second admission.
	r.Status(ctx, queue.Ticket{Number: b.Number, IssuedAt: storetest.Start})
	want := queue.Events{Arrivals: 3, Immediate: 1, Claimed: 1}
	if got := r.Events(); got != want {
		t.Errorf("events: got %+v, want %+v", got, want)
	}
	r.Pause()
	if s := r.Overview().State; s != queue.RoomPaused {
		t.Errorf("paused room: state %s, want paused", s)
	}
	clock.Set(storetest.Start.Add(time.Hour))
	if s := r.Overview().State; s != queue.RoomClosed {
		t.Errorf("room past closes_at: state %s, want closed (paused or not)", s)
	}
}

func TestOverviewPrequeueAndSoldOut(t *testing.T) {
	ctx := context.Background()
	clock := queue.NewClock()
	p := queue.Policy{MaxActive: 10, PerMinute: 60, Burst: 5, SessionTTL: time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute}
	r := queue.NewRoom("drop", memstore.New(), queue.Options{Policy: p, Now: clock.Now, Log: queue.Quiet, Stock: 1,
		Schedule: queue.Schedule{OpensAt: storetest.Start.Add(time.Minute)}})
	r.Tick(ctx)
	if s := r.Overview().State; s != queue.RoomPrequeue {
		t.Errorf("before opens_at: state %s, want prequeue", s)
	}
	clock.Set(storetest.Start.Add(time.Minute))
	r.Tick(ctx)
	o := r.Overview()
	if o.State != queue.RoomOpen || !o.Stocked || o.Counters.Stock.Left() != 1 {
		t.Fatalf("open room with stock: %+v", o)
	}
	if _, err := r.Hold(ctx, "s1", time.Minute); err != nil {
		t.Fatal(err)
	}
	r.Tick(ctx)
	if s := r.Overview().State; s != queue.RoomSoldOut {
		t.Errorf("every unit held: state %s, want sold_out", s)
	}
}
