package memstore

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// Store keeps every room's state in this process: the default, for a
// single gateway node. It can save itself to a file so that a restart keeps
// every ticket's place (see persist.go).
type Store struct {
	mu     sync.Mutex
	rooms  map[string]*memRoom
	saveMu sync.Mutex  // one Save at a time
	ov     overrideSet // operators' live changes (overrides.go)

	// held, when set (by benchmarks), is told how long the lock was held
	// by each slice of work that Save and batched calls split theirs into.
	held func(time.Duration)
}

var (
	_ queue.Store     = (*Store)(nil)
	_ queue.Unbounded = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{rooms: make(map[string]*memRoom)}
}

// memRoom is one room's state. Times are Unix nanoseconds so that the state
// saves and loads as it is.
type memRoom struct {
	Issued   uint64
	Serving  uint64
	Admitted uint64
	Opening  queue.Opening

	// Forfeited, Abandoned and Left count tickets whose turn came to
	// nothing: called and not claimed in time, skipped for not polling,
	// or taken out of the line by their holder. Operators read them in
	// the metrics; nothing is decided from them.
	Forfeited, Abandoned, Left uint64

	// Tokens is the admission bucket's level at TokensAt; a bucket never
	// used (TokensAt zero) is full. Calls reserve tokens and claims spend
	// them, so the bucket bounds admissions when sessions start, and a
	// no-show's token goes back to the next in line.
	Tokens   float64
	TokensAt int64

	// Sessions maps a session id to its last refresh.
	Sessions map[string]int64
	// Ended maps an ended session to when it ended, remembered until no
	// token of it could be valid, so a late refresh does not bring it back.
	Ended map[string]int64
	// Calls maps a called, unclaimed ticket number to when it was called.
	Calls map[uint64]int64
	// Claims remembers recent claims so a retried claim admits nobody new.
	Claims map[uint64]claim

	// Polls holds, per ticket number (index n-1), the tick it last polled
	// at; zero means gone: called, skipped or abandoned. Two bytes per
	// ticket, the only per-ticket state. Base is set by the
	// first poll, so that it is on the callers' clock.
	Polls seenLog
	Base  int64

	// Waiting is the last count of live tickets, made at most once a
	// second (waiting.go), plus those who joined since.
	Waiting   int
	WaitingAt int64

	// Last is the latest time a caller passed, the store's idea of now for
	// the methods that are not given one.
	Last int64

	// Stock is the room's inventory and its holds (stock.go).
	Stock memStock

	// Lottery is the seed a random room committed to (lottery.go).
	Lottery queue.Commitment

	// ix is what the store derives from the fields above to find its work
	// without walking them; not saved, rebuilt on load (index.go).
	ix roomIndex
}

type claim struct {
	SID string
	At  int64
}

func newMemRoom() *memRoom {
	return &memRoom{
		Sessions: make(map[string]int64),
		Ended:    make(map[string]int64),
		Calls:    make(map[uint64]int64),
		Claims:   make(map[uint64]claim),
		Stock:    newMemStock(),
	}
}

// room returns the named room, creating it, and notes now as the latest
// time heard; the caller holds mu.
func (s *Store) room(name string, now time.Time) *memRoom {
	r := s.rooms[name]
	if r == nil {
		r = newMemRoom()
		s.rooms[name] = r
	}
	if ns := now.UnixNano(); ns > r.Last {
		r.Last = ns
	}
	return r
}

// A poll is stamped with a tick: whole seconds since Base, on a 16-bit
// clock that runs 1..tickSpan and wraps (zero means gone, seenLeft left).
// Two bytes a ticket keep a million waiting shoppers under 2 MiB. The wrap
// is harmless because every stamp older than the abandon window is zeroed
// within ten minutes of going stale (waiting.go), and validation keeps that
// window far below half a wrap (about nine hours): an age is then always
// unambiguous.
const (
	tickSpan = 65534
	seenLeft = ^uint16(0) // the holder left the line; see Leave
)

// tick is the stamp for now.
func (r *memRoom) tick(now time.Time) uint16 {
	d := now.UnixNano() - r.Base
	if d < 0 {
		d = 0
	}
	return uint16((d/int64(time.Second))%tickSpan) + 1
}

// tickAge is how many seconds before cur stamp t was made; negative when t
// is a moment after cur (its caller read the clock after cur's did).
func tickAge(t, cur uint16) int {
	age := (int(cur) - int(t) + tickSpan) % tickSpan
	if age > tickSpan/2 {
		age -= tickSpan
	}
	return age
}

// fresh reports whether a poll at tick t is within the abandon window at
// tick cur. A ticket that left never is, whatever polls come after: a poll
// batched on some node before the leave must not put it back in line.
func fresh(t, cur uint16, abandon time.Duration) bool {
	return t != 0 && t != seenLeft && tickAge(t, cur) <= int(abandon/time.Second)
}

