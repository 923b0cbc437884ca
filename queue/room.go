package queue

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Schedule is when a room takes arrivals. Zero times are unset.
type Schedule struct {
	// PrequeueFrom is when arrivals start getting pre-queue tickets;
	// unset, any arrival before OpensAt gets one.
	PrequeueFrom time.Time
	// OpensAt is when admissions start; unset, the room is open.
	OpensAt time.Time
	// ClosesAt is when the room stops taking new arrivals; shoppers
	// already in line keep their place and are served.
	ClosesAt time.Time
	// Random draws the pre-queue's order at opening instead of keeping
	// arrival order.
	Random bool
}

// ErrUnavailable means the store cannot be reached: no new admissions and
// no new tickets until it returns.
var ErrUnavailable = errors.New("queue: store unavailable")

// Room is the admission engine of one room. The gateway asks it what to do
// with an arrival, a status poll or a session refresh; it answers from
// counters cached from the store, and touches the store only when state
// changes, batching polls and refreshes.
type Room struct {
	name  string
	store RoomStore
	now   func() time.Time
	log   *slog.Logger
	live  func() []string
	// units is the configured stock, 0: none; perSession is the units one
	// session may hold or buy, at least 1. A reload may change both.
	units      atomic.Int64
	perSession atomic.Int64

	policy atomic.Pointer[Policy]
	sched  atomic.Pointer[Schedule]
	poll   atomic.Int64 // poll interval, nanoseconds
	paused atomic.Bool

	snap atomic.Pointer[snapshot]

	events events // what this node did, for operators (overview.go)

	mu      sync.Mutex
	seen    []uint64 // polls not yet sent to the store
	refresh []string // session refreshes not yet sent
	ends    []string // session ends the store has not heard yet
	// confirms are sales the store has not heard yet: retried until it
	// does, since a sale it never hears of would return to stock.
	confirms  []string
	stockInit bool // InitStock done
	noStock   bool // the store has no stock figure (logged once)
	// endedCursor is the latest end time heard from the store.
	endedCursor time.Time
	eta         etaModel
	wasDown     bool
	opened      bool
	opening     Opening // the store's answer to open, once opened

	// views are the ETA views estimates read (eta_shared.go); etaStore
	// shares them, nil when each node keeps its own; etaAlone is set
	// while sharing fails (logged once).
	views    etaViews
	etaStore ETAStore
	etaAlone bool

	// lottery is the seed commitment the store returned, once heard
	// (room_lottery.go); it never changes.
	lottery atomic.Pointer[Commitment]

	// ended holds sessions ended, on this node or another, until no token
	// of theirs can verify (endedUntil). It is read on every proxied
	// request and written on every revoke, leave and tick, in constant
	// time at any sale size (endedset.go).
	ended *endedSet
	// fetched is what the tick last heard of ended sessions (ended.go).
	fetched lastFetch
}

// snapshot is the cached view of the room that status polls are answered
// from.
type snapshot struct {
	Counters
	at  time.Time
	eta etaViews // the ETA views estimates read (eta_shared.go)
	err error    // the store's last failure, nil when it answered
}

// Options configure a Room.
type Options struct {
	Policy       Policy
	Schedule     Schedule
	PollInterval time.Duration
	// Now is the clock; time.Now when nil. Tests inject their own.
	Now func() time.Time
	// Log receives one line per state change; slog.Default when nil.
	Log *slog.Logger
	// Stock is the units for sale configured for the room; 0: the room
	// sells no limited stock.
	Stock int
	// PerSession is the units one session may hold or buy in all; below
	// 1 (unset) it is 1.
	PerSession int
	// LiveSessions lists the sessions this node has seen in use and that
	// are still valid; they are counted again in a store that lost its
	// data, so the room does not fill past its limit. Nil: none.
	LiveSessions func() []string
}

