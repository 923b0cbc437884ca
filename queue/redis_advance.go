package queue

import (
	"context"
	"fmt"
	"strconv"
	"time"
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
// heard of the opening yet) it stops the walk where it is and replies
// "more" with the current counters, and Advance runs again from there, at
// the same instant. Each run is atomic and leaves a state MemoryStore could
// be in (it is the same walk, paused), so the sequence is as correct as one
// run; a repeat at the same instant refills nothing and expires nothing.
//
// FIFO rooms, and random ones once the pre-queue is served, need no
// numbers: a place is its number, and one run is enough.

const (
	advanceFirst = 32   // numbers sent at first: most ticks call few tickets
	advanceMax   = 4096 // numbers sent at most in one run
	advanceRuns  = 64   // runs in one Advance; the next tick goes on
)

// Advance implements Store.
func (s *RedisStore) Advance(ctx context.Context, room string, p Policy, now time.Time) (Counters, error) {
	r := s.room(room)
	o, s0, issued := r.view()
	k := advanceFirst
	nowUs := now.UnixMicro()
	for run := 1; ; run++ {
		args := make([]any, 0, 15+k)
		args = append(args, nowUs, p.MaxActive, p.PerMinute, p.Burst, sessionLife(p), p.ClaimWindow.Microseconds(),
			int64(p.AbandonAfter/time.Second), endedLife(p),
			openingID(o), o.At.UnixNano(), o.PrequeueEnd, boolArg(o.Random), o.Seed, issued, s0)
		args = appendNumbers(args, o, s0, k)
		v, err := scriptAdvance.Run(ctx, s.client, r.keys, args...).Slice()
		if err != nil {
			return Counters{}, fmt.Errorf("advancing room %s: %w", room, err)
		}
		if len(v) != 5 {
			return Counters{}, fmt.Errorf("advancing room %s: unexpected reply %v", room, v)
		}
		c, err := parseCounters(v[1])
		if err != nil {
			return Counters{}, fmt.Errorf("advancing room %s: %w", room, err)
		}
		r.heard(c)
		if code, _ := v[0].(string); code == "more" && run < advanceRuns {
			o, s0 = c.Opening, c.Serving
			k = min(4*k, advanceMax)
			continue
		}
		if lease, _ := v[2].(int64); lease == 1 {
			base, _ := v[3].(string)
			seen, _ := v[4].(string)
			c.Waiting = countFresh(seen, redisTick(nowUs, base), p.AbandonAfter)
			if err := scriptSetWaiting.Run(ctx, s.client, r.keys, nowUs, c.Waiting, c.Issued).Err(); err != nil {
				return Counters{}, fmt.Errorf("advancing room %s: counting the line: %w", room, err)
			}
		}
		return c, nil
	}
}

// appendNumbers appends the ticket numbers of places s0+1 .. s0+k that
// are in o's random pre-queue.
func appendNumbers(args []any, o Opening, s0 uint64, k int) []any {
	if !o.Opened || !o.Random {
		return args
	}
	for pos := s0 + 1; pos <= o.PrequeueEnd && pos <= s0+uint64(k); pos++ {
		args = append(args, o.Number(pos))
	}
	return args
}

// redisTick is the scripts' tick: whole seconds since base (µs, in
// decimal as the script returns it), plus one.
func redisTick(nowUs int64, base string) uint32 {
	b, _ := strconv.ParseInt(base, 10, 64)
	d := nowUs - b
	if d < 0 {
		d = 0
	}
	return uint32(d/1e6) + 1
}

// countFresh counts the tickets in seen (big-endian uint32 ticks, as the
// scripts write them) that polled within the abandon window at tick cur.
// The scan is Go's, not Lua's: a hundred thousand tickets take Go a tenth
// of a millisecond, and would hold Redis for tens.
func countFresh(seen string, cur uint32, abandon time.Duration) int {
	w := 0
	for i := 0; i+4 <= len(seen); i += 4 {
		t := uint32(seen[i])<<24 | uint32(seen[i+1])<<16 | uint32(seen[i+2])<<8 | uint32(seen[i+3])
		if redisFresh(t, cur, abandon) {
			w++
		}
	}
	return w
}

// redisFresh is fresh for the scripts' 32-bit ticks (Lua's numbers hold
// them exactly, and Redis memory is not the gateway's): zero is gone, the
// highest value left, and a tick after cur is fresh, not 136 years old.
func redisFresh(t, cur uint32, abandon time.Duration) bool {
	return t != 0 && t != ^uint32(0) && (t >= cur || int64(cur-t) <= int64(abandon/time.Second))
}
