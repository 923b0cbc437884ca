package redisstore

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/redis/go-redis/v9"
)

// Store keeps every room's state in Redis, so that several gateway
// nodes share one queue. Each state change is one Lua script (see
// redis_scripts.go) that does what the memory store's method of the same name
// does, atomically; the scripts are written to be safe to run twice, because
// the client retries a command whose answer it did not get (Join, the one
// that is not, is sent without retries).
//
// All of a room's keys share a hash tag, so on a Redis Cluster a room lives
// on one slot and its scripts run on one node.
//
// Redis must not evict these keys (maxmemory-policy noeviction): a room
// missing one of its keys is a room in a state no store could reach. A
// Redis that lost everything (restarted without persistence) is survived
// as the memory store survives a lost state file: polls put tickets back, and
// the next Advance puts back the room's opening as this node knew it; but
// arrivals in the moments before the loss that no node heard of can get
// numbers again, so run Redis with AOF where that matters. The stock is
// not survived: a room whose stock Redis lost has no figure, and sells
// nothing, until an operator sets it again (see luaInitStock).
type Store struct {
	// client runs the idempotent scripts, with go-redis's retries.
	client redis.UniversalClient
	// once runs Join, with no retries at all: a Join whose answer was lost
	// already took a number, and running it again would take another.
	once   redis.UniversalClient
	prefix string
	addrs  string // for error messages

	// joinWindow and batchMax shape the batches of arrivals (redis_join.go).
	joinWindow time.Duration
	batchMax   int
	// confirmIdle is how long a batcher waits for a batch to carry its
	// confirmations before it sends them alone: the window (tests set it).
	confirmIdle time.Duration
	// stop ends the rooms' batchers, which wg counts.
	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu     sync.Mutex
	rooms  map[string]*redisRoom
	closed bool
}

var _ queue.Store = (*Store)(nil)

// Options configure a Store. Zero values have the defaults
// written next to them.
type Options struct {
	// Addrs is one Redis ("host:port") or the seed nodes of a Redis
	// Cluster (two or more addresses).
	Addrs []string
	// Cluster makes a single address a Cluster seed (a configuration
	// endpoint) rather than one Redis.
	Cluster bool
	// Username and Password authenticate (ACL user, or just the password
	// with the default user); empty: none.
	Username string
	Password string
	// DB selects the database of a single Redis; a Cluster has only 0.
	DB int
	// KeyPrefix starts every key, so that deployments sharing one Redis
	// do not see each other's rooms. Empty: "anteroom".
	KeyPrefix string
	// TLS, when set, is used for every connection.
	TLS *tls.Config
	// DialTimeout, ReadTimeout and WriteTimeout bound each network step;
	// zero: go-redis's defaults (5 s, 3 s, 3 s).
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// PoolSize is the connections per node for each of the store's two
	// clients; zero: go-redis's default (10 per CPU).
	PoolSize int
	// ProbeTimeout bounds the PING at start-up. Zero: 5 s.
	ProbeTimeout time.Duration
	// JoinWindow is the most an arrival waits for others to share its
	// join script (see redis_join.go); zero: 1 ms. Negative: no wait, a
	// batch is whatever arrived while the one before was out.
	JoinWindow time.Duration
	// JoinBatch is the most arrivals one join script takes; zero: 64.
	JoinBatch int
}

// New connects to Redis and checks, with a PING, that it answers:
// a store that cannot be reached is reported at start-up, not found broken
// by the first shopper.
func New(ctx context.Context, o Options) (*Store, error) {
	if len(o.Addrs) == 0 {
		return nil, errors.New("connecting to redis: no address given")
	}
	cluster := o.Cluster || len(o.Addrs) > 1
	if cluster && o.DB != 0 {
		return nil, fmt.Errorf("connecting to redis cluster at %s: db %d: a cluster has only db 0", strings.Join(o.Addrs, ", "), o.DB)
	}
	prefix := o.KeyPrefix
	if prefix == "" {
		prefix = "anteroom"
	}
	opts := redis.UniversalOptions{
		Addrs:         o.Addrs,
		IsClusterMode: cluster,
		Username:      o.Username,
		Password:      o.Password,
		DB:            o.DB,
		TLSConfig:     o.TLS,
		DialTimeout:   o.DialTimeout,
		ReadTimeout:   o.ReadTimeout,
		WriteTimeout:  o.WriteTimeout,
		PoolSize:      o.PoolSize,
		ClientName:    "anteroom",
		// A caller's deadline (store.timeout, see Bounded) bounds the
		// command's network reads and writes too, not only the wait for a
		// connection: a Redis that hangs mid-reply cannot hold a request.
		ContextTimeoutEnabled: true,
	}
	once := opts
	once.MaxRetries = -1
	if cluster {
		// A cluster client also retries a failed command on its own, up to
		// MaxRedirects times, whatever MaxRetries says; -1 turns that off
		// too. joinRetry follows MOVED and the like by hand.
		once.MaxRedirects = -1
	}
	s := &Store{
		client: redis.NewUniversalClient(&opts),
		once:   redis.NewUniversalClient(&once),
		prefix: prefix,
		addrs:  strings.Join(o.Addrs, ", "),
		rooms:  make(map[string]*redisRoom),
		stop:   make(chan struct{}),

		joinWindow: o.JoinWindow,
		batchMax:   o.JoinBatch,
	}
	switch {
	case s.joinWindow == 0:
		s.joinWindow = joinWindow
	case s.joinWindow < 0:
		s.joinWindow = 0
	}
	s.confirmIdle = s.joinWindow
	if s.batchMax <= 0 {
		s.batchMax = joinBatch
	}
	timeout := o.ProbeTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := s.client.Ping(pctx).Err()
	if err == nil {
		err = s.once.Ping(pctx).Err()
	}
	if err != nil {
		s.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			// go-redis was still redialling when time ran out; one plain
			// dial says why ("connection refused", "no such host").
			if derr := dialError(o.Addrs, o.DialTimeout); derr != nil {
				return nil, fmt.Errorf("connecting to redis at %s: %w (%w)", s.addrs, err, derr)
			}
		}
		return nil, fmt.Errorf("connecting to redis at %s: %w", s.addrs, err)
	}
	return s, nil
}

