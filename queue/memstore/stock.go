package memstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// Stock in memory. A hold is a record in memStock.Holds; the unit it takes
// is counted in Held while the record is live and moves to Sold when it is
// confirmed. Every change of a record from live to anything else is made
// under the store's lock and is the only thing that gives a held unit
// back, so a hold returns to stock exactly once whatever races with it.

// holdState is what became of a hold.
type holdState uint8

const (
	holdLive     holdState = iota + 1 // holds a unit until it expires
	holdSold                          // confirmed
	holdReleased                      // given back before its time
	holdExpired                       // not confirmed in time
)

// memHold is one hold's record.
type memHold struct {
	Session string
	Until   int64 // Unix ns; the hold is over at Until
	State   holdState
	Ended   int64 // when it stopped being live, Unix ns
}

// memStock is one room's stock. Times are Unix nanoseconds, as in memRoom.
type memStock struct {
	// Set is false until InitStock or SetStock gives the room a figure.
	Set               bool
	Units, Held, Sold int
	Expired           int                // holds ended as holdExpired, ever
	Holds             map[string]memHold // by hold id: live ones and recently ended ones
	BySession         map[string]string  // session id -> its live hold's id
	Due               []holdDue          // a min-heap: when to look at each hold next
	// Bought is the units sold to each session; with the session's live
	// hold (BySession) it is what inventory.per_session bounds. Only a
	// session that bought has an entry, so there are at most Sold of them,
	// never more than the units ever put on sale (about 100 bytes each: a
	// 2,000-unit drop keeps 200 KB at most). They are kept for the room's
	// life: a session lives for as long as it keeps making requests, so no
	// age is safe to forget it at. Nil until the first sale (see sellTo).
	Bought map[string]int
}

// holdDue is when to look at hold ID next: a live hold at its expiry, an
// ended one when its record is to be forgotten. Each record has exactly one
// entry, so the heap is as long as Holds.
type holdDue struct {
	At int64
	ID string
}

func newMemStock() memStock {
	return memStock{Holds: make(map[string]memHold), BySession: make(map[string]string)}
}

// expire ends the live holds whose time has come by now and forgets the
// records kept long enough.
func (st *memStock) expire(now int64) {
	for len(st.Due) > 0 && st.Due[0].At <= now {
		d := st.pop()
		h, ok := st.Holds[d.ID]
		if !ok {
			continue
		}
		if h.State == holdLive {
			// A live hold's entry is at its Until.
			st.end(d.ID, h, holdExpired, h.Until)
			h = st.Holds[d.ID]
		}
		if forget := h.Ended + int64(queue.HoldKeep); forget > now {
			st.push(forget, d.ID)
		} else {
			delete(st.Holds, d.ID)
		}
	}
}

// end ends live hold id, giving its unit back (or moving it to Sold).
// Called only on a live hold: that is what makes each unit come back once.
func (st *memStock) end(id string, h memHold, state holdState, at int64) {
	h.State, h.Ended = state, at
	st.Holds[id] = h
	st.Held--
	switch state {
	case holdSold:
		st.sellTo(h.Session)
	case holdExpired:
		st.Expired++
	}
	if st.BySession[h.Session] == id {
		delete(st.BySession, h.Session)
	}
}

// sellTo counts a unit sold to session sid: empty when the store no longer
// knows whose hold it was. The map is made here, on the first sale, since
// a saved store loads it nil (gob drops empty maps, and older files have
// none).
func (st *memStock) sellTo(sid string) {
	st.Sold++
	if sid == "" {
		return
	}
	if st.Bought == nil {
		st.Bought = make(map[string]int)
	}
	st.Bought[sid]++
}

// checkPerSession reports whether the per-session counts of a loaded
// store agree with the rest of it: each entry names a session and counts
// at least one unit, and together they count no more than were sold. (A
// count above inventory.per_session is no inconsistency: the limit may
// have been lowered, or a late sale counted.)
func (st *memStock) checkPerSession() error {
	total := 0
	for sid, n := range st.Bought {
		switch {
		case sid == "":
			return errors.New("stock: units bought by a session with no id")
		case n < 1:
			return fmt.Errorf("stock: session %q bought %d units", sid, n)
		case n > st.Sold-total: // never overflows: total <= Sold so far
			return fmt.Errorf("stock: sessions bought more units than the %d sold", st.Sold)
		}
		total += n
	}
	return nil
}

// left is the units nobody holds or has bought.
func (st *memStock) left() int { return st.Units - st.Held - st.Sold }

// report is the stock as of at: live holds due by then count as returned,
// although nothing has expired them yet (Counters changes nothing).
func (st *memStock) report(at int64) queue.Stock {
	due := st.dueLive(at, 0)
	return queue.Stock{Set: st.Set, Units: st.Units, Held: st.Held - due, Sold: st.Sold, Expired: st.Expired + due}
}

// dueLive counts the live holds due by at in the heap below entry i. Only
// entries due by at are visited: a heap's children are never due earlier.
func (st *memStock) dueLive(at int64, i int) int {
	if i >= len(st.Due) || st.Due[i].At > at {
		return 0
	}
	n := 0
	if st.Holds[st.Due[i].ID].State == holdLive {
		n = 1
	}
	return n + st.dueLive(at, 2*i+1) + st.dueLive(at, 2*i+2)
}

