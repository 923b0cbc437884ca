package memstore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// refRoom is the memory store's room as it was before its work was made
// proportional to what falls due (commit 5477620): every map walked at
// every expiry, the whole line read at every count. It is the oracle the
// indexed store is held to.
type refRoom struct {
	issued, serving, admitted uint64
	opening                   queue.Opening
	tokens                    float64
	tokensAt                  int64
	sessions, ended, calls    map[string]int64
	claims                    map[uint64]claim
	callAt                    map[uint64]int64
	polls                     []uint16
	base                      int64
	waiting                   int
	waitingAt, last           int64
	outcomes                  queue.Outcomes
}

func newRefRoom() *refRoom {
	return &refRoom{sessions: map[string]int64{}, ended: map[string]int64{}, claims: map[uint64]claim{}, callAt: map[uint64]int64{}}
}

func (r *refRoom) note(now time.Time) { r.last = max(r.last, now.UnixNano()) }

func (r *refRoom) tick(now time.Time) uint16 {
	d := max(now.UnixNano()-r.base, 0)
	return uint16((d/int64(time.Second))%tickSpan) + 1
}

func (r *refRoom) live(n uint64, now time.Time, abandon time.Duration) bool {
	return n != 0 && n <= uint64(len(r.polls)) && fresh(r.polls[n-1], r.tick(now), abandon)
}

func (r *refRoom) see(n uint64, now time.Time) {
	if n == 0 {
		return
	}
	if r.base == 0 {
		r.base = now.UnixNano()
	}
	cur := r.tick(now)
	r.issued = max(r.issued, n)
	for uint64(len(r.polls)) < n {
		r.polls = append(r.polls, cur)
	}
	if r.opening.Opened && r.opening.Position(n) <= r.serving || r.polls[n-1] == seenLeft {
		return
	}
	r.polls[n-1] = cur
}

func (r *refRoom) refill(p queue.Policy, ns int64) {
	if r.tokensAt == 0 {
		r.tokens, r.tokensAt = float64(p.Burst), ns
	}
	if elapsed := ns - r.tokensAt; elapsed > 0 {
		r.tokens += float64(elapsed) * float64(p.PerMinute) / float64(time.Minute)
		r.tokensAt = ns
	}
	r.tokens = min(r.tokens, float64(p.Burst))
}

func (r *refRoom) expire(p queue.Policy, ns int64) {
	life := int64(p.SessionTTL + queue.SessionGrace)
	for sid, at := range r.sessions {
		if ns-at > life {
			delete(r.sessions, sid)
		}
	}
	for sid, at := range r.ended {
		if ns-at > int64(p.SessionTTL+queue.EndedSlack) {
			delete(r.ended, sid)
		}
	}
	for n, at := range r.callAt {
		if ns-at > int64(p.ClaimWindow) {
			delete(r.callAt, n)
			r.outcomes.Forfeited++
		}
	}
	for n, c := range r.claims {
		if _, alive := r.sessions[c.SID]; !alive && ns-c.At > 2*int64(p.ClaimWindow) {
			delete(r.claims, n)
		}
	}
}

func (r *refRoom) free(p queue.Policy) int { return p.MaxActive - len(r.sessions) - len(r.callAt) }

func (r *refRoom) counters() queue.Counters {
	return queue.Counters{Issued: r.issued, Serving: r.serving, Active: len(r.sessions), Called: len(r.callAt),
		Waiting: r.waiting, Admitted: r.admitted, Opening: r.opening, Outcomes: r.outcomes}
}

