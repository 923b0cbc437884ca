package queue

import "time"

// estimate fills in people ahead, the ETA range and the progress from the
// ETA view in force at now (eta.go, eta_shared.go): a function of the view
// and the ticket, so that every node reading the same view says the same.
// Tickets that stopped polling are not counted ahead: the share of tickets
// past the serving counter that still poll scales the distance.
func (r *Room) estimate(st *Status, snap *snapshot, t Ticket, now time.Time) {
	pos := st.Position
	if pos <= snap.Serving {
		return
	}
	v := snap.eta.at(now)
	p := *r.policy.Load()
	var mid float64
	var capacity bool
	st.Ahead, mid, capacity = v.ahead(v.c, p, pos)
	st.Progress = progress(v.c.Serving, pos, t.Line)
	if mid > 0 {
		st.ETALow, st.ETAHigh = v.etaRange(mid, capacity)
	}
	// When to poll again is no part of what the page shows: it goes by
	// this node's latest counters too, fresher than a shared view's, so
	// that a shopper whose turn is near polls every second and claims it
	// at once.
	near, nearMid := st.Ahead, mid
	if n := countsOf(&snap.Counters); n != v.c {
		near, nearMid, _ = v.ahead(n, p, pos)
	}
	st.PollAfterMS = r.pollAfter(min(st.Ahead, near))
	if soon := 2 * time.Duration(r.poll.Load()).Seconds(); (mid > 0 && mid < soon) || (nearMid > 0 && nearMid < soon) {
		st.PollAfterMS = r.pollAfter(1)
	}
}

// ahead is the people ahead of place pos and the estimated wait, in
// seconds, by the counters c and the model v.
func (v *etaView) ahead(c etaCounts, p Policy, pos uint64) (ahead uint64, mid float64, capacity bool) {
	var places uint64
	if pos > c.Serving {
		places = pos - c.Serving - 1
	}
	share := liveShare(c)
	mid, capacity = v.wait(c, p, places, share)
	return uint64(float64(places) * share), mid, capacity
}

// liveShare is the share of the tickets past the serving counter that
// still poll.
func liveShare(c etaCounts) float64 {
	behind := c.Issued - c.Serving
	if c.Serving >= c.Issued || uint64(c.Waiting) >= behind {
		return 1
	}
	return float64(c.Waiting) / float64(behind)
}

// progress is the share of the line ahead of a ticket when it was issued
// (the places from line to pos) that has been served: a function of the
// ticket and of the serving counter, which only grows, so it never goes
// back, and every node that read the same counter says the same.
func progress(serving, pos, line uint64) int {
	if line >= pos || serving <= line {
		return 0
	}
	return int(100 * (serving - line) / (pos - line))
}

// probe notes the estimates for the newest place in line and the middle
// one, for the model to check once they are served.
func (r *Room) probe(c Counters, p Policy, v etaView, now time.Time) {
	if !c.Opening.Opened || c.Serving >= c.Issued || r.paused.Load() {
		return
	}
	n := countsOf(&c)
	for _, pos := range []uint64{c.Issued, c.Serving + (c.Issued-c.Serving+1)/2} {
		_, mid, _ := v.ahead(n, p, pos)
		r.eta.note(pos, now, mid)
	}
}

// NewcomerETA is the range, in seconds, a shopper joining the line now
// would be shown; ok is false when nobody waits (a newcomer may be let in
// at once) or the room cannot tell.
func (r *Room) NewcomerETA() (low, high int, ok bool) {
	snap, now := r.snap.Load(), r.now()
	mid, capacity, ok := r.newcomerWait(snap, now)
	if !ok {
		return 0, 0, false
	}
	low, high = snap.eta.at(now).etaRange(mid, capacity)
	return low, high, true
}

// newcomerWait is the estimated wait of a shopper joining the line now,
// behind everyone in it, from the view in force.
func (r *Room) newcomerWait(snap *snapshot, now time.Time) (mid float64, capacity, ok bool) {
	if !snap.Opening.Opened || snap.Serving >= snap.Issued || snap.err != nil {
		return 0, false, false
	}
	v := snap.eta.at(now)
	_, mid, capacity = v.ahead(v.c, *r.policy.Load(), v.c.Issued+1)
	return mid, capacity, mid > 0
}