// dialError is the first failure to open a TCP connection to addrs.
func dialError(addrs []string, timeout time.Duration) error {
	if timeout <= 0 || timeout > time.Second {
		timeout = time.Second
	}
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, timeout)
		if err != nil {
			return err
		}
		c.Close()
	}
	return nil
}

// Ping implements queue.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w", s.addrs, err)
	}
	return nil
}

// Close implements queue.Store. Arrivals still waiting for a batch fail.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true // no batcher starts after this: wg.Add never races wg.Wait
	s.mu.Unlock()
	s.closeOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	return errors.Join(s.client.Close(), s.once.Close())
}

// redisRoom is what this node remembers of a room: its keys, built once,
// and its frozen pre-queue, which the Lua scripts cannot compute positions
// from (see redis_advance.go).
type redisRoom struct {
	keys []string
	// group batches the room's arrivals on this node; nil until the first
	// (guarded by Store.mu).
	group *joinGroup

	mu      sync.Mutex
	opening queue.Opening // set once seen opened; never changes after, short of Redis losing its data
	serving uint64        // the last serving counter heard of: where Advance's numbers start
	issued  uint64        // the highest Issued heard of, put back if Redis loses its data
	// stocked is set once this node heard the room had a stock figure: if
	// Redis loses it, InitStock must not put the configured units back.
	stocked bool
}

// The keys of a room, in the order every script takes them (KEYS[1..13]).
const (
	keyCounters     = iota // hash: issued, serving, admitted, bucket, opening, stock_*, ...
	keySeen                // string: a big-endian uint32 per ticket, like the memory store's Seen
	keySessions            // sorted set: session id by last refresh
	keyEnded               // sorted set: ended session id by when it ended
	keyCalls               // sorted set: called ticket number by when it was called
	keyClaims              // hash: claimed ticket number -> session id
	keyClaimsAt            // sorted set: claimed ticket number by when to look at it again
	keyHolds               // hash: hold id -> state, expiry and session (redis_stock_scripts.go)
	keyHoldSessions        // hash: session id -> its live hold's id
	keyHoldsDue            // sorted set: live hold id by expiry
	keyHoldsGone           // sorted set: ended hold id by when to forget its record
	keyHoldsBought         // hash: session id -> units sold to it
	keyTicks               // hash: tick -> tickets whose seen stamp it is, to count the line by
	numKeys
)

var keyNames = [numKeys]string{"counters", "seen", "sessions", "ended", "calls", "claims", "claims_at",
	"holds", "hold_sessions", "holds_due", "holds_gone", "holds_bought", "ticks"}

// room returns this node's record of the named room.
func (s *Store) room(name string) *redisRoom {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[name]
	if r == nil {
		r = &redisRoom{keys: roomKeys(s.prefix, name)}
		s.rooms[name] = r
	}
	return r
}

// joined notes a number this node handed out.
func (r *redisRoom) joined(n uint64) {
	r.mu.Lock()
	r.issued = max(r.issued, n)
	r.mu.Unlock()
}

// roomKeys names a room's keys "<prefix>:{<room>}:<what>". The braces are
// the hash tag that puts them on one Cluster slot; a room name that would
// break the tag (empty, or holding a brace) is hex-encoded behind a "{",
// which a plain name cannot contain.
func roomKeys(prefix, room string) []string {
	keys := make([]string, numKeys)
	for i, what := range keyNames {
		keys[i] = roomKey(prefix, room, what)
	}
	return keys
}

// roomKey names one key of a room, "<prefix>:{<room>}:<what>" (roomKeys).
func roomKey(prefix, room, what string) string {
	tag := room
	if room == "" || strings.ContainsAny(room, "{}") {
		tag = "{" + hex.EncodeToString([]byte(room))
	}
	return prefix + ":{" + tag + "}:" + what
}

// view returns the opening, serving counter and Issued this node last
// heard of.
func (r *redisRoom) view() (queue.Opening, uint64, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opening, r.serving, r.issued
}

// heard notes counters that came back from Redis. An opening is kept once
// heard of, and Issued only grows: they are what Advance puts back when
// Redis has lost them.
func (r *redisRoom) heard(c queue.Counters) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.Opening.Opened {
		r.opening = c.Opening
	}
	r.serving = c.Serving
	r.issued = max(r.issued, c.Issued)
	r.stocked = r.stocked || c.Stock.Set
}

// heardStock notes a stock figure that came back from Redis.
func (r *redisRoom) heardStock(st queue.Stock) {
	r.mu.Lock()
	r.stocked = r.stocked || st.Set
	r.mu.Unlock()
}

// lived reports whether this node saw the room before: a ticket, an
// opening or a stock figure. Redis alone cannot tell a new room from one
// whose data it lost.
func (r *redisRoom) lived() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.issued > 0 || r.opening.Opened || r.stocked
}
