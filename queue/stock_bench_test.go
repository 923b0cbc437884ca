package queue

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// The purchase path's store work: each op is a new session taking a hold
// on a stock too large to run out.

func BenchmarkMemoryHold(b *testing.B) { benchHold(b, NewMemoryStore()) }

func benchHold(b *testing.B, s Store) {
	ctx := context.Background()
	if _, err := s.InitStock(ctx, rm, 1<<40, start); err != nil {
		b.Fatal(err)
	}
	exp := start.Add(10 * time.Minute)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := strconv.Itoa(i)
		if _, err := s.Hold(ctx, rm, "s"+id, "h"+id, 1, exp, start); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "holds/s")
}
