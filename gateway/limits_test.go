package gateway

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// size is the number of buckets the limiter holds.
func (c *clientLimiter) size() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.cur) + len(sh.old)
		sh.mu.Unlock()
	}
	return n
}

func TestClientLimiterBurstAndRefill(t *testing.T) {
	c := newClientLimiter(1, 2, 1000)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	a := netip.MustParseAddr("203.0.113.9")
	for i, want := range []bool{true, true, false} {
		ok, wait := c.allow(a, now)
		if ok != want {
			t.Fatalf("request %d: got %v, want %v", i+1, ok, want)
		}
		if !ok && wait < time.Second {
			t.Errorf("wait %s, want at least 1s at 1 rps", wait)
		}
	}
	if ok, _ := c.allow(netip.MustParseAddr("203.0.113.10"), now); !ok {
		t.Error("another client was limited")
	}
	if ok, _ := c.allow(a, now.Add(time.Second)); !ok {
		t.Error("not refilled after a second")
	}
}

// TestClientLimiterIPv6ByNetwork: addresses of one /64 share one bucket,
// since a client can take a fresh one from its /64 for every request.
func TestClientLimiterIPv6ByNetwork(t *testing.T) {
	c := newClientLimiter(1, 1, 1000)
	now := time.Now()
	if ok, _ := c.allow(netip.MustParseAddr("2001:db8:1:2::1"), now); !ok {
		t.Fatal("first request limited")
	}
	if ok, _ := c.allow(netip.MustParseAddr("2001:db8:1:2:ffff::9"), now); ok {
		t.Error("a second address of the same /64 got a fresh bucket")
	}
	if ok, _ := c.allow(netip.MustParseAddr("2001:db8:1:3::1"), now); !ok {
		t.Error("another /64 was limited")
	}
}

// TestClientLimiterStaysBounded: a flood of distinct addresses never grows
// the limiter past its bound, while idle buckets are swept and busy ones
// kept where there is room.
func TestClientLimiterStaysBounded(t *testing.T) {
	const bound = 64 * 16
	c := newClientLimiter(10, 20, bound)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := range 100_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		c.allow(a, now)
		if i%1000 == 0 {
			if n := c.size(); n > bound {
				t.Fatalf("after %d addresses: %d buckets, bound %d", i+1, n, bound)
			}
		}
		if i%10_000 == 0 {
			now = now.Add(time.Second)
		}
	}
	for i := range 100_000 {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		c.allow(a, now)
	}
	if n := c.size(); n > bound {
		t.Fatalf("after the IPv6 flood: %d buckets, bound %d", n, bound)
	}
	// Much later, everything is idle: the periodic sweep empties it.
	c.sweepAll(now.Add(time.Hour))
	if n := c.size(); n != 0 {
		t.Errorf("%d buckets left after sweeping idle ones", n)
	}
}

// TestClientLimiterForgetsNothingThatMatters drives the limiter and a
// reference that never forgets (one rate.Limiter per client) with the same
// requests and sweeps: forgetting idle buckets, and the hand-written
// bucket in place of rate.Limiter, must not change a single answer.
func TestClientLimiterForgetsNothingThatMatters(t *testing.T) {
	for seed := range uint64(50) {
		checkAgainstRate(t, rand.New(rand.NewPCG(seed, 9)), 2000)
	}
}

// FuzzClientLimiter is TestClientLimiterForgetsNothingThatMatters with
// the fuzzer choosing the sequence.
func FuzzClientLimiter(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(7), uint64(0))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkAgainstRate(t, rand.New(rand.NewPCG(a, b)), 500)
	})
}

// checkAgainstRate runs ops random requests and sweeps through a limiter
// and through rate.Limiters that keep every client forever. The clock
// never goes back, as the gateway's does not; a bound no client count
// reaches leaves forgetting to the sweeps.
func checkAgainstRate(t *testing.T, rnd *rand.Rand, ops int) {
	t.Helper()
	rps := []float64{0.5, 1, 3, 20, 1000}[rnd.IntN(5)]
	burst := 1 + rnd.IntN(50)
	c := newClientLimiter(rps, burst, 1<<20)
	ref := map[netip.Addr]*rate.Limiter{}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := range ops {
		// Steps from a nanosecond to a minute, most of them short.
		now = now.Add(time.Duration(rnd.Int64N(int64(time.Millisecond) << rnd.IntN(17))))
		if rnd.IntN(20) == 0 {
			c.sweepAll(now)
			continue
		}
		a := netip.AddrFrom4([4]byte{192, 0, 2, byte(rnd.IntN(8))})
		lim := ref[a]
		if lim == nil {
			lim = rate.NewLimiter(rate.Limit(rps), burst)
			ref[a] = lim
		}
		want := lim.AllowN(now, 1)
		got, wait := c.allow(a, now)
		if got != want {
			t.Fatalf("rps %v burst %d, op %d, %v at %v: got %v, want %v", rps, burst, i, a, now, got, want)
		}
		if !got && wait != time.Duration(float64(time.Second)/rps) {
			t.Fatalf("wait %v at %v rps", wait, rps)
		}
	}
}

