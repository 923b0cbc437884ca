package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// Advance on Redis, and the one thing its script cannot do alone: map a
// place in a random pre-queue to a ticket number.
//
// The lottery's permutation (shuffle.go) is a Feistel network on 64-bit
// integers. Redis's Lua has only doubles, exact to 2^53, and a bit library
// on 32-bit integers, so a Lua copy would be a second, subtly different
// implementation of the order everyone is served in. The permutation stays
// in Go instead: Advance sends the numbers of the next few places after the
// serving counter it last heard of (S0), with the opening they were
// computed from. The script uses them only while the opening is Redis's
// and the places are S0+1 onwards; when it needs a number it was not given
// (another node moved the counter, the batch ran out, this node has not
// heard of the opening yet), or has walked as many places as one run may,
// it stops the walk where it is and replies "more" with the current
// counters, and Advance runs again from there, at the same instant. Each
// run is atomic and leaves a state the memory store could be in (it is the
// same walk, paused), so the sequence is as correct as one
// run; a repeat at the same instant refills nothing and expires nothing.
//
// FIFO rooms, and random ones once the pre-queue is served, need no
// numbers: a place is its number, and one run is enough unless the walk
// is long.

const (
	advanceFirst = 32   // numbers sent at first: most ticks call few tickets
	advanceMax   = 1024 // numbers sent at most in one run: the places one run walks (WALK in luaAdvance)
	advanceRuns  = 64   // runs in one Advance; the next tick goes on
)

// Advance implements queue.Store.
func (s *Store) Advance(ctx context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	r := s.room(room)
	// Numbers this node handed out and has not confirmed yet would be
	// waited at (see redis_join.go). If the confirmation fails, Advance
	// fails the same way, or waits at them until the next tick.
	_ = s.confirmJoins(ctx, r)
	o, s0, issued := r.view()
	k := advanceFirst
	nowUs := now.UnixMicro()
	for run := 1; ; run++ {
		args := make([]any, 0, 15+k)
		args = append(args, nowUs, p.MaxActive, p.PerMinute, p.Burst, sessionLife(p), p.ClaimWindow.Microseconds(),
			int64(p.AbandonAfter/time.Second), endedLife(p),
			openingID(o), o.At.UnixNano(), o.PrequeueEnd, boolArg(o.Random), o.Seed, issued, s0)
		args = appendNumbers(args, o, s0, k)
		v, err := scriptAdvance.Run(ctx, s.client, r.keys, args...).Result()
		if err != nil {
			return queue.Counters{}, fmt.Errorf("advancing room %s: %w", room, err)
		}
		rep, err := decodeMore("advance", v)
		if err != nil {
			return queue.Counters{}, fmt.Errorf("advancing room %s: %w", room, err)
		}
		c := rep.Counters
		r.heard(c)
		if rep.More && run < advanceRuns {
			o, s0 = c.Opening, c.Serving
			k = min(4*k, advanceMax)
			continue
		}
		return c, nil
	}
}

// appendNumbers appends the ticket numbers of places s0+1 .. s0+k that
// are in o's random pre-queue.
func appendNumbers(args []any, o queue.Opening, s0 uint64, k int) []any {
	if !o.Opened || !o.Random {
		return args
	}
	for pos := s0 + 1; pos <= o.PrequeueEnd && pos <= s0+uint64(k); pos++ {
		args = append(args, o.Number(pos))
	}
	return args
}