func (r *refRoom) advance(p queue.Policy, now time.Time) queue.Counters {
	r.note(now)
	ns := now.UnixNano()
	r.expire(p, ns)
	r.refill(p, ns)
	if r.opening.Opened {
		free := r.free(p)
		for free > 0 && r.tokens-float64(len(r.callAt)) >= 1 && r.serving < r.issued {
			r.serving++
			n := r.opening.Number(r.serving)
			if r.live(n, now, p.AbandonAfter) {
				r.callAt[n] = ns
				free--
			} else if n > uint64(len(r.polls)) || r.polls[n-1] != seenLeft {
				r.outcomes.Abandoned++
			}
			if n <= uint64(len(r.polls)) {
				r.polls[n-1] = 0
			}
		}
	}
	if ns-r.waitingAt >= int64(time.Second) {
		cur := r.tick(now)
		from := uint64(0)
		if !r.opening.Random || r.serving >= r.opening.PrequeueEnd {
			from = min(r.serving, uint64(len(r.polls)))
		}
		w := 0
		for i := from; i < uint64(len(r.polls)); i++ {
			switch t := r.polls[i]; {
			case t == 0 || t == seenLeft:
			case fresh(t, cur, p.AbandonAfter):
				w++
			default:
				r.polls[i] = 0
			}
		}
		r.waiting, r.waitingAt = w, ns
	}
	return r.counters()
}

func (r *refRoom) claim(n uint64, sid string, now time.Time) (string, error) {
	r.note(now)
	if c, ok := r.claims[n]; ok {
		if _, alive := r.sessions[c.SID]; alive {
			return c.SID, nil
		}
		return "", queue.ErrForfeited
	}
	if _, ok := r.callAt[n]; ok {
		delete(r.callAt, n)
		r.tokens--
		r.sessions[sid] = now.UnixNano()
		r.claims[n] = claim{SID: sid, At: now.UnixNano()}
		r.admitted++
		return sid, nil
	}
	if !r.opening.Opened || r.opening.Position(n) > r.serving {
		return "", queue.ErrNotCalled
	}
	return "", queue.ErrForfeited
}

func (r *refRoom) admitDirect(sid string, p queue.Policy, now time.Time) bool {
	r.note(now)
	if _, ok := r.sessions[sid]; ok {
		return true
	}
	if _, ended := r.ended[sid]; ended || !r.opening.Opened || r.serving < r.issued || len(r.callAt) > 0 {
		return false
	}
	r.expire(p, now.UnixNano())
	r.refill(p, now.UnixNano())
	if r.free(p) <= 0 || r.tokens-float64(len(r.callAt)) < 1 {
		return false
	}
	r.tokens--
	r.sessions[sid] = now.UnixNano()
	r.admitted++
	return true
}

// TestMatchesReference drives the memory store and refRoom with
// the same random calls, clocks a little out of step included, and holds
// every answer to be the same.
func TestMatchesReference(t *testing.T) {
	for seed := range uint64(60) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { matchReference(t, seed) })
	}
}

