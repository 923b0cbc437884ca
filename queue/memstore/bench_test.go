package memstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// BenchmarkAdvance is one tick's store work with 100k tickets waiting for a
// full room: expiry, the bucket, and the once-a-second waiting count.
func BenchmarkAdvance(b *testing.B) {
	p := queue.Policy{MaxActive: 500, PerMinute: 1200, Burst: 200, SessionTTL: 10000 * time.Hour,
		ClaimWindow: time.Minute, AbandonAfter: 10000 * time.Hour}
	s := New()
	ctx := context.Background()
	s.Open(ctx, storetest.Room, false, 0, storetest.Start)
	sids := make([]string, p.MaxActive)
	for i := range sids {
		sids[i] = queue.NewSessionID()
	}
	s.Refresh(ctx, storetest.Room, sids, storetest.Start)
	for range 100000 {
		s.Join(ctx, storetest.Room, storetest.Start)
	}
	now := storetest.Start
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		c, err := s.Advance(ctx, storetest.Room, p, now)
		if err != nil || c.Waiting != 100000 {
			b.Fatalf("Advance: %+v, %v", c, err)
		}
	}
}
