package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit of arrivals. A Join does not run a script of its own: the
// arrivals of one room on this node that come within a short window share
// one script call (luaJoin), which hands out a contiguous range of numbers
// in the order they arrived. Redis then runs one script per batch instead
// of one per arrival, and the gateway makes one round trip per batch.
//
// The window starts at a batch's first arrival and ends joinWindow later,
// or as soon as joinBatch arrivals wait; one batch is out at a time, and
// the arrivals that came while it was out go in the next one, at once if
// their window has passed. So a lone arrival waits at most the window, and
// tickets on one node are numbered in arrival order. Across nodes, order
// is exact only to within the window (plus a call's time): two arrivals on
// two nodes less than that apart may be numbered either way; one whose
// Join returned before the other's began is always numbered first.
//
// Deadlines. An arrival's deadline travels with it (from its context, or
// given outright to JoinBy), and the batcher enforces it: a batch's call
// lasts as long as its most patient arrival allows, and an arrival whose
// deadline passed while it waited for a batch is answered with the
// deadline error and takes no number. Arrivals wait in order, and
// Bounded gives every one the same budget (store.timeout), so an earlier
// batch never outlasts a later arrival's deadline by more than the window;
// a confirmation sent on its own is bounded by that budget too
// (joinBudget). JoinBy's caller therefore needs no timer of its own, which
// a context deadline costs every call (queue.DeadlineJoiner).
//
// A batch whose reply is lost. Join is the one call that cannot be sent
// again (each run takes numbers), and a lost reply leaves numbers that
// nobody holds. So a new ticket is stamped pending (PEND in the scripts),
// not polling: Advance does not call a pending ticket, but waits at it
// for up to confirmGrace, until its node confirms that a shopper got the
// number. Each node confirms the numbers it handed out with its next call
// (the next batch, or on its own after a window without one, or before
// its Advance). Numbers whose reply was lost are never confirmed: past the
// grace Advance skips them as abandoned, and no slot was ever held for
// them. A shopper whose number is confirmed late (Redis answered the batch
// but was then out of reach for the whole grace) loses the turn, as one
// who stopped polling does: the next poll's claim forfeits and requeues.

const (
	joinWindow   = time.Millisecond // the most a lone arrival waits for others
	joinBatch    = 64               // arrivals in one script call at most
	confirmGrace = 5 * time.Second  // GRACE in the scripts: how long Advance waits at a pending ticket
)

// joinGroup batches one room's arrivals on this node.
type joinGroup struct {
	s      *Store
	r      *redisRoom
	name   string
	in     chan *joinReq
	window time.Duration
	max    int

	// sendMu is held while a call that carries confirmations is out, so
	// that a number is confirmed by one call only and never before the
	// call that handed it out returned.
	sendMu   sync.Mutex
	cmu      sync.Mutex
	confirms []joinSpan // numbers handed out and delivered, not yet confirmed

	// budget bounds a confirmation sent on its own by the time the last
	// batch's arrivals were given (joinBudget), so that arrivals queued
	// behind it wait no longer than theirs; only the batcher uses it.
	budget time.Duration
}

// joinSpan is a run of consecutive numbers to confirm, and when it was
// handed out (after confirmGrace a confirmation changes nothing).
type joinSpan struct {
	first, last uint64
	at          time.Time
}

// joinReq is one arrival waiting for its number.
type joinReq struct {
	now      time.Time // the caller's clock: the ticket's stamp
	at       time.Time // when it arrived, by this node's clock: starts the window
	deadline time.Time // when its caller gives up; zero: never
	done     chan joinResult
	// state: 0 waiting; 1 its caller gave up (the number, if any, is never
	// confirmed); 2 delivered.
	state atomic.Int32
}

type joinResult struct {
	n   uint64
	err error
}

// errStoreClosed answers the arrivals of a store that was closed.
var errStoreClosed = errors.New("redis store closed")

// group returns the room's batcher, starting it at the room's first
// arrival on this node; nil once the store is closed.
func (s *Store) group(name string, r *redisRoom) *joinGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if r.group == nil {
		r.group = &joinGroup{s: s, r: r, name: name, in: make(chan *joinReq, 4*s.batchMax),
			window: s.joinWindow, max: s.batchMax, budget: confirmGrace}
		s.wg.Add(1)
		go r.group.run()
	}
	return r.group
}

// Join implements queue.Store: the arrival joins this node's next batch for the
// room (see above), and gives up at its context's deadline or cancellation.
func (s *Store) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	deadline, _ := ctx.Deadline()
	return s.JoinBy(ctx, room, now, deadline)
}