func matchReference(t *testing.T, seed uint64) {
	ctx := t.Context()
	rnd := rand.New(rand.NewPCG(seed, 99))
	p := queue.Policy{MaxActive: 1 + rnd.IntN(30), PerMinute: 60 + rnd.IntN(600), Burst: 1 + rnd.IntN(20),
		SessionTTL: time.Duration(1+rnd.IntN(60)) * time.Second, ClaimWindow: time.Duration(1+rnd.IntN(20)) * time.Second,
		AbandonAfter: time.Duration(2+rnd.IntN(60)) * time.Second}
	s, ref := New(), newRefRoom()
	now := storetest.Start
	var sids []string
	sid := func() string {
		if len(sids) == 0 || rnd.IntN(4) == 0 {
			sids = append(sids, fmt.Sprintf("s%d", len(sids)))
		}
		return sids[rnd.IntN(len(sids))]
	}
	for step := range 3000 {
		// Mostly forward, sometimes a caller whose clock lags a little; in
		// steps of 100 ms for half the seeds, so that times meet exactly at
		// the edges of windows.
		d := time.Duration(rnd.IntN(800)-100) * time.Millisecond
		if seed%2 == 0 {
			d = d.Truncate(100 * time.Millisecond)
		}
		now = now.Add(d)
		at := func(what string) string { return fmt.Sprintf("step %d (%s, %v)", step, what, now.Sub(storetest.Start)) }
		switch op := rnd.IntN(100); {
		case op < 15:
			n, _ := s.Join(ctx, storetest.Room, now)
			ref.note(now)
			ref.see(ref.issued+1, now)
			ref.waiting++
			if n != ref.issued {
				t.Fatalf("%s: ticket %d, want %d", at("Join"), n, ref.issued)
			}
		case op < 17:
			random := rnd.IntN(2) == 0
			o, _ := s.Open(ctx, storetest.Room, random, 7, now)
			ref.note(now)
			if !ref.opening.Opened {
				ref.opening = queue.Opening{Opened: true, At: now, PrequeueEnd: ref.issued, Random: random, Seed: 7}
			}
			if o != ref.opening {
				t.Fatalf("%s: %+v, want %+v", at("Open"), o, ref.opening)
			}
		case op < 40:
			got, _ := s.Advance(ctx, storetest.Room, p, now)
			got.Stock = queue.Stock{}
			if want := ref.advance(p, now); got != want {
				t.Fatalf("%s: %+v, want %+v", at("Advance"), got, want)
			}
		case op < 55:
			var ns []uint64
			for range rnd.IntN(8) {
				ns = append(ns, uint64(rnd.IntN(int(ref.issued)+3)))
			}
			s.Seen(ctx, storetest.Room, ns, now)
			ref.note(now)
			for _, n := range ns {
				ref.see(n, now)
			}
		case op < 65:
			n := uint64(rnd.IntN(int(ref.issued) + 2))
			id := sid()
			got, err := s.Claim(ctx, storetest.Room, n, id, now)
			want, werr := ref.claim(n, id, now)
			if got != want || !errors.Is(err, werr) {
				t.Fatalf("%s of %d: %q, %v; want %q, %v", at("Claim"), n, got, err, want, werr)
			}
		case op < 72:
			id := sid()
			got, _ := s.AdmitDirect(ctx, storetest.Room, id, p, now)
			if want := ref.admitDirect(id, p, now); got != want {
				t.Fatalf("%s of %s: %v, want %v", at("AdmitDirect"), id, got, want)
			}
		case op < 85:
			var batch []string
			for range rnd.IntN(5) {
				batch = append(batch, sid())
			}
			s.Refresh(ctx, storetest.Room, batch, now)
			ref.note(now)
			for _, id := range batch {
				if _, ended := ref.ended[id]; !ended {
					ref.sessions[id] = now.UnixNano()
				}
			}
		case op < 90:
			id := sid()
			s.End(ctx, storetest.Room, id, now)
			ref.note(now)
			delete(ref.sessions, id)
			ref.ended[id] = max(ref.last, ref.ended[id])
		case op < 95:
			n := uint64(rnd.IntN(int(ref.issued) + 2))
			s.Leave(ctx, storetest.Room, n)
			_, called := ref.callAt[n]
			inLine := !ref.opening.Opened || ref.opening.Position(n) > ref.serving
			if n >= 1 && n <= uint64(len(ref.polls)) {
				if called || inLine && ref.polls[n-1] != seenLeft {
					ref.outcomes.Left++
				}
				ref.polls[n-1] = seenLeft
			} else if called {
				ref.outcomes.Left++
			}
			delete(ref.callAt, n)
		default:
			since := now.Add(-time.Duration(rnd.IntN(120)) * time.Second)
			got, _ := s.EndedSince(ctx, storetest.Room, since)
			var want []queue.Ended
			for id, e := range ref.ended {
				if e >= since.UnixNano() {
					want = append(want, queue.Ended{ID: id, At: time.Unix(0, e)})
				}
			}
			byID := func(a, b queue.Ended) int { return cmpString(a.ID, b.ID) }
			slices.SortFunc(got, byID)
			slices.SortFunc(want, byID)
			if !slices.EqualFunc(got, want, func(a, b queue.Ended) bool { return a.ID == b.ID && a.At.Equal(b.At) }) {
				t.Fatalf("%s: %v, want %v", at("EndedSince"), got, want)
			}
		}
		if got, _ := s.Counters(ctx, storetest.Room); got.Issued != ref.issued || got.Active != len(ref.sessions) || got.Called != len(ref.callAt) || got.Waiting != ref.waiting {
			t.Fatalf("step %d: counters %+v, want %+v", step, got, ref.counters())
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