// NewRoom returns the engine of the named room over store.
func NewRoom(name string, store RoomStore, o Options) *Room {
	r := &Room{name: name, store: store, now: o.Now, log: o.Log, live: o.LiveSessions}
	r.SetInventory(o.Stock, o.PerSession)
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.log = r.log.With("room", name)
	r.etaStore, _ = store.(ETAStore)
	r.SetPolicy(o.Policy, o.Schedule, o.PollInterval)
	r.snap.Store(&snapshot{at: r.now()})
	r.ended = newEndedSet()
	r.fetched.last, r.fetched.this = make(map[string]int64), make(map[string]int64)
	return r
}

// Name is the room's name.
func (r *Room) Name() string { return r.name }

// SetPolicy changes the room's limits and schedule while it runs.
func (r *Room) SetPolicy(p Policy, s Schedule, poll time.Duration) {
	if poll <= 0 {
		poll = 5 * time.Second
	}
	r.policy.Store(&p)
	r.sched.Store(&s)
	r.poll.Store(int64(poll))
}

// Policy returns the room's current limits.
func (r *Room) Policy() Policy { return *r.policy.Load() }

// Pause stops admissions (the line keeps its order); Resume starts them.
func (r *Room) Pause()  { r.setPaused(true) }
func (r *Room) Resume() { r.setPaused(false) }

// Paused reports whether admissions are paused.
func (r *Room) Paused() bool { return r.paused.Load() }

// Schedule returns the room's current schedule.
func (r *Room) Schedule() Schedule { return *r.sched.Load() }

// Closed reports whether the room is past its closing time: no new
// arrivals.
func (r *Room) Closed() bool { return r.sched.Load().phase(r.now()) == phaseClosed }

func (r *Room) setPaused(p bool) {
	if r.paused.Swap(p) != p {
		r.log.Info("room paused", "paused", p)
	}
}

// Counters returns the cached counters and the store's last error.
func (r *Room) Counters() (Counters, error) {
	s := r.snap.Load()
	return s.Counters, s.err
}

// phase is where the room stands in its schedule.
type phase int

const (
	phaseEarly    phase = iota // before the pre-queue opens
	phasePrequeue              // taking pre-queue tickets
	phaseOpen                  // admitting
	phaseClosed                // past closes_at: no new arrivals
)

func (s *Schedule) phase(now time.Time) phase {
	switch {
	case !s.ClosesAt.IsZero() && !now.Before(s.ClosesAt):
		return phaseClosed
	case s.OpensAt.IsZero() || !now.Before(s.OpensAt):
		return phaseOpen
	case !s.PrequeueFrom.IsZero() && now.Before(s.PrequeueFrom):
		return phaseEarly
	default:
		return phasePrequeue
	}
}

func secondsUntil(t, now time.Time) int {
	if t.IsZero() || !now.Before(t) {
		return 0
	}
	return int(math.Ceil(t.Sub(now).Seconds()))
}

// Run ticks the room until ctx ends: polls and refreshes go to the store,
// the serving counter advances and the cache is renewed.
func (r *Room) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.Tick(context.WithoutCancel(ctx)) // send what is batched
			return
		case <-t.C:
			r.Tick(ctx)
		}
	}
}

