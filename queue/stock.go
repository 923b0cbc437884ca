package queue

import (
	"errors"
	"fmt"
	"time"
)

// Stock is a room's limited inventory as the store counts it. Units are
// held atomically when a purchase starts, so held plus sold never exceeds
// the units for sale (SPEC guarantee 3).
type Stock struct {
	// Set is false when the store has no stock figure for the room: none
	// was configured, or the store lost its data. Holds stop until an
	// operator sets it again, rather than a lost count coming back full.
	Set bool
	// Units is the number for sale in all; Held are taken by purchases in
	// progress, Sold are confirmed.
	Units, Held, Sold int
	// Expired counts the holds ever given back to stock because their time
	// ran out (not released, not sold), each once. A hold due but not yet
	// expired by the store counts here as it leaves Held.
	Expired int
}

// Left is the number of units nobody holds or has bought.
func (s Stock) Left() int { return s.Units - s.Held - s.Sold }

// SoldOut reports whether every unit is held or sold.
func (s Stock) SoldOut() bool { return s.Set && s.Left() <= 0 }

// Hold is one unit reserved for one session until Expires.
type Hold struct {
	ID      string
	Session string
	Expires time.Time
}

// Errors of the stock operations. Anything else is the store failing.
var (
	// ErrSoldOut: no unit is left to hold.
	ErrSoldOut = errors.New("queue: sold out")
	// ErrNoStock: the store has no stock figure for the room (it lost its
	// data); an operator must set it again.
	ErrNoStock = errors.New("queue: no stock figure for this room")
	// ErrHoldGone: the hold expired or was released before this.
	ErrHoldGone = errors.New("queue: hold expired or released")
	// ErrSessionLimit: the session has bought as many units as one session
	// may (inventory.per_session); it holds no live unit, or it would have
	// been given that hold again.
	ErrSessionLimit = errors.New("queue: session bought the most units one session may")
)

// HoldKeep is how long a hold's record outlives the hold: long enough that
// a confirm arriving late (a slow origin, a retry) still finds it sold and
// does not sell a second unit, short enough that a busy sale's ended holds
// do not pile up.
const HoldKeep = time.Hour

// CheckUnits refuses a stock figure no shop has.
func CheckUnits(room string, units int) error {
	if units < 0 {
		return fmt.Errorf("setting stock of room %s: %d units", room, units)
	}
	return nil
}
