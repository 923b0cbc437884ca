package gateway

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimiter is the per-client-IP token bucket. Limiters live in shards
// so that concurrent requests rarely wait on one lock, and idle ones are
// swept so a flood of addresses cannot grow it without bound.
type clientLimiter struct {
	limit rate.Limit
	burst int
	max   int // limiters per shard before the idle ones are swept early
	idle  time.Duration

	shards [64]clientShard
}

type clientShard struct {
	mu sync.Mutex
	m  map[netip.Addr]*clientBucket
}

type clientBucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newClientLimiter(rps float64, burst, maxClients int) *clientLimiter {
	c := &clientLimiter{
		limit: rate.Limit(rps),
		burst: burst,
		max:   max(maxClients/64, 16),
		// A bucket untouched for this long is full again: forgetting it
		// changes nothing.
		idle: time.Duration(float64(burst)/rps*float64(time.Second)) + time.Second,
	}
	for i := range c.shards {
		c.shards[i].m = make(map[netip.Addr]*clientBucket)
	}
	return c
}

// allow takes one token for addr; when none is left it returns false and
// how long until one will be.
func (c *clientLimiter) allow(addr netip.Addr, now time.Time) (bool, time.Duration) {
	addr = clientKey(addr)
	sh := &c.shards[shardOf(addr)]
	sh.mu.Lock()
	b := sh.m[addr]
	if b == nil {
		if len(sh.m) >= c.max {
			sh.sweep(now, c.idle)
			// Still mostly busy clients: forget them all (at worst a fresh
			// burst each) rather than sweep again for every newcomer.
			if len(sh.m) > c.max*3/4 {
				clear(sh.m)
			}
		}
		b = &clientBucket{lim: rate.NewLimiter(c.limit, c.burst)}
		sh.m[addr] = b
	}
	b.used = now
	ok := b.lim.AllowN(now, 1)
	var wait time.Duration
	if !ok {
		wait = time.Duration(float64(time.Second) / float64(c.limit))
	}
	sh.mu.Unlock()
	return ok, wait
}

// sweep drops the buckets idle for longer than idle.
func (sh *clientShard) sweep(now time.Time, idle time.Duration) {
	for a, b := range sh.m {
		if now.Sub(b.used) > idle {
			delete(sh.m, a)
		}
	}
}

// sweepAll drops every idle bucket; the gateway calls it now and then.
func (c *clientLimiter) sweepAll(now time.Time) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.sweep(now, c.idle)
		sh.mu.Unlock()
	}
}

// clientKey is the bucket an address draws from. An IPv6 client is given a
// whole /64 by its network and can pick a new address from it for every
// request, so the /64 is the client.
func clientKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.Addr()
	}
	return a
}

// shardOf spreads addresses over the shards by every bit of the address
// (Fibonacci hashing), so neither IPv4 neighbours nor /64 keys, whose low
// half is zero, crowd one shard.
func shardOf(a netip.Addr) int {
	b := a.As16()
	x := binary.LittleEndian.Uint64(b[:8]) ^ binary.LittleEndian.Uint64(b[8:])
	return int((x * 0x9E3779B97F4A7C15) >> 58)
}
