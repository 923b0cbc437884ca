package memstore

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The checks a loaded state file passes before the memory store runs on
// it. Whoever can write the file must not be able to make the gateway
// panic (a poll record shorter than it says), hang (a serving counter
// billions of tickets behind the last one issued, walked under the store's
// lock), fill its memory, or sell stock it does not have (held units that
// no live hold accounts for come back to stock when nothing expires them).
// Every field is held to what the store's own methods could have left in
// it; see store.go and stock.go for why each holds.

// StateError is a state file refused for what it holds.
type StateError struct {
	File    string // the file; set by Load
	Room    string // the room at fault; empty: the file as a whole
	Field   string // the field at fault, as named in the file
	Problem string
	Err     error // the decoder's error, when the file did not decode
}

func (e *StateError) Error() string {
	var b strings.Builder
	b.WriteString("loading queue state")
	if e.File != "" {
		b.WriteString(" from " + e.File)
	}
	b.WriteString(": file refused")
	if e.Room != "" {
		fmt.Fprintf(&b, ": room %q", e.Room)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Problem)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *StateError) Unwrap() error { return e.Err }

// fieldError is one field of a room that fails its check.
type fieldError struct{ field, problem string }

func bad(field, format string, args ...any) *fieldError {
	return &fieldError{field, fmt.Sprintf(format, args...)}
}

// Saved times are Unix nanoseconds: zero for unset, else within these.
var (
	minStateTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	maxStateTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
)

// maxStateID bounds session and hold ids: the gateway's are 32 characters.
const maxStateID = 128

// maxStateTokens bounds the admission bucket's level either way: past
// 2^53 a float64 no longer counts single tokens.
const maxStateTokens = 1 << 53

// timeUpTo checks a saved time: unset, or sane and no later than upTo —
// the latest time the store heard of, for times it took from its callers.
func timeUpTo(field string, ns, upTo int64) *fieldError {
	if ns != 0 && (ns < minStateTime || ns > upTo) {
		return bad(field, "%d is not a time the store could have saved", ns)
	}
	return nil
}

func checkID(field, id string) *fieldError {
	if len(id) > maxStateID {
		return bad(field, "an id of %d bytes, more than %d", len(id), maxStateID)
	}
	return nil
}

// check reports the first field of r that the store could not have left
// as it is.
func (r *memRoom) check() *fieldError {
	if r.Last != 0 && (r.Last < minStateTime || r.Last > maxStateTime) {
		return bad("Last", "%d is not a time", r.Last)
	}
	if err := r.checkCounters(); err != nil {
		return err
	}
	releasable := !r.Opening.Random || r.Serving >= r.Opening.PrequeueEnd
	if err := r.Polls.check(r.Issued, r.Serving, releasable); err != nil {
		return err
	}
	if err := r.checkSessions(); err != nil {
		return err
	}
	if err := r.checkCalls(); err != nil {
		return err
	}
	return r.Stock.check(r.Last)
}

// checkCounters checks the counters, the opening and the bucket.
func (r *memRoom) checkCounters() *fieldError {
	o := r.Opening
	switch {
	case r.Serving > r.Issued:
		return bad("Serving", "%d is past Issued, %d", r.Serving, r.Issued)
	case r.Admitted < uint64(len(r.Claims)):
		return bad("Admitted", "%d, fewer than the %d claims on record", r.Admitted, len(r.Claims))
	case r.Waiting < 0 || uint64(r.Waiting) > r.Issued:
		return bad("Waiting", "%d with %d tickets issued", r.Waiting, r.Issued)
	case math.IsNaN(r.Tokens) || math.Abs(r.Tokens) > maxStateTokens:
		return bad("Tokens", "%v is not a bucket level", r.Tokens)
	case !o.Opened && (!o.At.IsZero() || o.PrequeueEnd != 0 || o.Random || o.Seed != 0):
		return bad("Opening", "set in a room that has not opened")
	case !o.Opened && r.Serving > 0:
		return bad("Serving", "%d in a room that has not opened", r.Serving)
	case o.Opened && o.PrequeueEnd > r.Issued:
		return bad("Opening.PrequeueEnd", "%d is past Issued, %d", o.PrequeueEnd, r.Issued)
	case o.Opened && (o.At.Before(time.Unix(0, minStateTime)) || o.At.After(time.Unix(0, r.Last))):
		return bad("Opening.At", "%v is not a time the store could have saved", o.At)
	}
	for _, t := range []struct {
		field string
		ns    int64
	}{{"TokensAt", r.TokensAt}, {"WaitingAt", r.WaitingAt}, {"Base", r.Base}} {
		if err := timeUpTo(t.field, t.ns, r.Last); err != nil {
			return err
		}
	}
	return nil
}

