package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// The store's side of the hot moments, on a real Redis over loopback: each
// number is one round trip plus the script's work.

// BenchmarkRedisJoin is a ticket handed out to a lone arrival: what an
// arrival at a full room costs the store when nobody else arrives, the
// join window (redis_join.go) included.
func BenchmarkRedisJoin(b *testing.B) {
	s := newRedisStore(b, startRedis(b), "bench", false)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Join(ctx, storetest.Room, storetest.Start); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisJoinParallel is a crowd arriving at once (64 goroutines
// per CPU): the arrivals share join scripts, and ns/op is the store's
// time per arrival.
func BenchmarkRedisJoinParallel(b *testing.B) {
	benchJoinCrowd(b, newRedisStore(b, startRedis(b), "bench", false))
}

// BenchmarkRedisJoinParallelBounded is the same crowd through
// queue.Bounded, as the gateway calls the store: each arrival's deadline
// goes to JoinBy, with no timer of its own.
func BenchmarkRedisJoinParallelBounded(b *testing.B) {
	benchJoinCrowd(b, queue.Bounded(newRedisStore(b, startRedis(b), "bench", false), 2*time.Second))
}

func benchJoinCrowd(b *testing.B, s queue.Store) {
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Join(ctx, storetest.Room, storetest.Start); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRedisClaim is a called ticket turned into a session.
func BenchmarkRedisClaim(b *testing.B) {
	s := newRedisStore(b, startRedis(b), "bench", false)
	ctx := context.Background()
	n := uint64(b.N)
	// One poll of the last number issues them all, as polling; one Advance
	// calls them all.
	if err := s.Seen(ctx, storetest.Room, []uint64{n}, storetest.Start); err != nil {
		b.Fatal(err)
	}
	storetest.MustOpen(b, s, storetest.Start)
	p := queue.Policy{MaxActive: b.N + 1, PerMinute: 1, Burst: b.N + 1, SessionTTL: time.Hour, ClaimWindow: time.Hour, AbandonAfter: time.Hour}
	if c := storetest.MustAdvance(b, s, p, storetest.Start); c.Called != b.N {
		b.Fatalf("set-up: %d called, want %d", c.Called, b.N)
	}
	sids := make([]string, b.N)
	for i := range sids {
		sids[i] = queue.NewSessionID()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Claim(ctx, storetest.Room, uint64(i+1), sids[i], storetest.Start); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisAdvance is one tick's store work with 100k tickets waiting
// for a full room of 500, as BenchmarkAdvance is for memory: expiry, the
// bucket, and the waiting count (from the tally of ticks, whatever the
// line's length) at most once a second.
func BenchmarkRedisAdvance(b *testing.B) {
	for _, bc := range []struct {
		name string
		step time.Duration
	}{
		{"tick_1s_counting_every_tick", time.Second},
		{"tick_100ms", 100 * time.Millisecond},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := queue.Policy{MaxActive: 500, PerMinute: 1200, Burst: 200, SessionTTL: 10000 * time.Hour,
				ClaimWindow: time.Minute, AbandonAfter: 10000 * time.Hour}
			s := newRedisStore(b, startRedis(b), "bench", false)
			ctx := context.Background()
			storetest.MustOpen(b, s, storetest.Start)
			sids := make([]string, p.MaxActive)
			for i := range sids {
				sids[i] = queue.NewSessionID()
			}
			if err := s.Refresh(ctx, storetest.Room, sids, storetest.Start); err != nil {
				b.Fatal(err)
			}
			if err := s.Seen(ctx, storetest.Room, []uint64{100000}, storetest.Start); err != nil {
				b.Fatal(err)
			}
			now := storetest.Start
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(bc.step)
				c, err := s.Advance(ctx, storetest.Room, p, now)
				if err != nil || c.Waiting != 100000 {
					b.Fatalf("Advance: %+v, %v", c, err)
				}
			}
		})
	}
}
