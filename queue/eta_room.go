package queue

import "time"

// estimate fills in people ahead, the ETA range and the progress from the
// cached counters and the ETA model (eta.go). Tickets that stopped polling
// are not counted ahead: the share of tickets past the serving counter
// that still poll scales the distance.
func (r *Room) estimate(st *Status, snap *snapshot, t Ticket, now time.Time) {
	pos := st.Position
	if pos <= snap.Serving {
		return
	}
	places := pos - snap.Serving - 1
	share := liveShare(snap.Counters)
	st.Ahead = uint64(float64(places) * share)
	st.Progress = progress(snap.Serving, pos, t.Line)
	mid, capacity := snap.eta.wait(snap.Counters, *r.policy.Load(), places, share)
	st.PollAfterMS = r.pollAfter(st.Ahead)
	if mid > 0 {
		st.ETALow, st.ETAHigh = snap.eta.etaRange(mid, capacity)
		if mid < 2*time.Duration(r.poll.Load()).Seconds() {
			st.PollAfterMS = r.pollAfter(1)
		}
	}
}

// liveShare is the share of the tickets past the serving counter that
// still poll.
func liveShare(c Counters) float64 {
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
	share := liveShare(c)
	for _, pos := range []uint64{c.Issued, c.Serving + (c.Issued-c.Serving+1)/2} {
		mid, _ := v.wait(c, p, pos-c.Serving-1, share)
		r.eta.note(pos, now, mid)
	}
}

// NewcomerETA is the range, in seconds, a shopper joining the line now
// would be shown; ok is false when nobody waits (a newcomer may be let in
// at once) or the room cannot tell.
func (r *Room) NewcomerETA() (low, high int, ok bool) {
	mid, capacity, ok := r.newcomerWait(r.snap.Load())
	if !ok {
		return 0, 0, false
	}
	low, high = r.snap.Load().eta.etaRange(mid, capacity)
	return low, high, true
}

// newcomerWait is the estimated wait of a shopper joining the line now,
// behind everyone in it.
func (r *Room) newcomerWait(snap *snapshot) (mid float64, capacity, ok bool) {
	if !snap.Opening.Opened || snap.Serving >= snap.Issued || snap.err != nil {
		return 0, false, false
	}
	mid, capacity = snap.eta.wait(snap.Counters, *r.policy.Load(), snap.Issued-snap.Serving, liveShare(snap.Counters))
	return mid, capacity, mid > 0
}