// live reports whether ticket n is still in line and polled recently.
func (r *memRoom) live(n uint64, now time.Time, abandon time.Duration) bool {
	if n == 0 || n > r.Polls.len() {
		return false
	}
	return fresh(r.Polls.get(n-1), r.tick(now), abandon)
}

// see marks ticket n as polling now, growing Seen for numbers this store
// has not handed out: after a restart that lost data, a ticket it cannot
// know of keeps its place and pushes later arrivals behind it. The numbers
// in between are taken as polling too, until the abandon window says
// otherwise: their holders' polls may simply not have arrived yet.
func (r *memRoom) see(n uint64, now time.Time) {
	if n == 0 {
		return
	}
	if r.Base == 0 {
		r.Base = now.UnixNano()
	}
	cur := r.tick(now)
	if n > r.Issued {
		r.Issued = n
	}
	r.growPolls(n, cur)
	if r.Opening.Opened && r.Opening.Position(n) <= r.Serving {
		return // its turn has passed; polling does not bring it back
	}
	if r.Polls.get(n-1) == seenLeft {
		return
	}
	r.setPoll(n-1, cur)
}

// refill tops up the admission bucket.
func (r *memRoom) refill(p queue.Policy, now time.Time) {
	ns := now.UnixNano()
	if r.TokensAt == 0 {
		r.Tokens, r.TokensAt = float64(p.Burst), ns
	}
	if elapsed := ns - r.TokensAt; elapsed > 0 {
		// In this order the sum is exact for whole seconds at whole rates.
		r.Tokens += float64(elapsed) * float64(p.PerMinute) / float64(time.Minute)
		r.TokensAt = ns
	}
	if r.Tokens > float64(p.Burst) {
		r.Tokens = float64(p.Burst)
	}
}

// spare is the bucket's tokens not reserved for calls awaiting their claim.
func (r *memRoom) spare() float64 {
	return r.Tokens - float64(len(r.Calls))
}

func (r *memRoom) free(p queue.Policy) int {
	return p.MaxActive - len(r.Sessions) - len(r.Calls)
}

func (r *memRoom) counters() queue.Counters {
	return queue.Counters{
		Issued:   r.Issued,
		Serving:  r.Serving,
		Active:   len(r.Sessions),
		Called:   len(r.Calls),
		Waiting:  r.Waiting,
		Admitted: r.Admitted,
		Opening:  r.Opening,
		Stock:    r.Stock.report(r.Last),
		Outcomes: queue.Outcomes{Forfeited: r.Forfeited, Abandoned: r.Abandoned, Left: r.Left},
	}
}

// Join implements queue.Store.
func (s *Store) Join(_ context.Context, room string, now time.Time) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	n := r.Issued + 1
	r.see(n, now)
	r.Waiting++
	return n, nil
}

// Open implements queue.Store.
func (s *Store) Open(_ context.Context, room string, random bool, seed uint64, now time.Time) (queue.Opening, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	if !r.Opening.Opened {
		r.Opening = queue.Opening{Opened: true, At: now, PrequeueEnd: r.Issued, Random: random, Seed: seed}
	}
	return r.Opening, nil
}

// Advance implements queue.Store.
func (s *Store) Advance(_ context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	r.expire(p, now)
	r.Stock.expire(now.UnixNano())
	r.refill(p, now)
	if r.Opening.Opened {
		free := r.free(p)
		for free > 0 && r.spare() >= 1 && r.Serving < r.Issued {
			r.Serving++
			n := r.Opening.Number(r.Serving)
			if r.live(n, now, p.AbandonAfter) {
				r.call(n, now.UnixNano())
				free--
			} else if n > r.Polls.len() || r.Polls.get(n-1) != seenLeft {
				r.Abandoned++ // one that left was counted when it did
			}
			if n <= r.Polls.len() {
				r.setPoll(n-1, 0)
			}
		}
		if !r.Opening.Random || r.Serving >= r.Opening.PrequeueEnd {
			r.Polls.release(r.Serving) // every ticket before it had its turn
		}
	}
	if now.UnixNano()-r.WaitingAt >= int64(time.Second) {
		r.countWaiting(p, now)
	}
	return r.counters(), nil
}

// Claim implements queue.Store.
func (s *Store) Claim(_ context.Context, room string, n uint64, sid string, now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	if c, ok := r.Claims[n]; ok {
		if _, alive := r.Sessions[c.SID]; alive {
			return c.SID, nil
		}
		return "", queue.ErrForfeited // its session has ended since
	}
	if _, ok := r.Calls[n]; ok {
		r.uncall(n)
		r.Tokens-- // the token its call reserved
		r.stampSession(sid, now.UnixNano())
		r.addClaim(n, claim{SID: sid, At: now.UnixNano()})
		r.Admitted++
		return sid, nil
	}
	if !r.Opening.Opened || r.Opening.Position(n) > r.Serving {
		return "", queue.ErrNotCalled
	}
	return "", queue.ErrForfeited
}