// JoinBy implements queue.DeadlineJoiner: Join, given up at deadline (zero:
// none) by the batcher, so that a caller whose context is never cancelled
// waits on no timer of its own (see above).
func (s *Store) JoinBy(ctx context.Context, room string, now, deadline time.Time) (uint64, error) {
	g := s.group(room, s.room(room))
	if g == nil {
		return 0, fmt.Errorf("joining room %s: %w", room, errStoreClosed)
	}
	q := &joinReq{now: now, at: time.Now(), deadline: deadline, done: make(chan joinResult, 1)}
	select {
	case g.in <- q: // the usual case, without a select over three channels
	default:
		select {
		case g.in <- q:
		case <-ctx.Done():
			return 0, fmt.Errorf("joining room %s: %w", room, ctx.Err())
		case <-s.stop:
			return 0, fmt.Errorf("joining room %s: %w", room, errStoreClosed)
		}
	}
	select {
	case res := <-q.done:
		return res.n, res.err
	case <-ctx.Done():
		if q.state.CompareAndSwap(0, 1) {
			return 0, fmt.Errorf("joining room %s: %w", room, ctx.Err())
		}
		res := <-q.done
		return res.n, res.err
	case <-s.stop:
		if q.state.CompareAndSwap(0, 1) {
			return 0, fmt.Errorf("joining room %s: %w", room, errStoreClosed)
		}
		res := <-q.done
		return res.n, res.err
	}
}

// run gathers arrivals into batches and sends them, one at a time, until
// the store closes.
func (g *joinGroup) run() {
	defer g.s.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]*joinReq, 0, g.max)
	for {
		var first *joinReq
		if g.pending() {
			// Confirm on its own if no batch comes to carry it.
			timer.Reset(g.s.confirmIdle)
			select {
			case first = <-g.in:
				timer.Stop()
			case <-timer.C:
				// A failure keeps them for the next call; past the grace a
				// confirmation changes nothing, so that bounds it too.
				ctx, cancel := context.WithTimeout(context.Background(), g.budget)
				g.confirm(ctx)
				cancel()
				continue
			case <-g.s.stop:
				return
			}
		} else {
			select {
			case first = <-g.in:
			case <-g.s.stop:
				return
			}
		}
		batch = append(batch[:0], first)
		if wait := time.Until(first.at.Add(g.window)); wait > 0 && len(batch) < g.max {
			timer.Reset(wait)
		gather:
			for len(batch) < g.max {
				select {
				case q := <-g.in:
					batch = append(batch, q)
				case <-timer.C:
					break gather
				case <-g.s.stop:
					break gather
				}
			}
			timer.Stop()
		}
		// The window has passed: take what else is waiting, without waiting.
	drain:
		for len(batch) < g.max {
			select {
			case q := <-g.in:
				batch = append(batch, q)
			default:
				break drain
			}
		}
		g.send(batch)
		clear(batch)
	}
}

// send runs one batch's script and hands each arrival its number.
func (g *joinGroup) send(batch []*joinReq) {
	if batch = g.expire(batch); len(batch) == 0 {
		return
	}
	now := batch[0].now
	for _, q := range batch[1:] {
		if q.now.After(now) {
			now = q.now
		}
	}
	ctx, cancel := batchContext(batch)
	defer cancel()
	g.budget = joinBudget(batch)
	g.sendMu.Lock()
	defer g.sendMu.Unlock()
	spans := g.take()
	first, err := g.s.runJoin(ctx, g.r, now, len(batch), spans)
	if err != nil {
		// The confirmations may have been applied; sent again, they change
		// nothing.
		g.putBack(spans)
		err = fmt.Errorf("joining room %s: %w", g.name, err)
		for _, q := range batch {
			q.state.Store(2)
			q.done <- joinResult{err: err}
		}
		return
	}
	g.r.joined(first + uint64(len(batch)) - 1)
	// Confirm exactly the numbers whose callers take them, in runs. They
	// are queued for confirmation before any caller has its number, so
	// that a caller's next Advance finds them (confirmJoins).
	var runs []joinSpan
	at := time.Now()
	for i, q := range batch {
		n := first + uint64(i)
		switch {
		case !q.state.CompareAndSwap(0, 2):
			// Its caller gave up: nobody holds n, which stays pending.
		case len(runs) > 0 && runs[len(runs)-1].last+1 == n:
			runs[len(runs)-1].last = n
		default:
			runs = append(runs, joinSpan{first: n, last: n, at: at})
		}
	}
	g.cmu.Lock()
	g.confirms = append(g.confirms, runs...)
	g.cmu.Unlock()
	for i, q := range batch {
		q.done <- joinResult{n: first + uint64(i)}
	}
}

