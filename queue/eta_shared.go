package queue

import (
	"context"
	"errors"
	"time"
)

// One ETA model for the room, whatever the number of nodes. Each node
// samples its own model at every etaEvery slot (eta.go) and offers the
// view to the store; the first offer for a slot is kept, and every node
// estimates from that one, counters and learnt spread included. A view
// comes into force etaSettle into its slot, the same instant on every
// node, although each node hears of it at its own tick: two nodes asked at
// once then read the same view and give the same range. The view is up to
// a slot and etaSettle old; TestETANodes finds the ranges hold as well as
// each node's own, fresher, did.
//
// A store that keeps no shared model (the memory store: one node) leaves
// each node with its own model, in force as soon as sampled. A store
// error, or a stored view this node cannot trust, does the same for that
// slot: the page never waits on it.

// ETAStore keeps a room's ETA model for every node, beside the queue state.
// Views are opaque to the store.
type ETAStore interface {
	// PublishETA stores view as room's ETA model for etaEvery slot slot,
	// unless one is stored for it already, and returns the one stored: the
	// first call's, on every node. A store keeps a slot's view for at
	// least a minute. ErrNoSharedETA: the store keeps none (a wrapper over
	// a store that does not).
	PublishETA(ctx context.Context, room string, slot int64, view []byte) ([]byte, error)
}

// ErrNoSharedETA means the store keeps no shared ETA model: each node keeps
// its own.
var ErrNoSharedETA = errors.New("queue: the store keeps no shared ETA model")

var _ ETAStore = (*bounded)(nil)

// PublishETA implements ETAStore, bounded like every other call.
func (b *bounded) PublishETA(ctx context.Context, room string, slot int64, view []byte) ([]byte, error) {
	es, ok := b.Store.(ETAStore)
	if !ok {
		return nil, ErrNoSharedETA
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return es.PublishETA(ctx, room, slot, view)
}

// etaViews is what estimates read: the view in force and, once heard, the
// next slot's, in force from nextFrom.
type etaViews struct {
	cur, next etaView
	nextFrom  time.Time // zero: no next view
}

// at is the view in force at now; estimates read it in place, on every
// status poll.
func (e *etaViews) at(now time.Time) *etaView {
	if !e.nextFrom.IsZero() && !now.Before(e.nextFrom) {
		return &e.next
	}
	return &e.cur
}

// promoted drops what is out of force at now.
func (e etaViews) promoted(now time.Time) etaViews {
	if !e.nextFrom.IsZero() && !now.Before(e.nextFrom) {
		return etaViews{cur: e.next}
	}
	return e
}

// slotEnd is when slot ends.
func slotEnd(slot int64) time.Time {
	return time.Unix(0, (slot+1)*int64(etaEvery))
}

// etaSettle is how long after its slot began a shared view comes into
// force: by then every node has heard of it, ticking several times a
// second (the gateway's rooms tick every 200 ms). A node that ticks less
// often, or whose store call is slow, answers from the slot before for a
// moment.
const etaSettle = time.Second

// inForce is when the view of slot comes into force.
func inForce(slot int64) time.Time {
	return time.Unix(0, slot*int64(etaEvery)).Add(etaSettle)
}

// shareETA samples the ETA model from the counters c read at now and sets
// the views estimates read (Room.views). It calls the store without r.mu,
// as every store call of the tick does.
func (r *Room) shareETA(ctx context.Context, c Counters, p Policy, now time.Time) {
	r.mu.Lock()
	v, sampled := r.eta.sample(now, c, p, r.paused.Load())
	if sampled {
		r.probe(c, p, v, now)
	}
	es := r.etaStore
	if es == nil {
		// Alone: the latest counters at every tick, the model at every
		// slot, in force at once.
		if sampled {
			r.views = etaViews{cur: v}
		} else {
			r.views.cur = r.views.cur.counted(c, now)
		}
		r.mu.Unlock()
		return
	}
	r.views = r.views.promoted(now)
	r.mu.Unlock()
	if !sampled {
		return
	}
	shared, err := r.publishETA(ctx, es, v)

	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(err, ErrNoSharedETA):
		r.etaStore = nil
		r.views = etaViews{cur: v}
	case err != nil:
		if !r.etaAlone {
			r.log.Warn("ETA model not shared: this node estimates from its own until the store's can be read", "err", err)
			r.etaAlone = true
		}
		// Its own, in force at once: read later than the view in force,
		// its serving counter is no lower, so progress does not go back.
		r.views = etaViews{cur: v}
	default:
		if r.etaAlone {
			r.log.Info("ETA model shared again")
			r.etaAlone = false
		}
		if r.views.cur.at.IsZero() {
			// The node just started: the room's view at once, rather
			// than its own and then an older read of the counters.
			r.views.cur = shared
		}
		r.views.next, r.views.nextFrom = shared, inForce(v.slot)
	}
}

// publishETA offers v to the store and returns the view stored for its
// slot, checked.
func (r *Room) publishETA(ctx context.Context, es ETAStore, v etaView) (etaView, error) {
	b, err := encodeETA(v)
	if err != nil {
		return etaView{}, err
	}
	got, err := es.PublishETA(ctx, r.name, v.slot, b)
	if err != nil {
		return etaView{}, err
	}
	return decodeETA(got, v.slot)
}