// AdmitDirect implements queue.Store.
func (s *Store) AdmitDirect(_ context.Context, room, sid string, p queue.Policy, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	if _, ok := r.Sessions[sid]; ok {
		return true, nil
	}
	if _, ended := r.Ended[sid]; ended {
		return false, nil
	}
	if !r.Opening.Opened || r.Serving < r.Issued || len(r.Calls) > 0 {
		return false, nil
	}
	r.expire(p, now)
	r.refill(p, now)
	if r.free(p) <= 0 || r.spare() < 1 {
		return false, nil
	}
	r.Tokens--
	r.stampSession(sid, now.UnixNano())
	r.Admitted++
	return true, nil
}

// Refresh implements queue.Store. A session the store does not know (it lost its
// data) but that was not ended is counted again: its token is still valid,
// so its shopper is really there.
func (s *Store) Refresh(_ context.Context, room string, sids []string, now time.Time) error {
	inBatches(s, room, now, sids, func(r *memRoom, sid string) {
		if _, ended := r.Ended[sid]; !ended {
			r.stampSession(sid, now.UnixNano())
		}
	})
	return nil
}

// lockBatch bounds the polls or refreshes applied under one hold of the
// store's lock (a refresh among a million sessions takes about 300 ns, a
// poll 100), so that a big batch — a tick's polls at a million waiting —
// does not hold up requests. Each entry stands alone, so a batch applied
// in parts is as good as batches sent apart.
const lockBatch = 1024

// inBatches applies fn to each item under the lock, lockBatch at a time.
// The room is looked up (and created) even for no items, as one call
// would.
func inBatches[T any](s *Store, room string, now time.Time, items []T, fn func(*memRoom, T)) {
	for i := 0; i == 0 || i < len(items); i += lockBatch {
		if i > 0 {
			runtime.Gosched() // let requests waiting on the lock have it
		}
		t := s.lock()
		r := s.room(room, now)
		for _, it := range items[i:min(i+lockBatch, len(items))] {
			fn(r, it)
		}
		s.unlock(t)
	}
}

// lock and unlock bracket a slice of a long piece of work, timed when
// held is set.
func (s *Store) lock() time.Time {
	s.mu.Lock()
	if s.held != nil {
		return time.Now()
	}
	return time.Time{}
}

func (s *Store) unlock(t time.Time) {
	if s.held != nil {
		s.held(time.Since(t))
	}
	s.mu.Unlock()
}

// End implements queue.Store.
func (s *Store) End(_ context.Context, room, sid string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, now)
	r.dropSession(sid)
	r.setEnded(sid, max(r.Last, r.Ended[sid]))
	return nil
}

// EndedSince implements queue.Store.
func (s *Store) EndedSince(_ context.Context, room string, since time.Time) ([]queue.Ended, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return nil, nil
	}
	var out []queue.Ended
	for _, e := range r.ix.ends.since(since.UnixNano()) {
		if r.Ended[e.key] == e.at { // else ended again since: listed later
			out = append(out, queue.Ended{ID: e.key, At: time.Unix(0, e.at)})
		}
	}
	return out, nil
}

// Seen implements queue.Store.
func (s *Store) Seen(_ context.Context, room string, numbers []uint64, now time.Time) error {
	inBatches(s, room, now, numbers, func(r *memRoom, n uint64) { r.see(n, now) })
	return nil
}

// Leave implements queue.Store.
func (s *Store) Leave(_ context.Context, room string, n uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return nil
	}
	_, called := r.Calls[n]
	if n >= 1 && n <= r.Polls.len() {
		inLine := !r.Opening.Opened || r.Opening.Position(n) > r.Serving
		if called || (inLine && r.Polls.get(n-1) != seenLeft) {
			r.Left++ // counted once: a second leave finds it gone
		}
		r.setPoll(n-1, seenLeft)
	} else if called {
		r.Left++
	}
	r.uncall(n)
	return nil
}

// Counters implements queue.Store.
func (s *Store) Counters(_ context.Context, room string) (queue.Counters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return queue.Counters{}, nil
	}
	return r.counters(), nil
}

// Ping implements queue.Store; memory is always there.
func (s *Store) Ping(context.Context) error { return nil }

// Unbounded implements queue.Unbounded: memory never waits on I/O, so
// queue.Bounded leaves the store as it is.
func (s *Store) Unbounded() queue.Store { return s }

// Close implements queue.Store.
func (s *Store) Close() error { return nil }
