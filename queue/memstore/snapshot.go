package memstore

import (
	"iter"
	"maps"
	"runtime"
	"slices"
)

// Save's copy of the store. Encoding a big drop's state takes a good part
// of a second, and even a plain copy of its maps takes milliseconds, far
// too long to hold the lock every request takes. So the copy is made as of
// one instant but a slice at a time: under the lock, the counters are
// copied, the poll record is shared chunk by chunk (a chunk is copied
// before the store next writes it, seen.go) and the stock is cloned; then
// the session, end, call and claim maps are copied copyBatch entries per
// hold of the lock, while the store goes on. Before the store changes an
// entry of a map being copied, it notes what the entry held (index.go),
// and the copy puts that back at the end: whatever an entry held at the
// instant the copy began is what the copy has, so the copy passes the
// loader's checks as the store itself would.

// copyBatch bounds the map entries copied under one hold of the lock:
// each costs about 300 ns (a step of the map's iterator), so a slice
// holds it for about 0.3 ms.
const copyBatch = 1024

// mapCopy copies map m as it was when the copy began.
type mapCopy[K comparable, V any] struct {
	next  func() (K, V, bool) // the rest of m, in m's order; nil once done
	stop  func()
	size  int // m's entries at the start
	pairs []pair[K, V]
	was   map[K]was[V] // what the entries changed since the start held
}

type pair[K comparable, V any] struct {
	k K
	v V
}

// was is what a map entry held: ok is false for no entry.
type was[V any] struct {
	v  V
	ok bool
}

func newMapCopy[K comparable, V any](m map[K]V) *mapCopy[K, V] {
	// A range over a map that changes between steps yields every entry
	// left unchanged once, and the changed ones are put right at the end.
	next, stop := iter.Pull2(maps.All(m))
	return &mapCopy[K, V]{next: next, stop: stop, size: len(m), was: make(map[K]was[V])}
}

// alloc makes room for the copy; called without the lock, so that the
// lock is not held while memory is zeroed.
func (c *mapCopy[K, V]) alloc() { c.pairs = make([]pair[K, V], 0, c.size) }

// note records what entry k of m holds before the store changes it; the
// first change is the one that counts.
func (c *mapCopy[K, V]) note(m map[K]V, k K) {
	if _, ok := c.was[k]; ok {
		return
	}
	v, ok := m[k]
	c.was[k] = was[V]{v, ok}
}

// step copies up to *budget entries, taking them from it, and reports
// whether the whole map is copied.
func (c *mapCopy[K, V]) step(budget *int) bool {
	for c.next != nil && *budget > 0 {
		k, v, ok := c.next()
		if !ok {
			c.stop()
			c.next = nil
			break
		}
		c.pairs = append(c.pairs, pair[K, V]{k, v})
		*budget--
	}
	return c.next == nil
}

// abort ends the copy early.
func (c *mapCopy[K, V]) abort() {
	if c.next != nil {
		c.stop()
		c.next = nil
	}
}

// result is the map as it was at the start. The store must no longer be
// noting changes.
func (c *mapCopy[K, V]) result() map[K]V {
	out := make(map[K]V, len(c.pairs))
	for _, p := range c.pairs {
		out[p.k] = p.v
	}
	c.pairs = nil
	for k, w := range c.was {
		if w.ok {
			out[k] = w.v
		} else {
			delete(out, k)
		}
	}
	return out
}

// roomCopy is the copy of one room in the making.
type roomCopy struct {
	from     *memRoom
	room     *memRoom // all but the maps below, as of the start
	sessions *mapCopy[string, int64]
	ended    *mapCopy[string, int64]
	calls    *mapCopy[uint64, int64]
	claims   *mapCopy[uint64, claim]
}

// startCopy begins a copy of r as it is now; the caller holds the lock.
func (r *memRoom) startCopy() *roomCopy {
	out := *r
	out.Sessions, out.Ended, out.Calls, out.Claims = nil, nil, nil, nil
	out.Polls = r.Polls.share()
	out.Stock = r.Stock.clone()
	out.ix = roomIndex{}
	c := &roomCopy{from: r, room: &out,
		sessions: newMapCopy(r.Sessions), ended: newMapCopy(r.Ended),
		calls: newMapCopy(r.Calls), claims: newMapCopy(r.Claims)}
	r.ix.saving = c
	return c
}

// alloc makes room for the copy, without the lock.
func (c *roomCopy) alloc() {
	c.sessions.alloc()
	c.ended.alloc()
	c.calls.alloc()
	c.claims.alloc()
}

// step copies up to *budget map entries; the caller holds the lock.
func (c *roomCopy) step(budget *int) bool {
	return c.sessions.step(budget) && c.ended.step(budget) && c.calls.step(budget) && c.claims.step(budget)
}

// end stops the store noting changes for the copy; the caller holds the
// lock. The poll record stays shared until the copy is read (release).
func (c *roomCopy) end() {
	c.sessions.abort()
	c.ended.abort()
	c.calls.abort()
	c.claims.abort()
	c.from.ix.saving = nil
}

// result is the room as it was at the start; after end.
func (c *roomCopy) result() *memRoom {
	r := c.room
	r.Sessions, r.Ended = c.sessions.result(), c.ended.result()
	r.Calls, r.Claims = c.calls.result(), c.claims.result()
	return r
}

// clone copies the stock whole: its holds are bounded by the units on
// sale, a few thousand in a drop.
func (st *memStock) clone() memStock {
	c := *st
	c.Holds = maps.Clone(st.Holds)
	c.BySession = maps.Clone(st.BySession)
	c.Bought = maps.Clone(st.Bought)
	c.Due = slices.Clone(st.Due)
	return c
}

// copyState copies every room as of one instant, holding the lock for
// copyBatch map entries at a time. The copy shares the rooms' poll
// records until release is called, once it is no longer read.
func (s *Store) copyState() (rooms map[string]*memRoom, release func()) {
	t := s.lock()
	copies := make(map[string]*roomCopy, len(s.rooms))
	for name, r := range s.rooms {
		copies[name] = r.startCopy()
	}
	s.unlock(t)
	for _, c := range copies {
		c.alloc()
	}
	for done := false; !done; {
		runtime.Gosched() // let requests waiting on the lock have it
		t := s.lock()
		done = true
		budget := copyBatch
		for _, c := range copies {
			if !c.step(&budget) {
				done = false
				break
			}
		}
		s.unlock(t)
	}
	t = s.lock()
	for _, c := range copies {
		c.end()
	}
	s.unlock(t)
	rooms = make(map[string]*memRoom, len(copies))
	for name, c := range copies {
		rooms[name] = c.result()
	}
	return rooms, func() {
		t := s.lock()
		defer s.unlock(t)
		for _, c := range copies {
			c.from.Polls.unshare()
		}
	}
}
