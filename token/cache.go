package token

import (
	"hash/maphash"
	"sync"
	"time"
)

// DefaultCacheSize is the capacity NewSessionCache and NewTicketCache use
// when given max <= 0. An entry costs about the token's length plus 250
// bytes (BenchmarkSessionCacheScale reports it), so a full default cache
// of 300-byte tokens holds some 36 MB.
const DefaultCacheSize = 1 << 16

// maxCacheShards spreads the locks of a cache so that two cores serving
// tens of thousands of requests a second rarely meet on the same one.
const maxCacheShards = 64

// SessionCache remembers sessions whose signature has been verified, so the
// hot path (every proxied request) does not pay golang-jwt's decoding and
// HMAC each time. The key is the whole token, so only byte-for-byte the same
// token hits; a hit is still checked against now for expiry on every call,
// and a lookup that hits does not allocate. Failed parses are not cached.
//
// The cache holds at most max tokens: an insert into a full shard drops the
// expired entries among the few it looks at, or else one arbitrary entry, so
// a flood of valid tokens only turns hits into misses, and no insert does
// work that grows with the cache. A cache belongs to one Ring; after a key
// change, build a new cache with the new ring.
//
// It is safe for concurrent use.
type SessionCache struct {
	ring *Ring
	c    verifiedCache[Session]
}

// NewSessionCache returns a cache over r holding at most max sessions
// (DefaultCacheSize if max <= 0).
func NewSessionCache(r *Ring, max int) *SessionCache {
	c := &SessionCache{ring: r}
	c.c.init(max)
	return c
}

// Parse is r.ParseSession with the verification remembered: same results,
// same errors.
func (c *SessionCache) Parse(tok []byte, now time.Time) (Session, error) {
	if s, ok, err := c.c.get(tok, now); ok {
		return s, err
	}
	s, err := c.ring.ParseSession(tok, now)
	if err != nil {
		return Session{}, err
	}
	c.c.put(tok, s, s.Expires, now)
	return s, nil
}

// Forget drops tok, so that a revoked session is verified afresh (and can be
// refused by the caller's revocation check) on its next use.
func (c *SessionCache) Forget(tok []byte) { c.c.forget(tok) }

// Len reports how many sessions are cached.
func (c *SessionCache) Len() int { return c.c.len() }

// TicketCache is SessionCache for tickets: the waiting page polls its status
// every few seconds with the same ticket.
type TicketCache struct {
	ring *Ring
	c    verifiedCache[Ticket]
}

// NewTicketCache returns a cache over r holding at most max tickets
// (DefaultCacheSize if max <= 0).
func NewTicketCache(r *Ring, max int) *TicketCache {
	c := &TicketCache{ring: r}
	c.c.init(max)
	return c
}

// Parse is r.ParseTicket with the verification remembered: same results,
// same errors.
func (c *TicketCache) Parse(tok []byte, now time.Time) (Ticket, error) {
	if t, ok, err := c.c.get(tok, now); ok {
		return t, err
	}
	t, err := c.ring.ParseTicket(tok, now)
	if err != nil {
		return Ticket{}, err
	}
	c.c.put(tok, t, t.Expires, now)
	return t, nil
}

// Forget drops tok.
func (c *TicketCache) Forget(tok []byte) { c.c.forget(tok) }

// Live calls fn with every cached session still valid at now: the
// sessions this node has seen in use, which it re-announces to a store
// that lost its data.
func (c *SessionCache) Live(now time.Time, fn func(Session)) { c.c.each(now, fn) }

// Len reports how many tickets are cached.
func (c *TicketCache) Len() int { return c.c.len() }

// verifiedCache maps a whole token to what verifying it produced.
type verifiedCache[T any] struct {
	seed     maphash.Seed
	perShard int
	shards   []cacheShard[T]
}

type cacheShard[T any] struct {
	mu sync.RWMutex
	m  map[string]cacheEntry[T]
	// Keeps neighbouring shards' locks off one cache line.
	_ [96]byte
}

type cacheEntry[T any] struct {
	v   T
	exp int64 // unix seconds; the token is valid while now.Unix() < exp
}

func (c *verifiedCache[T]) init(max int) {
	if max <= 0 {
		max = DefaultCacheSize
	}
	// A power of two no larger than max, so that shards × perShard <= max.
	n := 1
	for n*2 <= max && n*2 <= maxCacheShards {
		n *= 2
	}
	c.seed = maphash.MakeSeed()
	c.perShard = max / n
	c.shards = make([]cacheShard[T], n)
	for i := range c.shards {
		c.shards[i].m = make(map[string]cacheEntry[T])
	}
}

func (c *verifiedCache[T]) shard(tok []byte) *cacheShard[T] {
	return &c.shards[maphash.Bytes(c.seed, tok)&uint64(len(c.shards)-1)]
}

// get reports ok if tok is cached, with its value or ErrExpired. Tokens
// longer than MaxTokenLen are never cached, so they are not even hashed.
func (c *verifiedCache[T]) get(tok []byte, now time.Time) (v T, ok bool, err error) {
	if len(tok) > MaxTokenLen {
		return v, true, ErrTooLong
	}
	s := c.shard(tok)
	s.mu.RLock()
	e, ok := s.m[string(tok)] // the compiler does not allocate for this conversion
	s.mu.RUnlock()
	if !ok {
		return v, false, nil
	}
	// The same comparison golang-jwt makes: now before exp (whole seconds).
	if now.Unix() >= e.exp {
		return v, true, ErrExpired
	}
	return e.v, true, nil
}

func (c *verifiedCache[T]) put(tok []byte, v T, exp, now time.Time) {
	s := c.shard(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= c.perShard {
		s.evict(now)
	}
	s.m[string(tok)] = cacheEntry[T]{v: v, exp: exp.Unix()}
}

// evictLook is how many entries an insert into a full shard looks at.
const evictLook = 8

// evict makes room for one entry. It looks at a few entries from a random
// place (each range over a map starts at a random one) and drops the
// expired ones among them, or else the first: constant work, where
// scanning the shard for expired entries would hold its lock, and the
// requests behind it, for a time that grows with the cache. A dropped
// token is only verified again.
func (s *cacheShard[T]) evict(now time.Time) {
	unix := now.Unix()
	var first string
	looked, dropped := 0, false
	for k, e := range s.m {
		if looked == 0 {
			first = k
		}
		if unix >= e.exp {
			delete(s.m, k)
			dropped = true
		}
		if looked++; looked == evictLook {
			break
		}
	}
	if !dropped {
		delete(s.m, first)
	}
}

// each calls fn with every entry valid at now, a shard at a time. A shard's
// entries are copied out under its read lock and fn runs after it is
// released, so no caller's code runs under a lock that an insert (a
// request's first use of a token) waits for.
func (c *verifiedCache[T]) each(now time.Time, fn func(T)) {
	buf := make([]T, 0, c.perShard)
	for i := range c.shards {
		buf = c.shards[i].valid(now, buf[:0])
		for _, v := range buf {
			fn(v)
		}
	}
}

// valid appends the shard's entries valid at now to buf.
func (s *cacheShard[T]) valid(now time.Time, buf []T) []T {
	unix := now.Unix()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, e := range s.m {
		if unix < e.exp {
			buf = append(buf, e.v)
		}
	}
	return buf
}

func (c *verifiedCache[T]) forget(tok []byte) {
	s := c.shard(tok)
	s.mu.Lock()
	delete(s.m, string(tok))
	s.mu.Unlock()
}

func (c *verifiedCache[T]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