// Tick does one round of the room's background work. Tests call it
// directly with an injected clock.
func (r *Room) Tick(ctx context.Context) {
	now := r.now()
	p := r.policy.Load()
	s := r.sched.Load()

	r.forgetEnded(now)

	r.mu.Lock()
	seen, refresh, ends, confirms := r.seen, r.refresh, r.ends, r.confirms
	r.seen, r.refresh, r.ends, r.confirms = nil, nil, nil, nil
	r.mu.Unlock()

	err := r.confirmAll(ctx, confirms, now)
	if err == nil {
		err = r.flush(ctx, seen, refresh, ends, now)
	}
	if err == nil {
		err = r.initStock(ctx, now)
	}
	if err == nil && s.Random {
		// Committed as soon as a node runs, before the pre-queue takes
		// anyone; after the first answer this costs nothing.
		_, err = r.commitment(ctx, now)
	}
	var c Counters
	if err == nil && s.phase(now) >= phaseOpen && !r.isOpened() {
		err = r.open(ctx, s, now)
	}
	if err == nil {
		if r.isOpened() && !r.paused.Load() && !r.soldOut(r.snap.Load()) {
			c, err = r.store.Advance(ctx, r.name, *p, now)
		} else {
			c, err = r.store.Counters(ctx, r.name)
			if err == nil && r.sellsStock() {
				// Counters only reads; Stock expires due holds, which is
				// how a sold-out room learns that units came back.
				c.Stock, err = r.store.Stock(ctx, r.name, now)
			}
		}
	}
	if err == nil {
		err = r.learnEnded(ctx, p.SessionTTL)
	}
	if err != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		// Keep what was not sent for the next round, each once: refreshes
		// keep sessions counted, ends free their slots, and polls keep
		// tickets that waited through the outage from being taken for
		// abandoned when it ends.
		r.seen = compact(append(r.seen, seen...))
		r.refresh = compact(append(r.refresh, refresh...))
		r.ends = compact(append(r.ends, ends...))
		r.confirms = compact(append(r.confirms, confirms...))
		if !r.wasDown {
			r.log.Error("queue store unreachable: admissions stopped", "err", err)
			r.wasDown = true
		}
		old := r.snap.Load()
		r.snap.Store(&snapshot{Counters: old.Counters, at: old.at, eta: old.eta, err: err})
		return
	}
	// The recount calls the store, so it runs without r.mu, as every store
	// call here does: polls and refreshes take r.mu and must never wait on
	// the network.
	if old := r.snap.Load(); lostData(old.Counters, c) {
		r.recount(ctx, now)
		r.recommit(ctx)
		r.log.Error("queue store lost data: tickets keep their numbers and newcomers queue behind them, but sessions, calls and claims it forgot are gone",
			"issued_before", old.Issued, "issued_now", c.Issued,
			"serving_before", old.Serving, "serving_now", c.Serving,
			"admitted_before", old.Admitted, "admitted_now", c.Admitted,
			"active_before", old.Active, "active_now", c.Active)
	}
	r.shareETA(ctx, c, *p, now)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wasDown {
		r.log.Info("queue store reachable again: admissions resumed")
		r.wasDown = false
	}
	r.noteStock(c.Stock)
	r.snap.Store(&snapshot{Counters: c, at: now, eta: r.views})
}

func (r *Room) isOpened() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opened
}

// open freezes the pre-queue, once per room whatever the number of nodes.
func (r *Room) open(ctx context.Context, s *Schedule, now time.Time) error {
	seed := randomSeed() // a fifo room's opening is only named by it
	if s.Random {
		c, err := r.commitment(ctx, now)
		if err != nil {
			return err
		}
		seed = c.Seed.key(r.name)
	}
	o, err := r.store.Open(ctx, r.name, s.Random, seed, now)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.opened = true
	r.opening = o
	r.mu.Unlock()
	if o.PrequeueEnd > 0 {
		r.log.Info("room opened", "prequeue", o.PrequeueEnd, "random", o.Random)
	}
	return nil
}

// flush sends what was batched. Ends go last, so that a refresh batched
// before a session ended cannot bring it back.
func (r *Room) flush(ctx context.Context, seen []uint64, refresh, ends []string, now time.Time) error {
	if len(seen) > 0 {
		if err := r.store.Seen(ctx, r.name, seen, now); err != nil {
			return fmt.Errorf("recording polls: %w", err)
		}
	}
	if len(refresh) > 0 {
		if err := r.store.Refresh(ctx, r.name, refresh, now); err != nil {
			return fmt.Errorf("refreshing sessions: %w", err)
		}
	}
	for _, sid := range ends {
		// Stamped now, later than the end: refused a little longer.
		if err := r.store.End(ctx, r.name, sid, now); err != nil {
			return fmt.Errorf("ending sessions: %w", err)
		}
	}
	return nil
}

