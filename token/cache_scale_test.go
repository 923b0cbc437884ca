package token

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/benchscale"
)

// The token caches as the sale grows: lookups, misses, eviction and Live
// with 1k entries up to the gateway's bounds. The caches are bounded, so
// the last size is the bound rather than 1M; filling one takes about a
// second (each token is verified once, as a real first request's is), so
// every size runs in CI.

// The gateway's bounds (gateway/gateway.go: sessionCacheSize,
// ticketCacheSize).
const (
	gatewaySessions = 100_000
	gatewayTickets  = 200_000
)

// heapBytes is the live heap after a collection.
func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// median is the middle of ds, which it sorts.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// scaleSession is the i-th session of a scale benchmark, as the gateway
// makes them: a 32-hex-digit id.
func scaleSession(i int) Session {
	return Session{Room: "shop", ID: fmt.Sprintf("%032x", i), IssuedAt: t0, Expires: t0.Add(5 * time.Minute)}
}

func scaleTicket(i int) Ticket {
	return Ticket{Room: "shop", Number: uint64(i + 1), Device: fmt.Sprintf("%016x", i), IssuedAt: t0, Expires: t0.Add(24 * time.Hour)}
}

// cacheUnderTest is what the scale benchmarks do with either cache.
type cacheUnderTest struct {
	parse  func(tok []byte) error
	forget func(tok []byte)
	len    func() int
	cached func(tok []byte) bool
	sign   func(i int) []byte
}

func sessionCacheUnderTest(tb testing.TB, r *Ring, c *SessionCache) cacheUnderTest {
	return cacheUnderTest{
		parse:  func(tok []byte) error { _, err := c.Parse(tok, t0); return err },
		forget: c.Forget,
		len:    c.Len,
		cached: func(tok []byte) bool { _, ok, _ := c.c.get(tok, t0); return ok },
		sign:   func(i int) []byte { return []byte(mustSign(tb, r.SignSession, scaleSession(i))) },
	}
}

func ticketCacheUnderTest(tb testing.TB, r *Ring, c *TicketCache) cacheUnderTest {
	return cacheUnderTest{
		parse:  func(tok []byte) error { _, err := c.Parse(tok, t0); return err },
		forget: c.Forget,
		len:    c.Len,
		cached: func(tok []byte) bool { _, ok, _ := c.c.get(tok, t0); return ok },
		sign:   func(i int) []byte { return []byte(mustSign(tb, r.SignTicket, scaleTicket(i))) },
	}
}

// cacheSizes are 1k, 10k, 100k and the bound.
func cacheSizes(bound int) []int {
	sizes := benchscale.Sizes(bound)
	if !slices.Contains(sizes, bound) {
		sizes = append(sizes, bound)
	}
	return sizes
}

// BenchmarkSessionCacheScale: see benchCacheScale; op=live is Live over
// the whole cache listing one room's sessions, as the gateway does to
// re-announce them to a store that lost its data, reporting the longest it
// held one shard's lock (max-hold-ns, the median over the run).
func BenchmarkSessionCacheScale(b *testing.B) {
	r := mustRing(b, secret(1))
	for _, n := range cacheSizes(gatewaySessions) {
		b.Run("entries="+benchscale.Label(n), func(b *testing.B) {
			c := NewSessionCache(r, gatewaySessions)
			benchCacheScale(b, sessionCacheUnderTest(b, r, c), n)
			b.Run("op=live", func(b *testing.B) {
				var longest []time.Duration
				for b.Loop() {
					// What the gateway does with each (liveSessions).
					var sids []string
					longest = append(longest, c.c.eachTimed(t0, func(s Session) {
						if s.Room == "shop" {
							sids = append(sids, s.ID)
						}
					}))
					if len(sids) != c.Len() {
						b.Fatalf("Live saw %d of %d", len(sids), c.Len())
					}
				}
				b.ReportMetric(float64(median(longest).Nanoseconds()), "max-hold-ns")
			})
		})
	}
}

