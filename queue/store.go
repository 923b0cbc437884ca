package queue

import (
	"context"
	"errors"
	"time"
)

// Store is the shared state of every room, whatever keeps it: the sum of
// what its users call. Each method is one atomic state change, safe to
// retry: the ones that could admit twice are idempotent by ticket number or
// session id. A consumer declares the part it calls (RoomStore for the
// engine, StockAdmin for the stock command); a backend implements all of it
// and runs the suite in package storetest.
type Store interface {
	RoomStore
	StockAdmin
	// Close releases the store's resources.
	Close() error
}

// RoomStore is what a room's engine (Room) calls: its line, its stock, and
// whether the store can be reached. The engine calls it when state changes
// (a join, a claim, a refresh, a batch of polls), never per proxied request.
type RoomStore interface {
	Line
	Inventory
	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
}

// Line is the shared state of a room's line: tickets, calls, sessions.
type Line interface {
	// Join hands out the room's next ticket number and marks it seen.
	Join(ctx context.Context, room string, now time.Time) (uint64, error)
	// Open freezes the pre-queue once, at the room's opening; later calls
	// return the first call's Opening whatever they pass.
	Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (Opening, error)
	// Commit stores c as the room's lottery commitment (lottery.go) unless
	// the room has one, and returns the one it has: the first call's, on
	// every node and across restarts. c.At must be set. Safe to retry.
	Commit(ctx context.Context, room string, c Commitment) (Commitment, error)
	// Advance ends idle sessions, forfeits calls older than the claim window,
	// skips abandoned tickets and moves the serving counter on by what the
	// rate budget and the free capacity allow. A call holds a slot and
	// reserves a token of the rate bucket (which starts full); the claim
	// spends it and a forfeit gives it back, so the bucket bounds sessions
	// started, whenever their shoppers come to claim them.
	Advance(ctx context.Context, room string, p Policy, now time.Time) (Counters, error)
	// Claim turns called ticket n into session sid. A retry with the same n
	// returns the first claim's session id and admits nobody new, for as
	// long as that session lives; after it ended, ErrForfeited.
	Claim(ctx context.Context, room string, n uint64, sid string, now time.Time) (string, error)
	// AdmitDirect admits an arrival that holds no ticket, when nobody is
	// waiting and both capacity and rate budget allow it.
	AdmitDirect(ctx context.Context, room, sid string, p Policy, now time.Time) (bool, error)
	// Refresh extends the life of sessions that are still being used.
	Refresh(ctx context.Context, room string, sids []string, now time.Time) error
	// End ends a session (the origin revoked it, or the shopper left) at
	// now, or at the latest time the store heard of if that is later, so
	// that ends are listed in the order EndedSince reads them. The store
	// remembers it while a token of the session could be valid (the
	// session's life plus EndedSlack), so a refresh that arrives later does
	// not count it again and a node that hears late still hears of it.
	End(ctx context.Context, room, sid string, now time.Time) error
	// Seen records that tickets are still polling. A number beyond the last
	// one issued (the store lost its data) raises Issued to it, and the
	// numbers before it count as polling until the abandon window passes.
	Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error
	// Leave drops ticket n from the line for good: a poll of n recorded
	// after it (batched earlier on some node) does not bring it back.
	Leave(ctx context.Context, room string, n uint64) error
	// EndedSince lists the sessions ended at or after since (in the store's
	// time), so that every node refuses an ended session's token, not only
	// the node that ended it.
	EndedSince(ctx context.Context, room string, since time.Time) ([]Ended, error)
	// Counters reads the room's counters without changing them. Its Stock
	// counts the holds due by the latest time the store heard of as
	// returned.
	Counters(ctx context.Context, room string) (Counters, error)
}

