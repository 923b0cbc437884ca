package redisstore

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue/storetest"
)

// BenchmarkRedisHoldParallel is the same from many goroutines at once, as
// a busy gateway sends them: what one Redis serves, rather than one
// round trip's latency.
func BenchmarkRedisHoldParallel(b *testing.B) {
	s := newRedisStore(b, startRedis(b), "bench", false)
	ctx := context.Background()
	if _, err := s.InitStock(ctx, storetest.Room, 1<<40, storetest.Start); err != nil {
		b.Fatal(err)
	}
	exp := storetest.Start.Add(10 * time.Minute)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := strconv.FormatInt(next.Add(1), 10)
			if _, err := s.Hold(ctx, storetest.Room, "s"+id, "h"+id, 1, exp, storetest.Start); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "holds/s")
}
