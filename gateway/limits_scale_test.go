package gateway

import (
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/benchscale"
)

// The per-client limiter as the sale grows: its cost per request, and the
// longest it holds a shard's lock, with 1k to 1M client addresses present.
// A million clients fill in about a second, so every size runs in CI.

// scaleClient is the i-th client of a scale benchmark: distinct IPv4
// addresses, up to 16M of them.
func scaleClient(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

// scaleClients returns the addresses of clients from..to-1.
func scaleClients(from, to int) []netip.Addr {
	out := make([]netip.Addr, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, scaleClient(i))
	}
	return out
}

// fillClients makes one request from each address at now.
func fillClients(b *testing.B, c *clientLimiter, addrs []netip.Addr, now time.Time) {
	b.Helper()
	for _, a := range addrs {
		if ok, _ := c.allow(a, now); !ok {
			b.Fatalf("set-up: %v limited", a)
		}
	}
}

// heapBytes is the live heap after a collection.
func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// unboundedClients is a bound no scale benchmark reaches, so that what is
// measured is the limiter holding n clients, not its early sweep.
const unboundedClients = 1 << 30

// BenchmarkClientLimiterKnown is a request from a client the limiter
// already holds, with n clients present. The requests come from a thousand
// of them spread over the n (senders=1k: the limiter's own work, the same
// at every n if it is flat), or from all n in turn (senders=all: at the big
// sizes most lookups then miss the CPU's caches and TLB, as a real crowd's
// would; that part is the memory's latency, not the limiter's). It
// reports the heap each client costs, measured over the fill.
func BenchmarkClientLimiterKnown(b *testing.B) {
	for _, n := range benchscale.Sizes(1_000_000) {
		b.Run("clients="+benchscale.Label(n), func(b *testing.B) {
			// A burst no request here exhausts, so every one is allowed.
			now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			addrs := scaleClients(0, n)
			before := heapBytes()
			c := newClientLimiter(20, 1<<30, unboundedClients)
			fillClients(b, c, addrs, now)
			perClient := float64(heapBytes()-before) / float64(n)
			if got := c.size(); got != n {
				b.Fatalf("set-up: %d clients held, want %d", got, n)
			}
			hot := make([]netip.Addr, 0, 1000)
			for i := range 1000 {
				hot = append(hot, addrs[i*n/1000])
			}
			for _, senders := range []struct {
				name  string
				addrs []netip.Addr
			}{{"1k", hot}, {"all", addrs}} {
				b.Run("senders="+senders.name, func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						if ok, _ := c.allow(senders.addrs[i], now); !ok {
							b.Fatal("limited")
						}
						if i++; i == len(senders.addrs) {
							i = 0
						}
					}
					b.ReportMetric(perClient, "B/client")
				})
			}
			runtime.KeepAlive(c)
		})
	}
}

// BenchmarkClientLimiterNew is a request from a client the limiter does
// not hold yet, with n others present. Newcomers come in rounds of a
// thousand that are forgotten again between rounds (off the clock), so n
// stays n.
func BenchmarkClientLimiterNew(b *testing.B) {
	const round = 1000
	for _, n := range benchscale.Sizes(1_000_000) {
		b.Run("clients="+benchscale.Label(n), func(b *testing.B) {
			now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			c := newClientLimiter(20, 40, unboundedClients)
			fillClients(b, c, scaleClients(0, n), now)
			fresh := scaleClients(n, n+round)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if ok, _ := c.allow(fresh[i], now); !ok {
					b.Fatal("limited")
				}
				if i++; i == round {
					b.StopTimer()
					for _, a := range fresh {
						c.forget(a)
					}
					i = 0
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkClientLimiterFull is a flood of new addresses at a limiter
// bounded at n clients (the gateway bounds it at 1M), all at one instant so
// that no bucket is idle: now and then a newcomer finds its shard full, and
// the limiter makes room before taking it in. Besides the mean it reports
// what such a newcomer's request took (room-ns, the median over every time
// a shard made room in the run): what one unlucky client waits, and every
// other client of that shard with it. Each request is timed on its own and
// its shard's size read before and after, which adds to the mean.
func BenchmarkClientLimiterFull(b *testing.B) {
	for _, n := range benchscale.Sizes(1_000_000) {
		b.Run("clients="+benchscale.Label(n), func(b *testing.B) {
			now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			c := newClientLimiter(20, 40, n)
			fillClients(b, c, scaleClients(0, n), now)
			var rooms []time.Duration
			b.ReportAllocs()
			i := n
			for b.Loop() {
				a := scaleClient(i % (1 << 24))
				before := c.shardLen(a)
				t := time.Now()
				c.allow(a, now)
				d := time.Since(t)
				if c.shardLen(a) <= before {
					rooms = append(rooms, d)
				}
				i++
			}
			if len(rooms) > 0 {
				b.ReportMetric(float64(median(rooms).Nanoseconds()), "room-ns")
			}
		})
	}
}

// median is the middle of ds, which it sorts.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkClientLimiterSweepAll is the gateway's periodic sweep (every
// 30 s) with n clients present and none of them idle: the most it can find
// to look at and the least to drop. It reports the longest it held one
// shard's lock (max-hold-ns, the median over the run's sweeps of each
// sweep's longest hold): what a request for that shard waited; and that
// of the first sweep alone (first-hold-ns, one measurement), the one that
// finds every shard due for whatever the sweep does periodically.
func BenchmarkClientLimiterSweepAll(b *testing.B) {
	for _, n := range benchscale.Sizes(1_000_000) {
		b.Run("clients="+benchscale.Label(n), func(b *testing.B) {
			now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			c := newClientLimiter(20, 40, unboundedClients)
			fillClients(b, c, scaleClients(0, n), now)
			first := c.sweepTimed(now)
			var longest []time.Duration
			for b.Loop() {
				longest = append(longest, c.sweepTimed(now))
			}
			if got := c.size(); got != n {
				b.Fatalf("%d clients after sweeping, want all %d (none was idle)", got, n)
			}
			b.ReportMetric(float64(median(longest).Nanoseconds()), "max-hold-ns")
			b.ReportMetric(float64(first.Nanoseconds()), "first-hold-ns")
		})
	}
}
