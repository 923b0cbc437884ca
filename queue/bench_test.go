package queue_test

import (
	"context"
	"testing"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// BenchmarkStatusWaiting is the status answer of a ticket in line: what
// every waiting page's poll costs the gateway.
func BenchmarkStatusWaiting(b *testing.B) {
	g := newRig(b, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 1 }), queue.Schedule{})
	ctx := context.Background()
	g.tick()
	g.room.Arrive(ctx) // fills the room
	for range 10000 {
		g.room.Arrive(ctx)
	}
	g.tick()
	tk := queue.Ticket{Number: 5000, IssuedAt: storetest.Start}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		st, err := g.room.Status(ctx, tk)
		if err != nil || st.State != queue.StateWaiting {
			b.Fatalf("Status: %+v, %v", st, err)
		}
		if i%4096 == 0 { // what a tick would have sent on
			g.room.DropPolls()
		}
	}
}

// BenchmarkArrive is the ticket issue path: an arrival at a full room.
func BenchmarkArrive(b *testing.B) {
	g := newRig(b, storetest.With(queue.Shop, func(p *queue.Policy) { p.MaxActive = 1 }), queue.Schedule{})
	ctx := context.Background()
	g.tick()
	g.room.Arrive(ctx)
	g.tick()
	b.ReportAllocs()
	for b.Loop() {
		a, err := g.room.Arrive(ctx)
		if err != nil || a.Number == 0 {
			b.Fatalf("Arrive: %+v, %v", a, err)
		}
	}
}
