package queue

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// RoomState is what a room as a whole is doing, as operators see it (the
// admin API, the metrics, the dashboard); State is one shopper's.
type RoomState string

// The room states of the admin API.
const (
	RoomOpen     RoomState = "open"
	RoomPrequeue RoomState = "prequeue"
	RoomPaused   RoomState = "paused"
	RoomClosed   RoomState = "closed"
	RoomSoldOut  RoomState = "sold_out"
)

// RoomStates lists every RoomState, in the order the metrics show them.
var RoomStates = []RoomState{RoomOpen, RoomPrequeue, RoomPaused, RoomClosed, RoomSoldOut}

// Events counts what this node did for a room since it started. Each
// count is one atomic add on the path that does the thing, so counting
// costs the request path next to nothing; sums over nodes are the room's.
type Events struct {
	// Arrivals are tickets handed out (a new place after a forfeited turn
	// included) and arrivals admitted at once: every entry into the room.
	Arrivals uint64
	// Immediate are arrivals admitted at once; Claimed are tickets whose
	// turn came and that took their session.
	Immediate, Claimed uint64
	// Released are holds returned to stock by the origin's answer.
	Released uint64
	// Revoked are sessions the origin ended (X-Anteroom-Command: revoke).
	Revoked uint64
}

// events is Events as the engine counts them.
type events struct {
	arrivals, immediate, claimed, released, revoked atomic.Uint64
}

// Events returns what this node counted for the room.
func (r *Room) Events() Events {
	return Events{
		Arrivals:  r.events.arrivals.Load(),
		Immediate: r.events.immediate.Load(),
		Claimed:   r.events.claimed.Load(),
		Released:  r.events.released.Load(),
		Revoked:   r.events.revoked.Load(),
	}
}

// Revoke ends a session because the origin said so: End, counted.
func (r *Room) Revoke(ctx context.Context, sid string) error {
	r.events.revoked.Add(1)
	return r.End(ctx, sid)
}

// Overview is the room as operators see it, from the counters the last
// tick cached: reading it touches no store and takes no lock.
type Overview struct {
	State    RoomState
	Counters Counters
	// At is when the counters were read from the store; Err is the
	// store's last failure, nil when it answered.
	At  time.Time
	Err error
	// AdmittedPerSecond is the admission rate, smoothed over about a
	// minute and a half (eta.go); 0 while not known.
	AdmittedPerSecond float64
	// ETASeconds is how long a newcomer would wait now: the middle of the
	// range the waiting page would show them (eta.go); 0 when nobody
	// waits.
	ETASeconds int
	Policy     Policy
	Schedule   Schedule
	// Stocked is set when the room sells limited stock.
	Stocked bool
}

// Overview returns the room's live figures.
func (r *Room) Overview() Overview {
	snap, now := r.snap.Load(), r.now()
	o := Overview{
		Counters:          snap.Counters,
		At:                snap.at,
		Err:               snap.err,
		AdmittedPerSecond: snap.eta.at(now).admitRate,
		Policy:            *r.policy.Load(),
		Schedule:          *r.sched.Load(),
		Stocked:           r.units.Load() > 0,
	}
	o.State = r.roomState(&o.Schedule, snap)
	if mid, _, ok := r.newcomerWait(snap, now); ok {
		o.ETASeconds = int(math.Ceil(mid))
	}
	return o
}

// roomState names where the room stands: its schedule first (a closed
// room is closed, paused or not), then an operator's pause, then stock.
func (r *Room) roomState(s *Schedule, snap *snapshot) RoomState {
	switch s.phase(r.now()) {
	case phaseClosed:
		return RoomClosed
	case phaseEarly, phasePrequeue:
		return RoomPrequeue
	}
	switch {
	case r.paused.Load():
		return RoomPaused
	case r.soldOut(snap):
		return RoomSoldOut
	}
	return RoomOpen
}
