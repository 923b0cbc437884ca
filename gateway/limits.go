package gateway

import (
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
	sh := &c.shards[shardOf(addr)]
	sh.mu.Lock()
	b := sh.m[addr]
	if b == nil {
		if len(sh.m) >= c.max {
			sh.sweep(now, c.idle, c.max)
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

// sweep drops idle buckets; if the shard is still full it drops them all,
// which at worst gives those clients a fresh burst, rather than growing
// without bound under a flood of addresses.
func (sh *clientShard) sweep(now time.Time, idle time.Duration, limit int) {
	for a, b := range sh.m {
		if now.Sub(b.used) > idle {
			delete(sh.m, a)
		}
	}
	if len(sh.m) >= limit {
		clear(sh.m)
	}
}

// sweepAll drops every idle bucket; the gateway calls it now and then.
func (c *clientLimiter) sweepAll(now time.Time) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.sweep(now, c.idle, c.max+1)
		sh.mu.Unlock()
	}
}

func shardOf(a netip.Addr) int {
	b := a.As16()
	return int(b[15]^b[14]^b[13]^b[11]) & 63
}
