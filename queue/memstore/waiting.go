package memstore

import (
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The waiting count of the memory store. Every stamp in the poll record is
// also counted by value (pollCount), so counting the line is a sum over
// the ticks of the abandon window's far side, a fixed 32k counters,
// instead of a read of two bytes per ticket under the store's lock.
//
// Stale stamps must still be cleared before the 16-bit clock comes round
// to them (see tickAge), but not all in one go: a sweep clears a stretch
// of the line at each count, enough to go over all of it within
// sweepPass. A stamp goes stale at least an hour before the clock could
// make it look fresh again (abandon_after is at most 8 h, half a wrap is
// about 9 h), so a pass of ten minutes has room to spare. For a line of up
// to sweepMin tickets the sweep covers all of it at every count, as the
// store always did.

// pollCount counts the poll record's stamps by value.
type pollCount struct {
	byTick []uint32 // by stamp, 1..tickSpan; nil until the first stamp
	total  int      // the stamps counted: every entry but zero and seenLeft
	// sweepAt is the next entry the clearing sweep looks at; sweptAt is
	// when it last ran, Unix ns.
	sweepAt uint64
	sweptAt int64
}

// sweepPass is how long the clearing sweep may take to go over the line;
// sweepMin is the least it clears at a count (about 10 µs), so that a line
// of a million is gone over in four minutes.
const (
	sweepPass = 10 * time.Minute
	sweepMin  = 4096
)

func counted(t uint16) bool { return t != 0 && t != seenLeft }

// move recounts an entry whose stamp changes from old to t.
func (c *pollCount) move(old, t uint16) {
	if counted(old) {
		c.byTick[old]--
		c.total--
	}
	c.add(t, 1)
}

// add counts n more entries stamped t.
func (c *pollCount) add(t uint16, n uint64) {
	if !counted(t) || n == 0 {
		return
	}
	if c.byTick == nil {
		c.byTick = make([]uint32, tickSpan+1)
	}
	c.byTick[t] += uint32(n)
	c.total += int(n)
}

// stale counts the stamps older than window seconds at tick cur: ages
// window+1 to tickSpan/2. Younger ones are fresh, and so are the negative
// ages of stamps made by a caller whose clock read a little later.
func (c *pollCount) stale(cur uint16, window int) int {
	if c.byTick == nil {
		return 0
	}
	from := max(window+1, -(tickSpan/2 - 1))
	if from > tickSpan/2 {
		return 0
	}
	t := uint16(((int(cur)-1-from)%tickSpan+tickSpan)%tickSpan + 1) // the stamp of age from
	n := 0
	for age := from; age <= tickSpan/2; age++ {
		n += int(c.byTick[t])
		if t == 1 {
			t = tickSpan
		} else {
			t--
		}
	}
	return n
}

// setPoll stores stamp t for ticket index i (0-based), keeping the count.
func (r *memRoom) setPoll(i uint64, t uint16) {
	r.ix.polls.move(r.Polls.get(i), t)
	r.Polls.set(i, t)
}

// growPolls appends entries stamped t until there are n.
func (r *memRoom) growPolls(n uint64, t uint16) {
	if n > r.Polls.len() {
		r.ix.polls.add(t, n-r.Polls.len())
	}
	r.Polls.grow(n, t)
}

// countFrom is the first entry still in line: every ticket before the
// serving counter had its turn, once the pre-queue's shuffled part is
// behind it.
func (r *memRoom) countFrom() uint64 {
	if !r.Opening.Random || r.Serving >= r.Opening.PrequeueEnd {
		return min(r.Serving, r.Polls.len())
	}
	return 0
}

// countWaiting counts the tickets still in line that polled within the
// abandon window, then clears a stretch of the stale stamps. Entries
// before countFrom hold no stamp counted (the serving counter zeroes them
// as it passes), so every stamp counted is in line.
func (r *memRoom) countWaiting(p queue.Policy, now time.Time) {
	cur := r.tick(now)
	window := int(p.AbandonAfter / time.Second)
	r.Waiting = r.ix.polls.total - r.ix.polls.stale(cur, window)
	r.WaitingAt = now.UnixNano()
	r.sweepStale(cur, window, now.UnixNano())
}

// sweepStale zeroes the stamps older than the window in the next stretch
// of the line, sized to go over all of it within sweepPass (all of it at
// once after a pause as long). A stamp zeroed is one the store would have
// counted as abandoned anyway; a ticket that polls again is stamped anew.
func (r *memRoom) sweepStale(cur uint16, window int, ns int64) {
	c := &r.ix.polls
	from, n := r.countFrom(), r.Polls.len()
	if from >= n {
		return
	}
	span := n - from
	budget := min(uint64(sweepMin), span)
	switch elapsed := ns - c.sweptAt; {
	case c.sweptAt == 0 || elapsed >= int64(sweepPass):
		budget = span
	case elapsed > 0:
		budget = max(budget, uint64(float64(span)*float64(elapsed)/float64(sweepPass)))
	}
	c.sweptAt = max(c.sweptAt, ns)
	i := max(c.sweepAt, from)
	for budget > 0 {
		if i >= n {
			i = from
		}
		end := min(i+budget, n)
		r.Polls.scan(i, end, func(t uint16) uint16 {
			if counted(t) && tickAge(t, cur) > window {
				c.move(t, 0)
				return 0
			}
			return t
		})
		budget -= end - i
		i = end
	}
	c.sweepAt = i
}
