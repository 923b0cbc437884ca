package gateway

import (
	"net/netip"
	"testing"
	"time"
)

// size is the number of buckets the limiter holds.
func (c *clientLimiter) size() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
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
