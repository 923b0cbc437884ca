package memstore

import (
	"time"

	"github.com/anteroom/anteroom/queue"
)

// A memory room's indexes: what the store derives from its saved fields to
// find its work without walking them. Sessions, calls and claims are filed
// by the time they may fall due (due.go), ends are logged in time order
// (endlog.go) and the poll record's stamps are counted by value
// (waiting.go). Each write to those fields goes through the helpers below,
// which keep the indexes, and any copy Save is making (snapshot.go), in
// step.
type roomIndex struct {
	// sessions files each session at or before its last refresh; a
	// refresh files nothing, the sweep files a session again when it
	// finds it refreshed. A refresh that moves the time back (a caller
	// whose clock lags) files a second entry; the later one is dropped
	// when met, or, if the session was refreshed past it, lives on beside
	// it until the session ends.
	sessions dueQueue[string]
	calls    dueQueue[uint64] // each call at its time
	// claims files each claim at its time, then, while its session lives,
	// at the moment the session could next expire.
	claims dueQueue[uint64]
	ends   endLog
	polls  pollCount
	// saving is the copy Save is making of the room, nil when none.
	saving *roomCopy
}

// stampSession sets session sid's last refresh to ns.
func (r *memRoom) stampSession(sid string, ns int64) {
	if c := r.ix.saving; c != nil {
		c.sessions.note(r.Sessions, sid)
	}
	old, ok := r.Sessions[sid]
	r.Sessions[sid] = ns
	if !ok || ns < old {
		r.ix.sessions.add(ns, sid)
	}
}

func (r *memRoom) dropSession(sid string) {
	if c := r.ix.saving; c != nil {
		c.sessions.note(r.Sessions, sid)
	}
	delete(r.Sessions, sid)
}

// setEnded records session sid as ended at at, no earlier than it was.
func (r *memRoom) setEnded(sid string, at int64) {
	if old, ok := r.Ended[sid]; ok && old == at {
		return
	}
	if c := r.ix.saving; c != nil {
		c.ended.note(r.Ended, sid)
	}
	r.Ended[sid] = at
	r.ix.ends.add(at, sid)
}

func (r *memRoom) call(n uint64, ns int64) {
	if c := r.ix.saving; c != nil {
		c.calls.note(r.Calls, n)
	}
	r.Calls[n] = ns
	r.ix.calls.add(ns, n)
}

func (r *memRoom) uncall(n uint64) {
	if _, ok := r.Calls[n]; !ok {
		return
	}
	if c := r.ix.saving; c != nil {
		c.calls.note(r.Calls, n)
	}
	delete(r.Calls, n)
}

func (r *memRoom) addClaim(n uint64, cl claim) {
	if c := r.ix.saving; c != nil {
		c.claims.note(r.Claims, n)
	}
	r.Claims[n] = cl
	r.ix.claims.add(cl.At, n)
}

// expire ends sessions past their life and forgets what no longer
// matters: the work is what falls due, whatever else the room holds.
func (r *memRoom) expire(p queue.Policy, now time.Time) {
	ns := now.UnixNano()
	life := int64(p.SessionTTL + queue.SessionGrace)
	r.ix.sessions.sweep(ns-life, func(sid string, filed int64) (int64, bool) {
		at, ok := r.Sessions[sid]
		switch {
		case !ok || at < filed: // gone, or filed again earlier
			return 0, false
		case ns-at > life:
			r.dropSession(sid)
			return 0, false
		}
		return at, true
	})
	// Ended sessions are kept while a token of theirs could verify.
	r.ix.ends.expire(ns-int64(p.SessionTTL+queue.EndedSlack), func(sid string, at int64) {
		if r.Ended[sid] == at { // else ended again later, and logged then
			if c := r.ix.saving; c != nil {
				c.ended.note(r.Ended, sid)
			}
			delete(r.Ended, sid)
		}
	})
	window := int64(p.ClaimWindow)
	r.ix.calls.sweep(ns-window, func(n uint64, filed int64) (int64, bool) {
		at, ok := r.Calls[n]
		switch {
		case !ok || at < filed:
			return 0, false
		case ns-at > window:
			r.uncall(n)
			r.Forfeited++
			return 0, false
		}
		return at, true
	})
	// A claim is remembered while its session lives, so a retry that comes
	// late (its answer was lost) still gets its session back. It is filed
	// no earlier than its time, so when it falls due it is old enough to
	// go once its session has. One whose session lives is looked at again
	// when the session could next expire (the sessions were swept above,
	// so that is not before now); one whose session was ended is
	// forgotten then, which no caller can tell from now: a claim of an
	// ended session is forfeited either way.
	r.ix.claims.sweep(ns-2*window, func(n uint64, _ int64) (int64, bool) {
		cl, ok := r.Claims[n]
		if !ok {
			return 0, false
		}
		if at, alive := r.Sessions[cl.SID]; alive {
			return max(at+life-2*window, ns-2*window), true
		}
		if c := r.ix.saving; c != nil {
			c.claims.note(r.Claims, n)
		}
		delete(r.Claims, n)
		return 0, false
	})
}

// index builds the indexes of a room just loaded. Stamps before the
// serving counter, which the store would have zeroed as it passed them
// and which nothing reads, are zeroed so that every stamp counted is one
// still in line.
func (r *memRoom) index() {
	r.ix = roomIndex{}
	for sid, at := range r.Sessions {
		r.ix.sessions.add(at, sid)
	}
	for sid, at := range r.Ended {
		r.ix.ends.add(at, sid)
	}
	for n, at := range r.Calls {
		r.ix.calls.add(at, n)
	}
	for n, cl := range r.Claims {
		r.ix.claims.add(cl.At, n)
	}
	from := r.countFrom()
	r.Polls.scan(0, from, func(t uint16) uint16 {
		if counted(t) {
			return 0
		}
		return t
	})
	r.Polls.scan(from, r.Polls.len(), func(t uint16) uint16 {
		r.ix.polls.add(t, 1)
		return t
	})
}
