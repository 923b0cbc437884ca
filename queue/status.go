package queue

// State is what a room is doing for one shopper, as the waiting page and
// the status endpoint name it.
type State string

// The states of SPEC's status answer.
const (
	StatePrequeue State = "prequeue"
	StateWaiting  State = "waiting"
	StateAdmitted State = "admitted"
	StateSoldOut  State = "sold_out"
	StateClosed   State = "closed"
	StatePaused   State = "paused"
)

// Status is one shopper's standing, as the status endpoint returns it.
type Status struct {
	Room  string
	State State
	// Position is the 1-based place in line (0: not known yet, as in a
	// pre-queue whose order is drawn at opening).
	Position uint64
	// Ahead estimates the people ahead who are still waiting.
	Ahead uint64
	// ETALow and ETAHigh bound the wait in seconds; both zero: unknown.
	ETALow, ETAHigh int
	// Progress is 0..100, how much of this shopper's wait is behind them.
	Progress int
	// PollAfterMS is when to ask again.
	PollAfterMS int
	// OpensInSeconds counts down to the room's opening.
	OpensInSeconds int
	// Message is an honest word about something unusual (a store outage,
	// a forfeited turn), empty otherwise.
	Message string
	// Count is the number Message has in it, if any (SessionLimitStatus),
	// so that a page can say the message in its own language.
	Count uint64
	// SessionID is set when this status admitted the shopper.
	SessionID string
	// Requeued is set when the ticket forfeited its turn and a new one,
	// Number, was taken at the back of the line.
	Requeued bool
	Number   uint64
	// Line is the new ticket's Ticket.Line, when Requeued.
	Line uint64
}
