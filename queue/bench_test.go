package queue

import (
	"context"
	"testing"
	"time"
)

// BenchmarkStatusWaiting is the status answer of a ticket in line: what
// every waiting page's poll costs the gateway.
func BenchmarkStatusWaiting(b *testing.B) {
	g := newRig(b, with(shop, func(p *Policy) { p.MaxActive = 1 }), Schedule{})
	ctx := context.Background()
	g.tick()
	g.room.Arrive(ctx) // fills the room
	for range 10000 {
		g.room.Arrive(ctx)
	}
	g.tick()
	tk := Ticket{Number: 5000, IssuedAt: start}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		st, err := g.room.Status(ctx, tk)
		if err != nil || st.State != StateWaiting {
			b.Fatalf("Status: %+v, %v", st, err)
		}
		if i%4096 == 0 { // what a tick would have sent on
			g.room.mu.Lock()
			g.room.seen = g.room.seen[:0]
			g.room.mu.Unlock()
		}
	}
}

// BenchmarkArrive is the ticket issue path: an arrival at a full room.
func BenchmarkArrive(b *testing.B) {
	g := newRig(b, with(shop, func(p *Policy) { p.MaxActive = 1 }), Schedule{})
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

// BenchmarkAdvance is one tick's store work with 100k tickets waiting for a
// full room: expiry, the bucket, and the once-a-second waiting count.
func BenchmarkAdvance(b *testing.B) {
	p := Policy{MaxActive: 500, PerMinute: 1200, Burst: 200, SessionTTL: 10000 * time.Hour,
		ClaimWindow: time.Minute, AbandonAfter: 10000 * time.Hour}
	s := NewMemoryStore()
	ctx := context.Background()
	s.Open(ctx, rm, false, 0, start)
	sids := make([]string, p.MaxActive)
	for i := range sids {
		sids[i] = NewSessionID()
	}
	s.Refresh(ctx, rm, sids, start)
	for range 100000 {
		s.Join(ctx, rm, start)
	}
	now := start
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		c, err := s.Advance(ctx, rm, p, now)
		if err != nil || c.Waiting != 100000 {
			b.Fatalf("Advance: %+v, %v", c, err)
		}
	}
}