// compact sorts and deduplicates a batch kept through an outage, so that
// it grows with the number of shoppers, not with their requests.
func compact[T cmp.Ordered](s []T) []T {
	slices.Sort(s)
	return slices.Compact(s)
}

// Arrival is what to do with a shopper who holds neither ticket nor
// session.
type Arrival struct {
	State State
	// SessionID is set when the shopper is admitted at once.
	SessionID string
	// Number is the new ticket's number, 0 when none was issued.
	Number   uint64
	Prequeue bool
	// Line is the serving counter when the ticket was issued, for its
	// Ticket.Line.
	Line uint64
	// OpensInSeconds counts down to the opening (or to the pre-queue).
	OpensInSeconds int
}

// Arrive decides for a new shopper: admit at once when the room has room
// and nobody waits, otherwise hand out a ticket. It returns ErrUnavailable
// when the store is down.
func (r *Room) Arrive(ctx context.Context) (Arrival, error) {
	now := r.now()
	s := r.sched.Load()
	switch s.phase(now) {
	case phaseClosed:
		return Arrival{State: StateClosed}, nil
	case phaseEarly:
		return Arrival{State: StatePrequeue, OpensInSeconds: secondsUntil(s.PrequeueFrom, now)}, nil
	case phasePrequeue:
		if s.Random {
			// No pre-queue ticket before the seed is committed.
			if _, err := r.commitment(ctx, now); err != nil {
				return Arrival{}, r.down(err)
			}
		}
		n, err := r.store.Join(ctx, r.name, now)
		if err != nil {
			return Arrival{}, r.down(err)
		}
		r.events.arrivals.Add(1)
		return Arrival{State: StatePrequeue, Number: n, Prequeue: true, OpensInSeconds: secondsUntil(s.OpensAt, now)}, nil
	}
	// Past opens_at, the pre-queue is frozen before anyone joins behind it,
	// even if the room's tick has not come round yet.
	if !r.isOpened() {
		if err := r.open(ctx, s, now); err != nil {
			return Arrival{}, r.down(err)
		}
	}
	snap := r.snap.Load()
	if snap.err != nil {
		return Arrival{}, r.down(snap.err)
	}
	if r.soldOut(snap) {
		return Arrival{State: StateSoldOut}, nil
	}
	p := r.policy.Load()
	if !r.paused.Load() && r.isOpened() && snap.Serving >= snap.Issued && snap.Active+snap.Called < p.MaxActive {
		sid := NewSessionID()
		ok, err := r.store.AdmitDirect(ctx, r.name, sid, *p, now)
		if err != nil {
			return Arrival{}, r.down(err)
		}
		if ok {
			r.events.arrivals.Add(1)
			r.events.immediate.Add(1)
			return Arrival{State: StateAdmitted, SessionID: sid}, nil
		}
	}
	n, err := r.store.Join(ctx, r.name, now)
	if err != nil {
		return Arrival{}, r.down(err)
	}
	r.events.arrivals.Add(1)
	state := StateWaiting
	if r.paused.Load() {
		state = StatePaused
	}
	return Arrival{State: state, Number: n, Line: snap.Serving}, nil
}