func (st *memStock) push(at int64, id string) {
	st.Due = append(st.Due, holdDue{At: at, ID: id})
	for i := len(st.Due) - 1; i > 0; {
		p := (i - 1) / 2
		if st.Due[p].At <= st.Due[i].At {
			break
		}
		st.Due[p], st.Due[i] = st.Due[i], st.Due[p]
		i = p
	}
}

func (st *memStock) pop() holdDue {
	d := st.Due[0]
	n := len(st.Due) - 1
	st.Due[0] = st.Due[n]
	st.Due[n] = holdDue{}
	st.Due = st.Due[:n]
	for i := 0; ; {
		m := 2*i + 1
		if m >= n {
			break
		}
		if r := m + 1; r < n && st.Due[r].At < st.Due[m].At {
			m = r
		}
		if st.Due[i].At <= st.Due[m].At {
			break
		}
		st.Due[i], st.Due[m] = st.Due[m], st.Due[i]
		i = m
	}
	if n == 0 {
		st.Due = nil // as a saved and loaded store has it
	}
	return d
}

// lived reports whether the room has a past: a ticket issued, an opening,
// sessions, or a stock figure. Such a room's stock is not taken from the
// configuration again, so that a store that lost its count does not come
// back with all of it.
func (r *memRoom) lived() bool {
	return r.Issued > 0 || r.Opening.Opened || r.Stock.Set || len(r.Stock.Holds) > 0 || len(r.Stock.Bought) > 0 ||
		len(r.Sessions) > 0 || len(r.Ended) > 0 || len(r.Calls) > 0 || len(r.Claims) > 0
}

// InitStock implements queue.Store.
func (s *Store) InitStock(_ context.Context, room string, units int, now time.Time) (queue.Stock, error) {
	if err := queue.CheckUnits(room, units); err != nil {
		return queue.Stock{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	r.Stock.expire(now.UnixNano())
	if !r.lived() {
		r.Stock.Set, r.Stock.Units = true, units
	}
	return r.Stock.report(r.Last), nil
}

// SetStock implements queue.Store.
func (s *Store) SetStock(_ context.Context, room string, units int, now time.Time) (queue.Stock, error) {
	if err := queue.CheckUnits(room, units); err != nil {
		return queue.Stock{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	r.Stock.expire(now.UnixNano())
	r.Stock.Set, r.Stock.Units = true, units
	return r.Stock.report(r.Last), nil
}

// Hold implements queue.Store.
func (s *Store) Hold(_ context.Context, room, sid, hid string, perSession int, until, now time.Time) (queue.Hold, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.room(room, now).Stock
	st.expire(now.UnixNano())
	if h, ok := st.Holds[hid]; ok {
		if h.State == holdLive || h.State == holdSold {
			return queue.Hold{ID: hid, Session: h.Session, Expires: time.Unix(0, h.Until).UTC()}, nil
		}
		return queue.Hold{}, queue.ErrHoldGone
	}
	if id, ok := st.BySession[sid]; ok {
		return queue.Hold{ID: id, Session: sid, Expires: time.Unix(0, st.Holds[id].Until).UTC()}, nil
	}
	// With no live hold, the session's count is what was sold to it.
	if st.Bought[sid] >= max(perSession, 1) {
		return queue.Hold{}, queue.ErrSessionLimit
	}
	if !st.Set {
		return queue.Hold{}, queue.ErrNoStock
	}
	if st.left() <= 0 {
		return queue.Hold{}, queue.ErrSoldOut
	}
	u := until.UnixNano()
	st.Holds[hid] = memHold{Session: sid, Until: u, State: holdLive}
	st.BySession[sid] = hid
	st.Held++
	st.push(u, hid)
	return queue.Hold{ID: hid, Session: sid, Expires: time.Unix(0, u).UTC()}, nil
}

// Confirm implements queue.Store. A hold the store does not know (its record
// was forgotten, or the store lost its data and an operator set the stock
// again) is sold as an expired one is: only if a unit is left.
func (s *Store) Confirm(_ context.Context, room, hid string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.room(room, now).Stock
	ns := now.UnixNano()
	st.expire(ns)
	h, ok := st.Holds[hid]
	switch {
	case ok && h.State == holdSold:
		return nil
	case ok && h.State == holdLive:
		st.end(hid, h, holdSold, ns)
		return nil
	case !st.Set || st.left() <= 0:
		return queue.ErrHoldGone
	}
	st.sellTo(h.Session) // empty for a hold the store does not know
	h.State, h.Ended = holdSold, ns
	st.Holds[hid] = h
	if !ok {
		st.push(ns+int64(queue.HoldKeep), hid)
	}
	return nil
}

// Release implements queue.Store.
func (s *Store) Release(_ context.Context, room, hid string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.room(room, now).Stock
	ns := now.UnixNano()
	st.expire(ns)
	if h, ok := st.Holds[hid]; ok && h.State == holdLive {
		st.end(hid, h, holdReleased, ns)
	}
	return nil
}

// Stock implements queue.Store. A room the store does not know is not created.
func (s *Store) Stock(_ context.Context, room string, now time.Time) (queue.Stock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[room] == nil {
		return queue.Stock{}, nil
	}
	r := s.room(room, now)
	r.Stock.expire(now.UnixNano())
	return r.Stock.report(r.Last), nil
}