// checkSessions checks the live and the ended sessions.
func (r *memRoom) checkSessions() *fieldError {
	for sid, at := range r.Sessions {
		f := fmt.Sprintf("Sessions[%q]", sid)
		if err := checkID(f, sid); err != nil {
			return err
		}
		if err := timeUpTo(f, at, r.Last); err != nil {
			return err
		}
	}
	for sid, at := range r.Ended {
		// Versions before 4 stamped an end in a room never heard of with
		// the wall clock, which may be past Last.
		f := fmt.Sprintf("Ended[%q]", sid)
		if err := checkID(f, sid); err != nil {
			return err
		}
		if err := timeUpTo(f, at, maxStateTime); err != nil {
			return err
		}
	}
	return nil
}

// checkCalls checks calls and claims: only tickets whose turn came, in a
// room that opened, each either called or claimed.
func (r *memRoom) checkCalls() *fieldError {
	called := func(f string, n uint64) *fieldError {
		switch {
		case !r.Opening.Opened:
			return bad(f, "in a room that has not opened")
		case n == 0 || n > r.Issued:
			return bad(f, "ticket %d was never issued (Issued %d)", n, r.Issued)
		case r.Opening.Position(n) > r.Serving:
			return bad(f, "ticket %d's turn has not come (Serving %d)", n, r.Serving)
		}
		return nil
	}
	for n, at := range r.Calls {
		f := fmt.Sprintf("Calls[%d]", n)
		if err := called(f, n); err != nil {
			return err
		}
		if _, ok := r.Claims[n]; ok {
			return bad(f, "ticket %d is called and claimed both", n)
		}
		if err := timeUpTo(f, at, r.Last); err != nil {
			return err
		}
	}
	for n, c := range r.Claims {
		f := fmt.Sprintf("Claims[%d]", n)
		if err := called(f, n); err != nil {
			return err
		}
		if err := checkID(f+".SID", c.SID); err != nil {
			return err
		}
		if err := timeUpTo(f+".At", c.At, r.Last); err != nil {
			return err
		}
	}
	return nil
}

// check checks the poll record's shape: one entry per ticket issued, in
// whole chunks, released (nil) only where every ticket had its turn and
// release was allowed. Chunks from the serving counter on are then all
// there, so the walk from Serving to Issued is as long as the file.
func (s *seenLog) check(issued, serving uint64, releasable bool) *fieldError {
	if s.N != issued {
		return bad("Polls.N", "%d entries for %d tickets issued", s.N, issued)
	}
	if want := s.N/seenChunk + min(s.N%seenChunk, 1); uint64(len(s.Chunks)) != want {
		return bad("Polls.Chunks", "%d chunks for %d entries, want %d", len(s.Chunks), s.N, want)
	}
	for k, c := range s.Chunks {
		f := fmt.Sprintf("Polls.Chunks[%d]", k)
		switch {
		case len(c) == 0:
			if !releasable || uint64(k+1)*seenChunk > serving {
				return bad(f, "released before every ticket in it had its turn (Serving %d)", serving)
			}
			s.Chunks[k] = nil // gob may give an empty chunk back as empty, not nil
		case len(c) != seenChunk:
			return bad(f, "%d entries, want %d", len(c), seenChunk)
		}
	}
	return nil
}

