package gateway

import (
	"encoding/binary"
	"math"
	"net/netip"
	"sync"
	"time"
)

// clientLimiter is the per-client-IP token bucket. Buckets live in shards
// so that concurrent requests rarely wait on one lock.
//
// A bucket untouched for idle is full again, so forgetting it changes
// nothing; a flood of addresses must not grow the limiter without bound.
// Forgetting is done by generations rather than by looking at each bucket,
// so that nothing a request or the sweep does under a shard's lock grows
// with the number of clients: each shard keeps the buckets used since its
// last rotation (cur) and those used in the period before (old). A request
// finds its bucket in either and moves it to cur. sweepAll rotates a shard
// once idle has passed since its last rotation: old, untouched for at least
// that long, is dropped whole, and cur becomes old. Dropping a map is
// constant work; the collector takes its memory back off the request path.
type clientLimiter struct {
	limit float64 // tokens per second, above 0
	burst float64
	max   int // buckets per shard; a newcomer to a full shard makes room
	idle  time.Duration
	// base is the instant bucket times count from: differences of
	// now.Sub(base) are the monotonic durations rate.Limiter measures. It
	// lies a century back, so that every instant the limiter is given,
	// test clocks included, comes after it, and a zero time is "never".
	base time.Time

	shards [64]clientShard
}

// clientKey16 is a client's key as a map key: with no pointer in it, the
// collector never scans a shard's map, however many clients it holds.
type clientKey16 = [16]byte

type clientShard struct {
	mu       sync.Mutex
	cur, old map[clientKey16]clientBucket
	rotated  time.Duration // since base: when cur was started
	last     time.Duration // since base: the latest request
	// Keeps neighbouring shards' locks off one cache line.
	_ [24]byte
}

// clientBucket is a golang.org/x/time/rate.Limiter's state without its
// lock (the shard's covers it) or its reservations (allow never makes
// one): 16 bytes instead of a 32-byte pointer target and an 80-byte
// limiter. take is rate.Limiter.AllowN(t, 1), decision for decision.
type clientBucket struct {
	tokens float64
	last   time.Duration // since base: the latest request it allowed
}

func newClientLimiter(rps float64, burst, maxClients int) *clientLimiter {
	c := &clientLimiter{
		limit: rps,
		burst: float64(burst),
		max:   max(maxClients/64, 16),
		// A bucket untouched for this long is full again: forgetting it
		// changes nothing.
		idle: time.Duration(float64(burst)/rps*float64(time.Second)) + time.Second,
		base: time.Now().Add(-100 * 365 * 24 * time.Hour),
	}
	for i := range c.shards {
		c.shards[i].cur = make(map[clientKey16]clientBucket)
	}
	return c
}

// allow takes one token for addr; when none is left it returns false and
// how long until one will be.
func (c *clientLimiter) allow(addr netip.Addr, now time.Time) (bool, time.Duration) {
	addr = clientKey(addr)
	// An IPv4 address and its IPv4-mapped IPv6 form share a key: the same
	// client either way (clientIP unmaps them before this).
	key := addr.As16()
	t := now.Sub(c.base)
	sh := &c.shards[shardOf(addr)]
	sh.mu.Lock()
	b, found := sh.cur[key]
	if !found {
		if b, found = sh.old[key]; found {
			delete(sh.old, key)
		} else {
			if len(sh.cur)+len(sh.old) >= c.max {
				sh.makeRoom(c.max, t)
			}
			// A new bucket is full, as rate.NewLimiter's is at its
			// first use.
			b = clientBucket{tokens: c.burst, last: t}
		}
	}
	ok := b.take(t, c.limit, c.burst)
	sh.cur[key] = b
	sh.last = max(sh.last, t)
	sh.mu.Unlock()
	var wait time.Duration
	if !ok {
		wait = time.Duration(float64(time.Second) / c.limit)
	}
	return ok, wait
}

// makeRoom frees a full shard for a newcomer: it drops the buckets not
// used since the last rotation (perhaps not idle yet: at worst a fresh
// burst each), and if those used since still fill most of it, the shard is
// flooded with busy clients and forgets them too, rather than make room
// again for every newcomer.
func (sh *clientShard) makeRoom(max int, t time.Duration) {
	sh.old = nil
	if len(sh.cur) > max*3/4 {
		sh.cur = make(map[clientKey16]clientBucket)
		sh.rotated = t
	}
}

// rotate drops the buckets untouched since the last rotation, once idle
// has passed since it, and starts a new generation in fresh; when no
// request came for idle, every bucket is full again and all are dropped.
func (sh *clientShard) rotate(t, idle time.Duration, fresh map[clientKey16]clientBucket) {
	if t-sh.rotated < idle {
		return
	}
	if t-sh.last >= idle {
		sh.old = nil
	} else {
		sh.old = sh.cur
	}
	sh.cur = fresh
	sh.rotated = t
}

// sweepAll forgets idle buckets; the gateway calls it now and then. It
// holds each shard's lock for constant time.
func (c *clientLimiter) sweepAll(now time.Time) {
	for i := range c.shards {
		c.sweepShard(i, now)
	}
}

func (c *clientLimiter) sweepShard(i int, now time.Time) {
	// Made before the lock is taken, so that the allocation (at worst a
	// page fault) is not something a request waits for.
	fresh := make(map[clientKey16]clientBucket)
	sh := &c.shards[i]
	sh.mu.Lock()
	sh.rotate(now.Sub(c.base), c.idle, fresh)
	sh.mu.Unlock()
}

// take is rate.Limiter.AllowN(t, 1) on this state (golang.org/x/time
// v0.16.0, reserveN with no wait allowed), for a finite limit above 0.
func (b *clientBucket) take(t time.Duration, limit, burst float64) bool {
	last := min(b.last, t)
	tokens := min(b.tokens+(t-last).Seconds()*limit, burst)
	tokens--
	// rate.Limiter refuses when the wait for the missing part, in whole
	// nanoseconds, is above zero: a shortfall under a nanosecond's worth
	// is allowed.
	if burst < 1 || tokens < 0 && waitNanos(-tokens, limit) > 0 {
		return false
	}
	b.tokens, b.last = tokens, t
	return true
}

// waitNanos is rate.Limit.durationFromTokens.
func waitNanos(tokens, limit float64) time.Duration {
	d := tokens / limit * float64(time.Second)
	if d > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
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