// expire answers the arrivals whose deadline has passed, and drops those
// whose caller gave up: neither takes a number. It returns the rest, in
// their order, in batch's own array.
func (g *joinGroup) expire(batch []*joinReq) []*joinReq {
	now := time.Now()
	live := batch[:0]
	for _, q := range batch {
		switch {
		case q.state.Load() == 1:
		case !q.deadline.IsZero() && !now.Before(q.deadline):
			if q.state.CompareAndSwap(0, 2) {
				q.done <- joinResult{err: fmt.Errorf("joining room %s: %w", g.name, context.DeadlineExceeded)}
			}
		default:
			live = append(live, q)
		}
	}
	return live
}

// joinBudget is the longest time an arrival of batch was given to join,
// and confirmGrace at most, as for an arrival given no deadline.
func joinBudget(batch []*joinReq) time.Duration {
	var longest time.Duration
	for _, q := range batch {
		if q.deadline.IsZero() {
			return confirmGrace
		}
		longest = max(longest, q.deadline.Sub(q.at))
	}
	return min(longest, confirmGrace)
}

// pending reports whether numbers wait to be confirmed.
func (g *joinGroup) pending() bool {
	g.cmu.Lock()
	defer g.cmu.Unlock()
	return len(g.confirms) > 0
}

// take removes the numbers to confirm, but those past confirmGrace: by
// then a confirmation changes nothing. The caller holds sendMu.
func (g *joinGroup) take() []joinSpan {
	g.cmu.Lock()
	defer g.cmu.Unlock()
	spans := g.confirms
	g.confirms = nil
	cut := time.Now().Add(-confirmGrace)
	i := 0
	for i < len(spans) && spans[i].at.Before(cut) {
		i++
	}
	return spans[i:]
}

// putBack returns numbers whose confirmation may not have reached Redis.
// The caller holds sendMu.
func (g *joinGroup) putBack(spans []joinSpan) {
	if len(spans) == 0 {
		return
	}
	g.cmu.Lock()
	g.confirms = append(spans, g.confirms...)
	g.cmu.Unlock()
}

// confirm sends the numbers waiting to be confirmed, if any, on their own.
func (g *joinGroup) confirm(ctx context.Context) error {
	g.sendMu.Lock()
	defer g.sendMu.Unlock()
	spans := g.take()
	if len(spans) == 0 {
		return nil
	}
	if err := scriptConfirmJoins.Run(ctx, g.s.client, g.r.keys, spanArgs(make([]any, 0, 2*len(spans)), spans)...).Err(); err != nil {
		g.putBack(spans)
		return fmt.Errorf("confirming tickets of room %s: %w", g.name, err)
	}
	return nil
}

// confirmJoins confirms the room's numbers this node handed out and has not
// confirmed yet, so that Advance calls them rather than waiting at them.
func (s *Store) confirmJoins(ctx context.Context, r *redisRoom) error {
	s.mu.Lock()
	g := r.group
	s.mu.Unlock()
	if g == nil {
		return nil
	}
	// confirm waits for a call that carries confirmations to return, even
	// when none is left to send: the batcher may have taken them a moment
	// ago.
	return g.confirm(ctx)
}

func spanArgs(args []any, spans []joinSpan) []any {
	for _, sp := range spans {
		args = append(args, sp.first, sp.last)
	}
	return args
}

// batchContext bounds a batch's call by the latest deadline among its
// arrivals (an arrival that gives up does not cancel the others' call),
// and by confirmGrace at most: numbers handed out longer ago than that
// are skipped before their confirmation could arrive.
func batchContext(batch []*joinReq) (context.Context, context.CancelFunc) {
	limit := time.Now().Add(confirmGrace)
	var latest time.Time
	for _, q := range batch {
		d := q.deadline
		if d.IsZero() || d.After(limit) {
			latest = limit
			break
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

// runJoin runs luaJoin for count arrivals, carrying confirmations, and
// returns the first number of the range. It goes through the client
// without retries (see Join), and is tried again only on an error that
// Redis sent in place of running it.
func (s *Store) runJoin(ctx context.Context, r *redisRoom, now time.Time, count int, spans []joinSpan) (uint64, error) {
	_, _, floor := r.view()
	args := make([]any, 0, 3+2*len(spans))
	args = append(args, now.UnixMicro(), fmt.Sprintf("%d", floor), count)
	args = spanArgs(args, spans)
	var err error
	for attempt := 0; ; attempt++ {
		var v any
		if v, err = scriptJoin.Run(ctx, s.once, r.keys, args...).Result(); err == nil {
			var rep joinReply
			if rep, err = decodeJoin(v); err == nil {
				if rep.Count != count {
					return 0, fmt.Errorf("join script handed out %d numbers for %d arrivals", rep.Count, count)
				}
				return rep.First, nil
			}
			return 0, err
		}
		if attempt == 2 || !notRun(err) {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Duration(8<<attempt) * time.Millisecond):
		}
	}
}