func (r *Room) down(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Outlook is what a shopper without a ticket is told about the room, with
// nothing changed: the page reloads to join when it says waiting.
func (r *Room) Outlook() Status {
	now := r.now()
	s := r.sched.Load()
	st := Status{Room: r.name, State: r.waitingState(), PollAfterMS: r.pollAfter(0)}
	switch s.phase(now) {
	case phaseClosed:
		st.State = StateClosed
	case phaseEarly:
		st.State, st.OpensInSeconds = StatePrequeue, secondsUntil(s.PrequeueFrom, now)
	case phasePrequeue:
		st.State, st.OpensInSeconds = StatePrequeue, secondsUntil(s.OpensAt, now)
	default:
		if r.soldOut(r.snap.Load()) {
			st.State, st.PollAfterMS, st.Message = StateSoldOut, soldOutPoll, soldOutMessage
		}
	}
	return st
}

// Ticket is what the engine needs of a shopper's signed ticket.
type Ticket struct {
	Number   uint64
	Prequeue bool
	IssuedAt time.Time
	// Line is the serving counter when the ticket was issued (Arrival's
	// Line); 0 for a pre-queue ticket, or when not known. Progress counts
	// from it, so that it is the same on every node and never goes back.
	Line uint64
}

// Status answers a waiting shopper's poll. When the ticket's turn has come
// it claims the slot: the answer is admitted, with the new session's id.
// A ticket that forfeited its turn is given a new one at the back of the
// line, and told so (after closes_at, it is told the room has closed).
// When the store cannot be reached the shopper keeps their place and the
// answer's Message says so; Status then still returns a nil error.
func (r *Room) Status(ctx context.Context, t Ticket) (Status, error) {
	return r.status(ctx, t, true)
}

// Welcome is Status for the ticket an arrival was handed a moment ago, to
// fill its first page. It notes no poll: Join stamped the ticket as seen
// already, and noting it again would cost the store one more write per
// arrival, at the next tick, in the flash crowd where arrivals are most
// of what it does.
func (r *Room) Welcome(ctx context.Context, t Ticket) (Status, error) {
	return r.status(ctx, t, false)
}

// status is Status; poll says whether the answer notes a poll.
func (r *Room) status(ctx context.Context, t Ticket, poll bool) (Status, error) {
	see := func() {
		if poll {
			r.see(t.Number)
		}
	}
	now := r.now()
	s := r.sched.Load()
	snap := r.snap.Load()
	st := Status{Room: r.name, PollAfterMS: r.pollAfter(0)}
	ph := s.phase(now)
	if ph == phaseEarly || ph == phasePrequeue || !snap.Opening.Opened {
		see()
		st.State = StatePrequeue
		st.OpensInSeconds = secondsUntil(s.OpensAt, now)
		if !s.Random && t.Number > 0 {
			st.Position = t.Number
			st.Ahead = t.Number - 1
		}
		if snap.err != nil {
			st.Message = unavailableMessage
		}
		return st, nil
	}
	pos := snap.Opening.Position(t.Number)
	st.Position = pos
	if r.soldOut(snap) {
		// Told at once, not after a wait for nothing; the ticket keeps
		// its place in case held units return to stock.
		see()
		st.State = StateSoldOut
		st.PollAfterMS = soldOutPoll
		st.Message = soldOutMessage
		return st, nil
	}
	if pos <= snap.Serving && snap.err == nil {
		return r.claim(ctx, t, st, now)
	}
	see()
	st.State = r.waitingState()
	r.estimate(&st, snap, t, now)
	if snap.err != nil {
		st.Message = unavailableMessage
	}
	return st, nil
}

const unavailableMessage = "We can't reach our queue service right now. You keep your place; this page will carry on by itself."

func (r *Room) claim(ctx context.Context, t Ticket, st Status, now time.Time) (Status, error) {
	fresh := NewSessionID()
	sid, err := r.store.Claim(ctx, r.name, t.Number, fresh, now)
	switch {
	case err == nil:
		if sid == fresh { // else a retry, given the first claim's session
			r.events.claimed.Add(1)
		}
		st.State = StateAdmitted
		st.SessionID = sid
		st.Ahead = 0
		st.Progress = 100
		return st, nil
	case errors.Is(err, ErrNotCalled):
		// Our cache ran ahead of the store (it lost its data, or another
		// node's view is newer); the ticket is still polling.
		r.see(t.Number)
		st.State = r.waitingState()
		st.PollAfterMS = r.pollAfter(1)
		return st, nil
	case errors.Is(err, ErrForfeited):
		if r.sched.Load().phase(now) == phaseClosed {
			return Status{Room: r.name, State: StateClosed, PollAfterMS: r.pollAfter(0),
				Message: "Your turn came while you were away, and the room has closed since."}, nil
		}
		n, jerr := r.store.Join(ctx, r.name, now)
		if jerr != nil {
			return r.unreachable(st), nil // the next poll tries again
		}
		r.events.arrivals.Add(1)
		r.log.Debug("ticket forfeited its turn", "ticket", t.Number, "new", n)
		st = Status{Room: r.name, State: r.waitingState(), Requeued: true, Number: n, PollAfterMS: r.pollAfter(0),
			Message: "Your turn came while you were away, so you have a new place at the back of the line."}
		st.Position = n
		snap := r.snap.Load()
		st.Line = snap.Serving
		r.estimate(&st, snap, Ticket{Number: n, IssuedAt: now, Line: snap.Serving}, now)
		return st, nil
	default:
		r.see(t.Number)
		return r.unreachable(st), nil
	}
}

// unreachable is the answer to a shopper whose turn has come while the
// store cannot be reached: keep waiting, and ask again soon.
func (r *Room) unreachable(st Status) Status {
	st.State = r.waitingState()
	st.Message = unavailableMessage
	st.PollAfterMS = r.pollAfter(1)
	return st
}

func (r *Room) waitingState() State {
	if r.paused.Load() {
		return StatePaused
	}
	return StateWaiting
}

// see queues a poll for the next flush.
func (r *Room) see(n uint64) {
	r.mu.Lock()
	r.seen = append(r.seen, n)
	r.mu.Unlock()
}

// pollAfter is the interval a page should wait: the room's poll interval,
// or a second when the shopper's turn is near, so no claim window is lost.
func (r *Room) pollAfter(near uint64) int {
	if near == 1 {
		return 1000
	}
	return int(time.Duration(r.poll.Load()) / time.Millisecond)
}

// Refresh notes that a session is still in use; the store hears of it at
// the next tick.
func (r *Room) Refresh(sid string) {
	r.mu.Lock()
	r.refresh = append(r.refresh, sid)
	r.mu.Unlock()
}

// recount tells a store that lost its data about the sessions this node
// has seen in use; the store holds admissions for a moment after a loss so
// that every node can do so first.
func (r *Room) recount(ctx context.Context, now time.Time) {
	if r.live == nil {
		return
	}
	// A session this node knows has ended is not counted again: its
	// token still verifies, but no node lets it in.
	sids := slices.DeleteFunc(r.live(), r.Ended)
	if len(sids) > 0 {
		if err := r.store.Refresh(ctx, r.name, sids, now); err != nil {
			r.log.Warn("recounting sessions after the store lost data", "err", err)
		}
	}
}

// lostData reports whether the store's counters went backwards: counters
// that only grow did not, unless the store forgot them (a Redis restarted
// without persistence, or flushed).
func lostData(before, after Counters) bool {
	return after.Issued < before.Issued || after.Admitted < before.Admitted ||
		(before.Opening.Opened && !after.Opening.Opened)
}

// Leave takes ticket n out of the line.
func (r *Room) Leave(ctx context.Context, n uint64) error {
	if err := r.store.Leave(ctx, r.name, n); err != nil {
		return fmt.Errorf("leaving the line: %w", err)
	}
	return nil
}

// NewSessionID returns a random 128-bit id in hex.
func NewSessionID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand's contract since Go 1.24)
	return hex.EncodeToString(b[:])
}

func randomSeed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// Ping reports whether the room's store can be reached, for a readiness
// check: the counters' last error says only how the last tick went.
func (r *Room) Ping(ctx context.Context) error { return r.store.Ping(ctx) }