// TestClientLimiterSubNanosecondShortfall: rate.Limiter lets a request
// through when the wait for its missing fraction of a token rounds down to
// zero nanoseconds; a third of a second at 3 rps is such a fraction short.
func TestClientLimiterSubNanosecondShortfall(t *testing.T) {
	c := newClientLimiter(3, 1, 1000)
	ref := rate.NewLimiter(3, 1)
	a := netip.MustParseAddr("203.0.113.9")
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, step := range []time.Duration{0, time.Second / 3, time.Second / 3, time.Second/3 - time.Nanosecond} {
		now = now.Add(step)
		want := ref.AllowN(now, 1)
		if got, _ := c.allow(a, now); got != want {
			t.Errorf("request %d, %v after the last: got %v, want %v as rate.Limiter", i+1, step, got, want)
		}
	}
}

// TestClientLimiterMakesRoomInConstantTime: a newcomer to a full shard
// drops the older generation whole rather than looking at each bucket, and
// busy clients of the newer one keep their buckets while there is room.
func TestClientLimiterMakesRoomInConstantTime(t *testing.T) {
	c := newClientLimiter(1, 1, 64*16)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	// Addresses of one shard.
	var addrs []netip.Addr
	for i := 0; len(addrs) < 40; i++ {
		a := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		if shardOf(a) == 0 {
			addrs = append(addrs, a)
		}
	}
	for _, a := range addrs[:10] {
		c.allow(a, now)
	}
	c.sweepAll(now.Add(time.Second)) // the ten move to the older generation
	busy := addrs[10:14]
	for _, a := range busy {
		c.allow(a, now.Add(time.Second))
	}
	for _, a := range addrs[14:16] {
		c.allow(a, now.Add(time.Second))
	}
	if n := c.shardLen(addrs[0]); n != 16 {
		t.Fatalf("shard holds %d, want 16 (full)", n)
	}
	c.allow(addrs[16], now.Add(time.Second))
	if n := c.shardLen(addrs[0]); n != 7 {
		t.Errorf("after making room: shard holds %d, want 7 (the newer generation and the newcomer)", n)
	}
	for _, a := range busy {
		if ok, _ := c.allow(a, now.Add(time.Second)); ok {
			t.Errorf("%v got a fresh burst: its bucket was forgotten although there was room", a)
		}
	}
}

// TestShardsSpread: neither consecutive IPv4 addresses nor /64 keys pile
// into a few shards.
func TestShardsSpread(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr func(i int) netip.Addr
	}{
		{"IPv4", func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)}) }},
		{"IPv6 /64", func(i int) netip.Addr {
			return clientKey(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 6: byte(i >> 8), 7: byte(i), 15: 1}))
		}},
	} {
		var counts [64]int
		for i := range 6400 {
			counts[shardOf(tc.addr(i))]++
		}
		for s, n := range counts {
			if n < 50 || n > 150 {
				t.Errorf("%s: shard %d has %d of 6400 addresses", tc.name, s, n)
			}
		}
	}
}

// forget drops a's bucket, as if it had never come.
func (c *clientLimiter) forget(a netip.Addr) {
	a = clientKey(a)
	sh := &c.shards[shardOf(a)]
	sh.mu.Lock()
	delete(sh.cur, a.As16())
	delete(sh.old, a.As16())
	sh.mu.Unlock()
}

// sweepTimed is sweepAll, returning the longest it held a shard's lock:
// sweepShard, with the time taken under the lock measured.
func (c *clientLimiter) sweepTimed(now time.Time) time.Duration {
	var longest time.Duration
	for i := range c.shards {
		fresh := make(map[clientKey16]clientBucket)
		sh := &c.shards[i]
		sh.mu.Lock()
		t := time.Now()
		sh.rotate(now.Sub(c.base), c.idle, fresh)
		longest = max(longest, time.Since(t))
		sh.mu.Unlock()
	}
	return longest
}

// shardLen is the number of buckets in a's shard.
func (c *clientLimiter) shardLen(a netip.Addr) int {
	a = clientKey(a)
	sh := &c.shards[shardOf(a)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.cur) + len(sh.old)
}
