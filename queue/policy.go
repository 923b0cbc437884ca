package queue

import "time"

// Policy is a room's admission limits, as configured.
type Policy struct {
	// MaxActive bounds the sessions alive at once (plus tickets called and
	// not yet claimed, whose slots are reserved for them).
	MaxActive int
	// PerMinute is the admission rate; Burst is the bucket's size.
	PerMinute int
	Burst     int
	// SessionTTL ends a session this long after its last refresh.
	SessionTTL time.Duration
	// ClaimWindow is how long a called ticket has to come in.
	ClaimWindow time.Duration
	// AbandonAfter drops a ticket that stopped polling this long ago.
	AbandonAfter time.Duration
}

// SessionGrace is added to a session's life in the store so that the store
// never frees a slot whose session token is still valid: tokens and store
// entries are refreshed together, but not in the same instant.
const SessionGrace = 2 * time.Second

// Opening is the pre-queue frozen at the moment a room opened: tickets
// numbered up to PrequeueEnd were handed out before it, and with Random they
// are served in the order of a permutation keyed by Seed.
type Opening struct {
	Opened      bool
	At          time.Time
	PrequeueEnd uint64
	Random      bool
	Seed        uint64
}

// Position is the place in line of ticket number n: pre-queue tickets of a
// random room are shuffled, everyone else keeps their number.
func (o Opening) Position(n uint64) uint64 {
	if o.Random && n >= 1 && n <= o.PrequeueEnd {
		return permute(n-1, o.PrequeueEnd, o.Seed) + 1
	}
	return n
}

// Number is the inverse of Position.
func (o Opening) Number(pos uint64) uint64 {
	if o.Random && pos >= 1 && pos <= o.PrequeueEnd {
		return unpermute(pos-1, o.PrequeueEnd, o.Seed) + 1
	}
	return pos
}
