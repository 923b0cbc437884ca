package queue

import (
	"context"
	"time"
)

// Bounded returns store with every call bounded by timeout, so a store that
// hangs (a Redis stuck on a slow command, a network that drops packets
// without a reset) can pin neither a shopper's request nor a room's sync:
// past the timeout the call fails, and the shopper gets the honest
// store-down answer. The caller's context is kept for its values, not its
// cancellation: a request's context ends when the server starts draining,
// and the requests in flight are exactly the ones a drain lets finish.
//
// A store that never waits on I/O (Unbounded, the memory store) is
// returned as it is: a timer per call would be all a bound added.
func Bounded(store Store, timeout time.Duration) Store {
	if u, ok := store.(Unbounded); (ok && u.Unbounded() == store) || timeout <= 0 {
		return store
	}
	if b, ok := store.(*bounded); ok {
		store = b.Store
	}
	joiner, _ := store.(DeadlineJoiner)
	return &bounded{Store: store, timeout: timeout, joiner: joiner}
}

// DeadlineJoiner is a store that gives up a Join at a deadline it is handed,
// with no timer of the caller's: the Redis store, whose arrivals wait
// together for a batch that answers each of them by its deadline. Bounded
// hands it the deadline rather than a context with a timeout, which costs
// every arrival a timer set and stopped (about 3 % of a Redis arrival's
// CPU in the gateway, BENCHMARKS.md). A type that embeds such a store and
// changes what Join does must change JoinBy too, or Bounded goes round it.
type DeadlineJoiner interface {
	// JoinBy is Join, given up at deadline.
	JoinBy(ctx context.Context, room string, now, deadline time.Time) (uint64, error)
}

// Unbounded is a store whose calls never wait on I/O, such as the memory
// store, so that Bounded leaves it as it is.
type Unbounded interface {
	Store
	// Unbounded returns the store itself. A type that embeds one, to add
	// waits of its own, answers with the embedded store, not itself, and
	// so is bounded like any other.
	Unbounded() Store
}

type bounded struct {
	Store
	timeout time.Duration
	joiner  DeadlineJoiner // Store, if it is one
}

var _ Store = (*bounded)(nil)

func (b *bounded) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
}

func (b *bounded) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	if b.joiner != nil {
		return b.joiner.JoinBy(context.WithoutCancel(ctx), room, now, time.Now().Add(b.timeout))
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Join(ctx, room, now)
}

func (b *bounded) Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (Opening, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Open(ctx, room, random, seed, now)
}

func (b *bounded) Commit(ctx context.Context, room string, c Commitment) (Commitment, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Commit(ctx, room, c)
}

func (b *bounded) Advance(ctx context.Context, room string, p Policy, now time.Time) (Counters, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Advance(ctx, room, p, now)
}

func (b *bounded) Claim(ctx context.Context, room string, n uint64, sid string, now time.Time) (string, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Claim(ctx, room, n, sid, now)
}

func (b *bounded) AdmitDirect(ctx context.Context, room, sid string, p Policy, now time.Time) (bool, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.AdmitDirect(ctx, room, sid, p, now)
}

func (b *bounded) Refresh(ctx context.Context, room string, sids []string, now time.Time) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Refresh(ctx, room, sids, now)
}

func (b *bounded) End(ctx context.Context, room, sid string, now time.Time) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.End(ctx, room, sid, now)
}

func (b *bounded) Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Seen(ctx, room, numbers, now)
}

func (b *bounded) Leave(ctx context.Context, room string, n uint64) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Leave(ctx, room, n)
}

func (b *bounded) EndedSince(ctx context.Context, room string, since time.Time) ([]Ended, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.EndedSince(ctx, room, since)
}

func (b *bounded) InitStock(ctx context.Context, room string, units int, now time.Time) (Stock, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.InitStock(ctx, room, units, now)
}

func (b *bounded) SetStock(ctx context.Context, room string, units int, now time.Time) (Stock, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.SetStock(ctx, room, units, now)
}

func (b *bounded) Hold(ctx context.Context, room, sid, hid string, perSession int, until, now time.Time) (Hold, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Hold(ctx, room, sid, hid, perSession, until, now)
}

func (b *bounded) Confirm(ctx context.Context, room, hid string, now time.Time) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Confirm(ctx, room, hid, now)
}

func (b *bounded) Release(ctx context.Context, room, hid string, now time.Time) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Release(ctx, room, hid, now)
}

func (b *bounded) Stock(ctx context.Context, room string, now time.Time) (Stock, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Stock(ctx, room, now)
}

func (b *bounded) Counters(ctx context.Context, room string) (Counters, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Counters(ctx, room)
}

func (b *bounded) Ping(ctx context.Context) error {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return b.Store.Ping(ctx)
}