// check checks the stock against its holds: every held unit is a live
// hold, every live hold is its session's, and the expiry heap has each
// hold once, in order, at the time its state says.
func (st *memStock) check(last int64) *fieldError {
	switch {
	case st.Units < 0 || st.Held < 0 || st.Sold < 0 || st.Expired < 0:
		return bad("Stock", "%d units, %d held, %d sold, %d expired", st.Units, st.Held, st.Sold, st.Expired)
	case !st.Set && (st.Units != 0 || st.Held != 0 || st.Sold != 0 || st.Expired != 0 || len(st.Holds) > 0):
		return bad("Stock.Set", "no stock figure, but %d units, %d held, %d sold and %d holds", st.Units, st.Held, st.Sold, len(st.Holds))
	}
	live, sold, expired := 0, 0, 0
	for id, h := range st.Holds {
		f := fmt.Sprintf("Stock.Holds[%q]", id)
		if err := checkID(f, id); err != nil {
			return err
		}
		if err := checkID(f+".Session", h.Session); err != nil {
			return err
		}
		if err := timeUpTo(f+".Until", h.Until, maxStateTime); err != nil {
			return err
		}
		switch h.State {
		case holdLive:
			live++
			switch {
			case h.Until == 0:
				return bad(f+".Until", "unset on a live hold")
			case h.Ended != 0:
				return bad(f+".Ended", "set on a live hold")
			case st.BySession[h.Session] != id:
				return bad(f+".Session", "%q's live hold, but Stock.BySession does not say so", h.Session)
			}
		case holdSold, holdReleased, holdExpired:
			switch h.State {
			case holdSold:
				sold++
			case holdExpired:
				expired++
			}
			if h.Ended == 0 {
				return bad(f+".Ended", "unset on a hold that ended")
			}
			if err := timeUpTo(f+".Ended", h.Ended, last); err != nil {
				return err
			}
		default:
			return bad(f+".State", "%d is not a hold state", h.State)
		}
	}
	switch {
	case st.Held != live:
		return bad("Stock.Held", "%d, but %d holds are live", st.Held, live)
	case st.Sold < sold:
		return bad("Stock.Sold", "%d, fewer than the %d sold holds on record", st.Sold, sold)
	case st.Expired < expired:
		return bad("Stock.Expired", "%d, fewer than the %d expired holds on record", st.Expired, expired)
	case len(st.BySession) != live:
		return bad("Stock.BySession", "%d sessions for %d live holds", len(st.BySession), live)
	case len(st.Due) != len(st.Holds):
		return bad("Stock.Due", "%d entries for %d holds", len(st.Due), len(st.Holds))
	}
	for sid, id := range st.BySession {
		if h, ok := st.Holds[id]; !ok || h.State != holdLive || h.Session != sid {
			return bad(fmt.Sprintf("Stock.BySession[%q]", sid), "%q is not a live hold of this session", id)
		}
	}
	due := make(map[string]bool, len(st.Due))
	for i, d := range st.Due {
		f := fmt.Sprintf("Stock.Due[%d]", i)
		h, ok := st.Holds[d.ID]
		switch {
		case !ok || due[d.ID]:
			return bad(f, "%q is not a hold, or is due twice", d.ID)
		case i > 0 && st.Due[(i-1)/2].At > d.At:
			return bad(f, "out of heap order")
		case h.State == holdLive && d.At != h.Until:
			return bad(f, "due at %d, but its live hold ends at %d", d.At, h.Until)
		case h.State != holdLive && d.At != h.Until && d.At > h.Ended+int64(queue.HoldKeep):
			// Earlier is what a late sale leaves: it moves Ended on, and
			// expire files the record again when its entry falls due.
			return bad(f, "due at %d, neither when its hold was to end nor by when its record is forgotten", d.At)
		}
		due[d.ID] = true
	}
	if err := st.checkPerSession(); err != nil {
		return bad("Stock.Bought", "%v", err)
	}
	return nil
}
