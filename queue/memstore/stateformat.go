package memstore

import (
	"fmt"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The memory store's save format: what a state file holds, field for field,
// in types of its own. The live room (memRoom) may change how it keeps its
// state — an index, a different map — without a file saved before the
// change failing to load; a change to these types is a new stateVersion.
// gob matches fields by name, so a field keeps its name for as long as
// files that have it are loaded. The loader reads a file into these types,
// turns each room into a live one and checks it (statecheck.go) before any
// method of the store sees it.

// stateVersion is the version Save writes. Version 2 added the stock; a
// version 1 file loads as rooms with no stock figure. Version 3 keeps the
// poll record in chunks of 16-bit ticks (Polls); older files had it in
// Seen, 32-bit.
const stateVersion = 3

// stateFile is a whole state file.
type stateFile struct {
	Version int
	Rooms   map[string]*savedRoom
	// Overrides are operators' live changes (overrides.go); a file
	// written before they existed has none, and gob needs no new version
	// for a field added.
	Overrides map[string]*savedOverrides
}

// savedOverrides is one room's overrides (memOverrides).
type savedOverrides struct {
	Version uint64
	Values  map[string]string
}

// savedRoom is one room of a state file; memRoom says what each field
// means. Times are Unix nanoseconds.
type savedRoom struct {
	Issued, Serving, Admitted  uint64
	Opening                    savedOpening
	Forfeited, Abandoned, Left uint64
	Tokens                     float64
	TokensAt                   int64
	Sessions                   map[string]int64
	Ended                      map[string]int64
	Calls                      map[uint64]int64
	Claims                     map[uint64]savedClaim
	Polls                      savedPolls
	Base                       int64
	// Seen is the poll record of versions 1 and 2: per ticket, the second
	// it last polled at since Base plus one, 0 for gone, ^0 for left.
	Seen            []uint32
	Waiting         int
	WaitingAt, Last int64
	Stock           savedStock
	// Lottery is a random room's seed commitment (lottery.go); a
	// file written before it existed has none, and gob needs no new
	// version for a field added.
	Lottery savedLottery
}

type savedLottery struct {
	Seed [queue.SeedLen]byte
	At   time.Time
}

type savedOpening struct {
	Opened      bool
	At          time.Time
	PrequeueEnd uint64
	Random      bool
	Seed        uint64
}

type savedClaim struct {
	SID string
	At  int64
}

// savedPolls is the poll record of version 3: the tick each ticket last
// polled at, in chunks of seenChunk entries; a nil chunk is all gone.
type savedPolls struct {
	Chunks [][]uint16
	N      uint64
}

type savedStock struct {
	Set               bool
	Units, Held, Sold int
	Expired           int
	Holds             map[string]savedHold
	BySession         map[string]string
	Due               []savedDue
	Bought            map[string]int
}

type savedHold struct {
	Session string
	Until   int64
	State   uint8 // holdLive, holdSold, holdReleased or holdExpired
	Ended   int64
}

type savedDue struct {
	At int64
	ID string
}

// saveRoom is r in the save format. It shares r's maps and poll chunks
// rather than copying them: r is already Save's private copy (snapshot.go).
func saveRoom(r *memRoom) *savedRoom {
	o := r.Opening
	return &savedRoom{
		Issued: r.Issued, Serving: r.Serving, Admitted: r.Admitted,
		Forfeited: r.Forfeited, Abandoned: r.Abandoned, Left: r.Left,
		Opening: savedOpening{Opened: o.Opened, At: o.At, PrequeueEnd: o.PrequeueEnd, Random: o.Random, Seed: o.Seed},
		Tokens:  r.Tokens, TokensAt: r.TokensAt,
		Sessions: r.Sessions, Ended: r.Ended, Calls: r.Calls,
		Claims:  convertMap(r.Claims, func(c claim) savedClaim { return savedClaim(c) }),
		Polls:   savedPolls{Chunks: r.Polls.Chunks, N: r.Polls.N},
		Base:    r.Base,
		Waiting: r.Waiting, WaitingAt: r.WaitingAt, Last: r.Last,
		Stock:   saveStock(&r.Stock),
		Lottery: savedLottery{Seed: r.Lottery.Seed, At: r.Lottery.At},
	}
}

func saveStock(st *memStock) savedStock {
	out := savedStock{Set: st.Set, Units: st.Units, Held: st.Held, Sold: st.Sold, Expired: st.Expired,
		Holds: convertMap(st.Holds, func(h memHold) savedHold {
			return savedHold{Session: h.Session, Until: h.Until, State: uint8(h.State), Ended: h.Ended}
		}),
		BySession: st.BySession, Bought: st.Bought}
	if st.Due != nil {
		out.Due = make([]savedDue, len(st.Due))
		for i, d := range st.Due {
			out.Due[i] = savedDue(d)
		}
	}
	return out
}

// room is the live room a file's room describes, not yet checked. A file of
// a version before 3 has its poll record moved from Seen into Polls.
func (sr *savedRoom) room(version int) (*memRoom, *fieldError) {
	o := sr.Opening
	r := &memRoom{
		Issued: sr.Issued, Serving: sr.Serving, Admitted: sr.Admitted,
		Forfeited: sr.Forfeited, Abandoned: sr.Abandoned, Left: sr.Left,
		Opening: queue.Opening{Opened: o.Opened, At: o.At, PrequeueEnd: o.PrequeueEnd, Random: o.Random, Seed: o.Seed},
		Tokens:  sr.Tokens, TokensAt: sr.TokensAt,
		Sessions: sr.Sessions, Ended: sr.Ended, Calls: sr.Calls,
		Claims:  convertMap(sr.Claims, func(c savedClaim) claim { return claim(c) }),
		Polls:   seenLog{Chunks: sr.Polls.Chunks, N: sr.Polls.N},
		Base:    sr.Base,
		Waiting: sr.Waiting, WaitingAt: sr.WaitingAt, Last: sr.Last,
		Stock:   sr.Stock.stock(),
		Lottery: queue.Commitment{Seed: sr.Lottery.Seed, At: sr.Lottery.At},
	}
	if len(sr.Seen) > 0 {
		if err := r.pollsFromSeen(sr.Seen, version); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (ss *savedStock) stock() memStock {
	out := memStock{Set: ss.Set, Units: ss.Units, Held: ss.Held, Sold: ss.Sold, Expired: ss.Expired,
		Holds: convertMap(ss.Holds, func(h savedHold) memHold {
			return memHold{Session: h.Session, Until: h.Until, State: holdState(h.State), Ended: h.Ended}
		}),
		BySession: ss.BySession, Bought: ss.Bought}
	if ss.Due != nil {
		out.Due = make([]holdDue, len(ss.Due))
		for i, d := range ss.Due {
			out.Due[i] = holdDue(d)
		}
	}
	return out
}

// pollsFromSeen fills the poll record from a version 1 or 2 file's Seen.
func (r *memRoom) pollsFromSeen(seen []uint32, version int) *fieldError {
	switch {
	case version >= 3:
		return &fieldError{"Seen", fmt.Sprintf("set in a version %d file, which keeps polls in Polls", version)}
	case r.Polls.N > 0 || len(r.Polls.Chunks) > 0:
		return &fieldError{"Seen", "set beside Polls"}
	case uint64(len(seen)) != r.Issued:
		return &fieldError{"Seen", fmt.Sprintf("%d entries for %d tickets issued", len(seen), r.Issued)}
	}
	for i, v := range seen {
		var t uint16
		switch v {
		case 0:
		case ^uint32(0):
			t = seenLeft
		default:
			t = uint16((v-1)%tickSpan) + 1
		}
		r.Polls.grow(uint64(i)+1, t)
	}
	return nil
}

// convertMap is m with each value converted; nil stays nil, so that a
// room loads as it was saved (Bought, say, is nil until the first sale).
func convertMap[K comparable, V, W any](m map[K]V, f func(V) W) map[K]W {
	if m == nil {
		return nil
	}
	out := make(map[K]W, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}
