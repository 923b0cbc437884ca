package memstore

import (
	"cmp"
	"slices"
)

// endLog lists the memory store's ended sessions in the order of their end
// times, so that EndedSince reads only the ends since its cursor and
// expiry pops only the ends whose time is up. An end is stamped with the
// latest time the store heard of (see End), so ends arrive in order and
// are appended; only a loaded file's ends stamped later than that (older
// versions did) go in before the tail.
//
// A session ended again gets a second entry at its new time; the first
// no longer matches the Ended map and is passed over where it is met.
type endLog struct {
	entries []dueEntry[string] // ascending at; entries[0] is the oldest
}

// add logs session sid as ended at at.
func (l *endLog) add(at int64, sid string) {
	e := dueEntry[string]{at: at, key: sid}
	n := len(l.entries)
	if n == 0 || l.entries[n-1].at <= at {
		l.entries = append(l.entries, e)
		return
	}
	i, _ := slices.BinarySearchFunc(l.entries, at+1, func(e dueEntry[string], t int64) int { return cmp.Compare(e.at, t) })
	l.entries = slices.Insert(l.entries, i, e)
}

// since returns the entries at or after since. It searches back from the
// tail, where the ends a tick asks for are, in steps that double: the
// work grows with the ends returned, not with all those logged.
func (l *endLog) since(since int64) []dueEntry[string] {
	n := len(l.entries)
	lo, hi := n, n // entries[hi:] are at or after since
	for step := 1; ; step *= 2 {
		lo = max(hi-step, 0)
		if lo == 0 || l.entries[lo].at < since {
			break
		}
		hi = lo
	}
	i, _ := slices.BinarySearchFunc(l.entries[lo:hi], since, func(e dueEntry[string], t int64) int { return cmp.Compare(e.at, t) })
	return l.entries[lo+i:]
}

// expire takes out the entries logged before cutoff, oldest first, and
// hands each to drop.
func (l *endLog) expire(cutoff int64, drop func(sid string, at int64)) {
	i := 0
	for i < len(l.entries) && l.entries[i].at < cutoff {
		drop(l.entries[i].key, l.entries[i].at)
		l.entries[i] = dueEntry[string]{} // let go of the id
		i++
	}
	l.entries = l.entries[i:]
	if len(l.entries) == 0 {
		l.entries = nil // give the array back
	}
}

func (l *endLog) len() int { return len(l.entries) }
