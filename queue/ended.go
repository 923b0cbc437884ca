package queue

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Ended sessions. A session the origin revoked, or whose shopper left, is
// refused on every node for as long as any token ever signed for it could
// still verify — whichever of its tokens carried the revoke — and the store
// keeps refusing its refreshes for as long, so that it is never alive
// without being counted.
//
// Every token of a session is signed by a node that did not know it had
// ended: before the end (so it expires by the end plus the session's
// life), or on a node that had not heard of the end yet. EndedSlack covers
// the latter, and clocks that disagree.

// endedOverlap reaches back past the last ended session heard of: other
// nodes' clocks, whose times the store records, may lag this one.
const endedOverlap = 5 * time.Second

// EndedSlack is how long past its end plus the session's life an ended
// session is still refused, on every node and in the store. It covers a
// node that keeps re-signing the session's cookie until it hears of the
// end: it hears at its next sync with the store (a tick, 200 ms by
// default; a second allowed for a slow store), fetching from endedOverlap
// back (5 s); and clocks of nodes that disagree — a token signed on a fast
// clock, checked on a slow one — by as much as endedOverlap allows (5 s).
const EndedSlack = time.Second + endedOverlap + 5*time.Second

// endedUntil is how long a session ended at at is refused.
func endedUntil(at time.Time, ttl time.Duration) time.Time {
	return at.Add(ttl + EndedSlack)
}

// End ends a session now: the origin revoked it or the shopper left. It is
// refused on this node from now on, and on the others from their next
// tick. If the store cannot be told, the error says so and the end is sent
// again at the next tick.
func (r *Room) End(ctx context.Context, sid string) error {
	now := r.now()
	r.ended.add(sid, endedUntil(now, r.policy.Load().SessionTTL).UnixNano())
	if err := r.store.End(ctx, r.name, sid, now); err != nil {
		r.mu.Lock()
		r.ends = append(r.ends, sid)
		r.mu.Unlock()
		return fmt.Errorf("ending session: %w", err)
	}
	return nil
}

// forgetEnded drops the ended sessions whose tokens can no longer be
// valid. It runs every tick, whether or not the store answers, so that
// the set stays bounded through an outage.
func (r *Room) forgetEnded(now time.Time) {
	r.ended.sweep(now.UnixNano())
}

// learnEnded fetches the sessions other nodes ended since the last tick, so
// that a session revoked on one node is refused on every node, until the
// same time as on the node that ended it.
func (r *Room) learnEnded(ctx context.Context, ttl time.Duration) error {
	r.mu.Lock()
	since := r.endedCursor.Add(-endedOverlap)
	r.mu.Unlock()
	es, err := r.store.EndedSince(ctx, r.name, since)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return nil
	}
	latest := since
	r.fetched.mu.Lock()
	last, this := r.fetched.last, r.fetched.this
	clear(this)
	for _, e := range es {
		latest = maxTime(latest, e.At)
		until := endedUntil(e.At, ttl).UnixNano()
		this[e.ID] = until
		// Most of es came in the last fetch too (the overlap fetches it
		// again): that small map says so without a look into the whole
		// set, which a large sale has long left out of the CPU's caches.
		if u, ok := last[e.ID]; !ok || u < until {
			r.ended.add(e.ID, until)
		}
	}
	r.fetched.last, r.fetched.this = this, last
	r.fetched.mu.Unlock()
	r.mu.Lock()
	r.endedCursor = maxTime(r.endedCursor, latest)
	r.mu.Unlock()
	return nil
}

// lastFetch is what the previous fetch of ended sessions returned, by
// id, with the time each is refused through. An id fetched again needs
// adding to the set only if it was not in the last fetch, or comes with a
// later time. One the set has forgotten since can only be due: it needs no
// adding either. Two maps take turns, so a tick allocates nothing once
// they have grown to the size of a fetch.
type lastFetch struct {
	mu         sync.Mutex // one tick at a time
	last, this map[string]int64
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Ended reports whether session sid was ended, on this node or another.
// It is asked on every proxied request: one read-locked map lookup, in one
// of endedShards shards.
func (r *Room) Ended(sid string) bool {
	return r.ended.has(sid)
}
