package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The engine's side of the lottery (lottery.go): a random room commits to
// its seed at its first tick, whatever the phase, and in any case before
// it hands out a pre-queue ticket; it opens with the key of that seed; and
// it shows the seed once the opening froze the pre-queue.

// Errors of Room.Lottery, besides ErrUnavailable.
var (
	// ErrNoLottery: the room's pre-queue keeps arrival order (fifo).
	ErrNoLottery = errors.New("queue: room draws no lottery")
	// ErrLotteryMismatch: the room opened in an order other than its
	// committed seed's — it opened before it was made random, or its
	// store lost the seed and another was drawn. Nothing checkable can
	// be shown then, and the operator must hear of it.
	ErrLotteryMismatch = errors.New("queue: room opened in another order than its committed seed gives")
)

// Lottery is what a random room publishes of its draw.
type Lottery struct {
	Room string
	// Commit is the hex SHA-256 of the seed; CommittedAt, when the store
	// first kept it: before PrequeueFrom, for a draw nobody could fit
	// to the tickets taken.
	Commit      string
	CommittedAt time.Time
	// PrequeueFrom and OpensAt are the pre-queue's window; zero: unset.
	PrequeueFrom, OpensAt time.Time
	// Revealed is set once the room opened and its pre-queue is frozen;
	// Draw (the seed and the number of pre-queue tickets) only then.
	Revealed bool
	Draw     Draw
}

// Lottery returns what the room publishes of its draw. Past OpensAt it
// opens the room if no tick has yet: the seed is shown only once the store
// froze the pre-queue, so no node — whatever its clock says — can hand out
// a pre-queue ticket to someone who knows it.
func (r *Room) Lottery(ctx context.Context) (Lottery, error) {
	now := r.now()
	s := r.sched.Load()
	if !s.Random {
		return Lottery{}, ErrNoLottery
	}
	c, err := r.commitment(ctx, now)
	if err != nil {
		return Lottery{}, r.down(err)
	}
	l := Lottery{Room: r.name, Commit: c.Seed.Hash(), CommittedAt: c.At, PrequeueFrom: s.PrequeueFrom, OpensAt: s.OpensAt}
	if s.phase(now) < phaseOpen {
		return l, nil
	}
	if !r.isOpened() {
		if err := r.open(ctx, s, now); err != nil {
			return Lottery{}, r.down(err)
		}
	}
	r.mu.Lock()
	o := r.opening
	r.mu.Unlock()
	if !o.Random || o.Seed != c.Seed.key(r.name) {
		return l, ErrLotteryMismatch
	}
	l.Revealed = true
	l.Draw = Draw{Room: r.name, Seed: c.Seed, Tickets: o.PrequeueEnd}
	return l, nil
}

// commitment returns the room's seed commitment, committing a fresh seed
// if the store has none. Only the first answer goes to the store: the
// commitment never changes after.
func (r *Room) commitment(ctx context.Context, now time.Time) (Commitment, error) {
	if c := r.lottery.Load(); c != nil {
		return *c, nil
	}
	c, err := r.store.Commit(ctx, r.name, Commitment{Seed: NewSeed(), At: now})
	if err != nil {
		return Commitment{}, fmt.Errorf("committing to the lottery seed: %w", err)
	}
	if r.lottery.CompareAndSwap(nil, &c) {
		r.log.Info("lottery seed committed", "sha256", c.Seed.Hash(), "committed_at", c.At)
	}
	return c, nil
}

// recommit puts the commitment back into a store that lost its data, as
// Advance puts the opening back: the draw must not change mid-sale.
func (r *Room) recommit(ctx context.Context) {
	c := r.lottery.Load()
	if c == nil {
		return
	}
	got, err := r.store.Commit(ctx, r.name, *c)
	switch {
	case err != nil:
		r.log.Warn("putting the lottery seed back after the store lost data", "err", err)
	case got.Seed != c.Seed:
		r.log.Error("queue store lost the lottery seed and another node drew a new one: nodes may disagree on the pre-queue's order",
			"sha256_before", c.Seed.Hash(), "sha256_now", got.Seed.Hash())
	}
}