// Inventory is a room's stock as the engine uses it while shoppers buy.
type Inventory interface {
	// InitStock sets the room's units for sale from the configuration, only
	// for a brand-new room (no ticket ever issued, never opened, no stock
	// record); otherwise it changes nothing. Either way it returns the
	// stock as it now is.
	InitStock(ctx context.Context, room string, units int, now time.Time) (Stock, error)
	// Hold takes one unit for session sid as hold hid until until. One hold
	// per session: while sid holds a live hold, that hold is returned (with
	// its own id). A session may hold or buy perSession units in all (less
	// than 1 counts as 1): its live hold and the units sold to it count, a
	// released or expired hold does not. With none live and perSession
	// sold to it, ErrSessionLimit; ErrSoldOut when nothing is left,
	// ErrNoStock when the store has no figure. Safe to retry with the same
	// sid and hid; a hid whose hold has already ended gives ErrHoldGone.
	Hold(ctx context.Context, room, sid, hid string, perSession int, until, now time.Time) (Hold, error)
	// Confirm marks hold hid sold, to the hold's session. Confirming twice
	// is one sale. A hold that expired or was released, or that the store
	// does not know (it lost its data), is sold only if a unit is still
	// left; otherwise ErrHoldGone, as when the store has no stock figure.
	// Such a late sale counts for its session even if the session took
	// another hold since, which can leave it one unit over perSession:
	// the shop did sell it, and refusing to count it would not unsell it.
	Confirm(ctx context.Context, room, hid string, now time.Time) error
	// Release returns hold hid to stock; releasing twice, or an expired or
	// sold hold, changes nothing.
	Release(ctx context.Context, room, hid string, now time.Time) error
	// Stock reports the room's stock, after expiring holds past their time
	// (each returns to stock exactly once).
	Stock(ctx context.Context, room string, now time.Time) (Stock, error)
}

// StockAdmin is what the stock command calls: an operator reading the
// stock or setting the units left to sell.
type StockAdmin interface {
	// SetStock sets the units for sale (an operator's command; the way back
	// after the store lost its data). Held and sold units stay counted.
	SetStock(ctx context.Context, room string, units int, now time.Time) (Stock, error)
	// Stock reports the room's stock, after expiring holds past their time
	// (each returns to stock exactly once).
	Stock(ctx context.Context, room string, now time.Time) (Stock, error)
}

// Ended is a session that ended, and when.
type Ended struct {
	ID string
	At time.Time
}

// Counters is the shared state of one room that gateways cache and answer
// status polls from.
type Counters struct {
	// Issued is the last ticket number handed out.
	Issued uint64
	// Serving is the last position called: positions up to it have had
	// their turn.
	Serving uint64
	// Active is the number of sessions alive.
	Active int
	// Called is the number of tickets called and not yet claimed; their
	// slots are held for them.
	Called int
	// Waiting is the number of tickets past Serving still polling.
	Waiting int
	// Admitted counts every admission ever (claims and direct ones).
	Admitted uint64
	// Opening is the room's frozen pre-queue, once it opened.
	Opening Opening
	// Stock is the room's inventory, when it sells limited stock.
	Stock Stock
	// Outcomes counts the tickets whose turn came to nothing.
	Outcomes Outcomes
}

// Outcomes counts, since the room began, the tickets that left the line
// without an admission. With Admitted, Waiting and Called they account for
// every ticket whose turn has been decided; operators read them, the
// engine decides nothing from them.
type Outcomes struct {
	// Forfeited were called and not claimed within the claim window.
	Forfeited uint64
	// Abandoned stopped polling and were skipped when their turn came.
	Abandoned uint64
	// Left were taken out of the line by their holder (the leave
	// endpoint) while waiting or called; each ticket counts once.
	Left uint64
}

// Errors a claim can end in. Anything else is the store failing.
var (
	// ErrNotCalled: the ticket's turn has not come.
	ErrNotCalled = errors.New("queue: ticket not called yet")
	// ErrForfeited: the ticket's turn came and went (it did not claim in
	// time, was skipped as abandoned, or left).
	ErrForfeited = errors.New("queue: ticket forfeited its turn")
)
