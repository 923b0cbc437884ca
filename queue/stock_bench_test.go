package queue_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// The purchase path's store work: each op is a new session taking a hold
// on a stock too large to run out.

func BenchmarkMemoryHold(b *testing.B) { benchHold(b, memstore.New()) }

func benchHold(b *testing.B, s queue.Store) {
	ctx := context.Background()
	if _, err := s.InitStock(ctx, storetest.Room, 1<<40, storetest.Start); err != nil {
		b.Fatal(err)
	}
	exp := storetest.Start.Add(10 * time.Minute)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := strconv.Itoa(i)
		if _, err := s.Hold(ctx, storetest.Room, "s"+id, "h"+id, 1, exp, storetest.Start); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "holds/s")
}