// BenchmarkTicketCacheScale: see benchCacheScale.
func BenchmarkTicketCacheScale(b *testing.B) {
	r := mustRing(b, secret(1))
	for _, n := range cacheSizes(gatewayTickets) {
		b.Run("entries="+benchscale.Label(n), func(b *testing.B) {
			benchCacheScale(b, ticketCacheUnderTest(b, r, NewTicketCache(r, gatewayTickets)), n)
		})
	}
}

// benchCacheScale fills a cache with n verified tokens (reporting the heap
// each costs, token text included, and how many the cache kept) and times:
// op=hit-1k, a lookup of a cached token, a thousand of them spread over
// the n (the cache's own work); op=hit-all, the same cycling through all n
// still cached
// (at the big sizes mostly cache misses of the CPU's, as a real crowd's
// would be); op=miss, a valid token not cached: verified, cached, then
// forgotten again so that n stays n (Forget is inside the timing).
func benchCacheScale(b *testing.B, c cacheUnderTest, n int) {
	toks := make([][]byte, n)
	for i := range toks {
		toks[i] = c.sign(i)
	}
	before := heapBytes()
	for _, tok := range toks {
		if err := c.parse(tok); err != nil {
			b.Fatal(err)
		}
	}
	kept := c.len()
	perEntry := float64(heapBytes()-before) / float64(kept)
	// The tokens the cache still holds: at the bound it dropped some.
	held := slices.DeleteFunc(slices.Clone(toks), func(tok []byte) bool { return !c.cached(tok) })
	hot := make([][]byte, 0, 1000)
	for i := range min(1000, len(held)) {
		hot = append(hot, held[i*len(held)/min(1000, len(held))])
	}
	for _, hits := range []struct {
		name string
		toks [][]byte
	}{{"hit-1k", hot}, {"hit-all", held}} {
		b.Run("op="+hits.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := c.parse(hits.toks[i]); err != nil {
					b.Fatal(err)
				}
				if i++; i == len(hits.toks) {
					i = 0
				}
			}
			b.ReportMetric(perEntry, "B/entry")
			b.ReportMetric(float64(kept), "entries")
		})
	}
	b.Run("op=miss", func(b *testing.B) {
		fresh := make([][]byte, 1000)
		for i := range fresh {
			fresh[i] = c.sign(n + i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := c.parse(fresh[i]); err != nil {
				b.Fatal(err)
			}
			c.forget(fresh[i])
			if i++; i == len(fresh) {
				i = 0
			}
		}
	})
}

// BenchmarkCacheEvict is an insert into a full cache of the gateway's
// ticket bound, 200k (the cache's own work: tokens are made-up bytes of a
// real ticket's length, not verified). It reports what an insert that had
// to make room took (evict-ns, the median over the run): what one unlucky
// shopper's first request waits on top of verifying its token, and every
// miss of that shard with it. Each insert is timed on its own, which adds
// to the mean.
func BenchmarkCacheEvict(b *testing.B) {
	var c verifiedCache[Ticket]
	c.init(gatewayTickets)
	tok := make([]byte, 307)
	for i := range tok {
		tok[i] = 'A' + byte(i%26)
	}
	key := func(i int) []byte { return strconv.AppendInt(tok[:290], int64(i), 10) }
	v := scaleTicket(0)
	for i := range gatewayTickets {
		c.put(key(i), v, v.Expires, t0)
	}
	var evicts []time.Duration
	i := gatewayTickets
	b.ReportAllocs()
	for b.Loop() {
		k := key(i)
		s := c.shard(k)
		s.mu.RLock()
		full := len(s.m) >= c.perShard
		s.mu.RUnlock()
		t := time.Now()
		c.put(k, v, v.Expires, t0)
		if d := time.Since(t); full {
			evicts = append(evicts, d)
		}
		i++
	}
	if len(evicts) > 0 {
		b.ReportMetric(float64(median(evicts).Nanoseconds()), "evict-ns")
	}
}
