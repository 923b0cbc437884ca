package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

func storeJoinNumbersInOrder(t *testing.T, b Backend) {
	s := b.New(t)
	got := JoinN(t, s, 5, Start)
	if want := []uint64{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("Join numbers: got %v, want %v", got, want)
	}
	// Rooms have their own numbers.
	if n, _ := s.Join(context.Background(), "other", Start); n != 1 {
		t.Errorf("first ticket of another room: got %d, want 1", n)
	}
	c, _ := s.Counters(context.Background(), Room)
	if c.Issued != 5 || c.Waiting != 5 {
		t.Errorf("counters: got Issued %d Waiting %d, want 5 and 5", c.Issued, c.Waiting)
	}
}

func storeOpenFreezesOnce(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 3, Start)
	first, err := s.Open(ctx, Room, true, 42, Start)
	if err != nil {
		t.Fatal(err)
	}
	want := queue.Opening{Opened: true, At: Start, PrequeueEnd: 3, Random: true, Seed: 42}
	if first != want {
		t.Fatalf("first Open: got %+v, want %+v", first, want)
	}
	JoinN(t, s, 2, Start.Add(time.Second))
	second, err := s.Open(ctx, Room, false, 7, Start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Fatalf("second Open: got %+v, want the first %+v", second, first)
	}
	if c, _ := s.Counters(ctx, Room); c.Opening != first {
		t.Errorf("Counters.Opening: got %+v, want %+v", c.Opening, first)
	}
}

// storeAdvanceTokenBucket claims every call at once, so the bucket is
// the only limit: Burst at once, then PerMinute a minute.
func storeAdvanceTokenBucket(t *testing.T, b Backend) {
	cases := []struct {
		perMinute, burst int
		step             time.Duration // how often Advance runs
	}{
		{60, 10, time.Second},
		{120, 1, 250 * time.Millisecond},
		{30, 5, time.Second},
		{600, 50, time.Second},
		{1200, 200, 100 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d_per_minute_burst_%d", tc.perMinute, tc.burst), func(t *testing.T) {
			p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 1e6, tc.perMinute, tc.burst })
			s := b.New(t)
			JoinN(t, s, 5000, Start)
			MustOpen(t, s, Start)
			admitted := 0
			for at := time.Duration(0); at <= 2*time.Minute; at += tc.step {
				now := Start.Add(at)
				MustAdvance(t, s, p, now)
				called := b.called(t, s)
				for _, n := range called {
					MustClaim(t, s, n, now)
				}
				admitted += len(called)
				if limit := tc.burst + int(int64(tc.perMinute)*int64(at)/int64(time.Minute)); admitted > limit {
					t.Fatalf("after %v: %d admitted, want at most %d", at, admitted, limit)
				}
				if at == 0 && admitted != tc.burst {
					t.Fatalf("at once: %d called, want the burst %d", admitted, tc.burst)
				}
			}
			if want := tc.burst + 2*tc.perMinute; admitted != want {
				t.Errorf("after two minutes: %d admitted, want %d", admitted, want)
			}
		})
	}
}

// storeRateBoundsClaims is guarantee 1 measured where the origin feels
// it: when sessions start. Shoppers called in the first half minute claim
// as late as the claim window lets them, everyone after at once; their
// sessions must still not bunch more than PerMinute+Burst into 60 seconds.
func storeRateBoundsClaims(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.PerMinute, p.Burst, p.ClaimWindow = 60, 10, 30*time.Second })
	s := b.New(t)
	JoinN(t, s, 2000, Start)
	MustOpen(t, s, Start)
	calledAt := map[uint64]time.Time{}
	var admissions []time.Time
	for sec := 0; sec <= 300; sec++ {
		now := Start.Add(time.Duration(sec) * time.Second)
		MustAdvance(t, s, p, now)
		for _, n := range b.called(t, s) {
			if _, ok := calledAt[n]; !ok {
				calledAt[n] = now
			}
			early := calledAt[n].Before(Start.Add(p.ClaimWindow))
			if !early || now.Sub(calledAt[n]) >= p.ClaimWindow-time.Second {
				MustClaim(t, s, n, now)
				admissions = append(admissions, now)
			}
		}
	}
	CheckWindows(t, admissions, p.PerMinute+p.Burst)
	if len(admissions) < 250 {
		t.Errorf("only %d admissions in five minutes; the room stalled", len(admissions))
	}
}

// storeCapacityInvariant drives the store with random claims, ends,
// refreshes, leaves and polls and checks that sessions plus reserved slots
// never exceed MaxActive.
func storeCapacityInvariant(t *testing.T, b Backend) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			p := queue.Policy{MaxActive: 7, PerMinute: 120, Burst: 5, SessionTTL: 20 * time.Second,
				ClaimWindow: 10 * time.Second, AbandonAfter: 30 * time.Second}
			s := b.New(t)
			ctx := context.Background()
			MustOpen(t, s, Start)
			var sids []string
			for sec := 0; sec < 600; sec++ {
				now := Start.Add(time.Duration(sec) * time.Second)
				JoinN(t, s, rng.IntN(3), now)
				c := MustAdvance(t, s, p, now)
				if c.Active+c.Called > p.MaxActive {
					t.Fatalf("at %ds: %d active + %d called > %d", sec, c.Active, c.Called, p.MaxActive)
				}
				// Everyone still waiting polls.
				var polls []uint64
				for n := c.Serving + 1; n <= c.Issued; n++ {
					polls = append(polls, n)
				}
				s.Seen(ctx, Room, polls, now)
				for _, n := range b.called(t, s) {
					switch rng.IntN(4) {
					case 0: // a no-show
					case 1:
						s.Leave(ctx, Room, n)
					default:
						sids = append(sids, MustClaim(t, s, n, now))
					}
				}
				for i := 0; i < len(sids); i++ {
					switch rng.IntN(10) {
					case 0:
						s.End(ctx, Room, sids[i], now)
						sids = slices.Delete(sids, i, i+1)
						i--
					case 1, 2, 3:
						s.Refresh(ctx, Room, sids[i:i+1], now)
					}
				}
				c, _ = s.Counters(ctx, Room)
				if c.Active+c.Called > p.MaxActive {
					t.Fatalf("at %ds after claims: %d active + %d called > %d", sec, c.Active, c.Called, p.MaxActive)
				}
			}
		})
	}
}

func storeCapacityBoundsCalls(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive = 3 })
	s := b.New(t)
	JoinN(t, s, 10, Start)
	MustOpen(t, s, Start)
	c := MustAdvance(t, s, p, Start)
	if c.Called != 3 || c.Serving != 3 {
		t.Fatalf("got Called %d Serving %d, want 3 and 3", c.Called, c.Serving)
	}
	MustClaim(t, s, 1, Start)
	MustClaim(t, s, 2, Start)
	c = MustAdvance(t, s, p, Start.Add(time.Second))
	if c.Active != 2 || c.Called != 1 || c.Serving != 3 {
		t.Fatalf("got Active %d Called %d Serving %d, want 2, 1, 3", c.Active, c.Called, c.Serving)
	}
	s.End(context.Background(), Room, "sid-1", Start.Add(time.Second))
	c = MustAdvance(t, s, p, Start.Add(2*time.Second))
	if c.Active != 1 || c.Called != 2 || c.Serving != 4 {
		t.Fatalf("after an end: got Active %d Called %d Serving %d, want 1, 2, 4", c.Active, c.Called, c.Serving)
	}
}

func storeClaimIsIdempotent(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.ClaimWindow = 30 * time.Second })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 2, Start)
	MustOpen(t, s, Start)
	MustAdvance(t, s, p, Start)
	first, err := s.Claim(ctx, Room, 1, "first", Start)
	if err != nil || first != "first" {
		t.Fatalf("Claim: got %q, %v, want %q", first, err, "first")
	}
	for i, at := range []time.Duration{0, time.Second, 3 * time.Hour / 2} {
		now := Start.Add(at)
		if at > 0 {
			s.Refresh(ctx, Room, []string{"first"}, now)
			MustAdvance(t, s, p, now)
		}
		again, err := s.Claim(ctx, Room, 1, fmt.Sprintf("retry-%d", i), now)
		if err != nil || again != "first" {
			t.Fatalf("retried Claim after %v: got %q, %v, want %q", at, again, err, "first")
		}
	}
	c, _ := s.Counters(ctx, Room)
	if c.Active != 1 || c.Admitted != 1 {
		t.Errorf("after retries: got Active %d Admitted %d, want 1 and 1", c.Active, c.Admitted)
	}
	// Once that session has ended, the old ticket is spent.
	s.End(ctx, Room, "first", Start.Add(3*time.Hour/2))
	if _, err := s.Claim(ctx, Room, 1, "late", Start.Add(2*time.Hour)); !errors.Is(err, queue.ErrForfeited) {
		t.Errorf("Claim after the session ended: got %v, want ErrForfeited", err)
	}
}

func storeClaimBeforeTurn(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 5, Start)
	if _, err := s.Claim(ctx, Room, 1, "x", Start); !errors.Is(err, queue.ErrNotCalled) {
		t.Fatalf("Claim before opening: got %v, want ErrNotCalled", err)
	}
	MustOpen(t, s, Start)
	MustAdvance(t, s, With(Roomy, func(p *queue.Policy) { p.MaxActive = 2 }), Start)
	if _, err := s.Claim(ctx, Room, 3, "x", Start); !errors.Is(err, queue.ErrNotCalled) {
		t.Fatalf("Claim of ticket 3 with 2 called: got %v, want ErrNotCalled", err)
	}
	if c, _ := s.Counters(ctx, Room); c.Active != 0 {
		t.Errorf("Active after refused claims: got %d, want 0", c.Active)
	}
}

func storeForfeitGivesSlotToNext(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.ClaimWindow = 1, 30*time.Second })
	s := b.New(t)
	JoinN(t, s, 2, Start)
	MustOpen(t, s, Start)
	MustAdvance(t, s, p, Start)
	if got := b.called(t, s); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("called: got %v, want [1]", got)
	}
	MustAdvance(t, s, p, Start.Add(30*time.Second))
	if got := b.called(t, s); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("called at the end of the window: got %v, want [1]", got)
	}
	later := Start.Add(31 * time.Second)
	c := MustAdvance(t, s, p, later)
	if got := b.called(t, s); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("called after the window: got %v, want [2]", got)
	}
	if c.Called != 1 || c.Active != 0 {
		t.Errorf("got Called %d Active %d, want 1 and 0", c.Called, c.Active)
	}
	if _, err := s.Claim(context.Background(), Room, 1, "late", later); !errors.Is(err, queue.ErrForfeited) {
		t.Errorf("late Claim: got %v, want ErrForfeited", err)
	}
	MustClaim(t, s, 2, later)
}

// storeForfeitReturnsBudget: a no-show uses a slot for the claim
// window, not a unit of the admission rate.
func storeForfeitReturnsBudget(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.PerMinute, p.Burst, p.ClaimWindow = 1, 3, 10*time.Second })
	s := b.New(t)
	JoinN(t, s, 10, Start)
	MustOpen(t, s, Start)
	MustAdvance(t, s, p, Start)
	if got := b.called(t, s); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("called: got %v, want [1 2 3]", got)
	}
	MustAdvance(t, s, p, Start.Add(11*time.Second))
	if got := b.called(t, s); !slices.Equal(got, []uint64{4, 5, 6}) {
		t.Fatalf("called after three no-shows: got %v, want [4 5 6]", got)
	}
}

func storeAbandonedTicketsAreSkipped(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.PerMinute, p.Burst, p.AbandonAfter = 1, 2, time.Minute })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 5, Start)
	MustOpen(t, s, Start)
	// 1 and 3 stop polling; 2, 4 and 5 poll every 10 s.
	for sec := 10; sec <= 70; sec += 10 {
		s.Seen(ctx, Room, []uint64{2, 4, 5}, Start.Add(time.Duration(sec)*time.Second))
	}
	now := Start.Add(70 * time.Second)
	c := MustAdvance(t, s, p, now)
	if got := b.called(t, s); !slices.Equal(got, []uint64{2, 4}) {
		t.Fatalf("called: got %v, want [2 4] (1 and 3 skipped without using budget)", got)
	}
	if c.Serving != 4 || c.Waiting != 1 {
		t.Errorf("got Serving %d Waiting %d, want 4 and 1", c.Serving, c.Waiting)
	}
	if _, err := s.Claim(ctx, Room, 1, "back", now); !errors.Is(err, queue.ErrForfeited) {
		t.Errorf("Claim of a skipped ticket: got %v, want ErrForfeited", err)
	}
	// A late poll does not put a skipped ticket back in line.
	s.Seen(ctx, Room, []uint64{3}, now)
	if c := MustAdvance(t, s, p, now.Add(2*time.Second)); c.Waiting != 1 {
		t.Errorf("Waiting after a skipped ticket polled: got %d, want 1", c.Waiting)
	}
}

// storeJoinRacingAdvance: a ticket joined at a later instant than the
// Advance that reaches it (another goroutine read the clock first) is
// polling, not abandoned.
func storeJoinRacingAdvance(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.AbandonAfter = time.Minute })
	s := b.New(t)
	MustOpen(t, s, Start)
	tick := Start.Add(999 * time.Millisecond)
	JoinN(t, s, 1, tick.Add(2*time.Millisecond)) // in the next second
	if c := MustAdvance(t, s, p, tick); c.Called != 1 {
		t.Fatalf("Called: got %d, want 1; a fresh ticket was skipped as abandoned", c.Called)
	}
}

func storeSessionsExpire(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.SessionTTL = 1, time.Minute })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 2, Start)
	MustOpen(t, s, Start)
	MustAdvance(t, s, p, Start)
	sid := MustClaim(t, s, 1, Start)
	last := Start.Add(40 * time.Second)
	s.Refresh(ctx, Room, []string{sid}, last)
	cases := []struct {
		after        time.Duration
		active, call int
	}{
		{p.SessionTTL, 1, 0},
		{p.SessionTTL + queue.SessionGrace, 1, 0},
		{p.SessionTTL + queue.SessionGrace + time.Second, 0, 1},
	}
	for _, tc := range cases {
		c := MustAdvance(t, s, p, last.Add(tc.after))
		if c.Active != tc.active || c.Called != tc.call {
			t.Errorf("%v after the last refresh: got Active %d Called %d, want %d and %d",
				tc.after, c.Active, c.Called, tc.active, tc.call)
		}
	}
}

func storeEndFreesSlotForGood(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive = 1 })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 2, Start)
	MustOpen(t, s, Start)
	MustAdvance(t, s, p, Start)
	sid := MustClaim(t, s, 1, Start)
	if err := s.End(ctx, Room, sid, Start); err != nil {
		t.Fatal(err)
	}
	s.Refresh(ctx, Room, []string{sid}, Start.Add(time.Second))
	c := MustAdvance(t, s, p, Start.Add(2*time.Second))
	if c.Active != 0 || c.Called != 1 {
		t.Fatalf("after End and a late refresh: got Active %d Called %d, want 0 and 1", c.Active, c.Called)
	}
	// Still refused near the end of the session's possible life.
	late := Start.Add(p.SessionTTL)
	s.Refresh(ctx, Room, []string{sid}, late)
	if c := MustAdvance(t, s, p, late); c.Active != 0 {
		t.Errorf("refresh near the end of its life: got Active %d, want 0", c.Active)
	}
}

// storeEndOfUnknownSession: a session ended after the store lost it
// (or on a room the store never saw) must not come back with a refresh
// while its token could still be valid, whatever the wall clock says.
func storeEndOfUnknownSession(t *testing.T, b Backend) {
	for _, base := range []time.Time{
		time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2091, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(base.Format("2006"), func(t *testing.T) {
			p := With(Roomy, func(p *queue.Policy) { p.SessionTTL = time.Minute })
			s := b.New(t)
			ctx := context.Background()
			MustOpen(t, s, base)
			if err := s.End(ctx, Room, "ghost", base); err != nil {
				t.Fatal(err)
			}
			now := base.Add(30 * time.Second)
			MustAdvance(t, s, p, now)
			s.Refresh(ctx, Room, []string{"ghost"}, now)
			if c := MustAdvance(t, s, p, now); c.Active != 0 {
				t.Errorf("Active: got %d, want 0", c.Active)
			}
		})
	}
}

// storeEndedOutlivesTokens: an ended session is listed, and its refreshes
// refused, until its life plus EndedSlack after its end — the time every
// node refuses it until, so a node that hears late still hears — and is
// forgotten after. Ends are stamped in the order they were made, whatever
// the callers' clocks.
func storeEndedOutlivesTokens(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.SessionTTL = 20 * time.Second })
	s := b.New(t)
	ctx := context.Background()
	MustOpen(t, s, Start)
	if ok, err := s.AdmitDirect(ctx, Room, "gone", p, Start); !ok || err != nil {
		t.Fatalf("AdmitDirect: %v, %v", ok, err)
	}
	end := Start.Add(9 * time.Second)
	if err := s.End(ctx, Room, "gone", end); err != nil {
		t.Fatal(err)
	}
	MustAdvance(t, s, p, end.Add(2*time.Second)) // a node whose clock is ahead
	if err := s.End(ctx, Room, "slow-clock", end.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	stamps := func() map[string]time.Time {
		es, err := s.EndedSince(ctx, Room, Start)
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]time.Time)
		for _, e := range es {
			m[e.ID] = e.At
		}
		return m
	}
	if got := stamps(); !got["gone"].Equal(end) || !got["slow-clock"].Equal(end.Add(2*time.Second)) {
		t.Errorf("end stamps: got %v, want gone at %v and slow-clock at %v (not before an end already heard of)",
			got, end, end.Add(2*time.Second))
	}
	last := end.Add(p.SessionTTL + queue.EndedSlack)
	MustAdvance(t, s, p, last)
	s.Refresh(ctx, Room, []string{"gone"}, last)
	if c := MustAdvance(t, s, p, last); c.Active != 0 {
		t.Errorf("a refresh %v after the end: got Active %d, want 0", last.Sub(end), c.Active)
	}
	if _, ok := stamps()["gone"]; !ok {
		t.Errorf("%v after the end, a node hearing late no longer hears of it", last.Sub(end))
	}
	MustAdvance(t, s, p, last.Add(time.Second))
	if _, ok := stamps()["gone"]; ok {
		t.Errorf("%v after the end, still listed: no token of it can verify", last.Add(time.Second).Sub(end))
	}
}

func storeRefreshOfUnknownSessionCounts(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	MustOpen(t, s, Start)
	s.Refresh(ctx, Room, []string{"kept-by-its-token", "kept-by-its-token"}, Start)
	if c := MustAdvance(t, s, Roomy, Start); c.Active != 1 {
		t.Errorf("Active: got %d, want 1", c.Active)
	}
}

func storeSeenRaisesIssued(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	if err := s.Seen(ctx, Room, []uint64{50}, Start); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Counters(ctx, Room); c.Issued != 50 {
		t.Fatalf("Issued: got %d, want 50", c.Issued)
	}
	if n := JoinN(t, s, 1, Start); n[0] != 51 {
		t.Errorf("next Join: got %d, want 51", n[0])
	}
	s.Seen(ctx, Room, []uint64{0, 20}, Start)
	if c, _ := s.Counters(ctx, Room); c.Issued != 51 {
		t.Errorf("Issued after polls of known numbers: got %d, want 51", c.Issued)
	}
}

// storeLostDataKeepsOrder: after the store lost its data, the first
// poll to arrive is from ticket 50; tickets 1..49 have not polled yet. They
// must not be skipped as abandoned.
func storeLostDataKeepsOrder(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.PerMinute, p.Burst, p.AbandonAfter = 60, 5, time.Minute })
	s := b.New(t)
	MustOpen(t, s, Start)
	s.Seen(context.Background(), Room, []uint64{50}, Start)
	MustAdvance(t, s, p, Start)
	if got := b.called(t, s); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("called: got %v, want [1 2 3 4 5]", got)
	}
	// Those that never poll again are abandoned in due time.
	c := MustAdvance(t, s, p, Start.Add(p.AbandonAfter+2*time.Second))
	if c.Waiting != 0 {
		t.Errorf("Waiting after the abandon window: got %d, want 0", c.Waiting)
	}
}

func storeLeave(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive = 2 })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 4, Start)
	MustOpen(t, s, Start)
	s.Leave(ctx, Room, 3) // waiting
	MustAdvance(t, s, p, Start)
	s.Leave(ctx, Room, 1) // called: its slot is free again
	MustAdvance(t, s, p, Start.Add(time.Second))
	if got := b.called(t, s); !slices.Equal(got, []uint64{2, 4}) {
		t.Fatalf("called: got %v, want [2 4]", got)
	}
	for _, n := range []uint64{1, 3} {
		if _, err := s.Claim(ctx, Room, n, "x", Start.Add(time.Second)); !errors.Is(err, queue.ErrForfeited) {
			t.Errorf("Claim(%d) after Leave: got %v, want ErrForfeited", n, err)
		}
	}
	// Leaving a room or ticket the store does not know is harmless.
	if err := s.Leave(ctx, "nowhere", 9); err != nil {
		t.Errorf("Leave of an unknown room: %v", err)
	}
	if err := s.Leave(ctx, Room, 1000); err != nil {
		t.Errorf("Leave of an unknown ticket: %v", err)
	}
}

func storeAdmitDirect(t *testing.T, b Backend) {
	p := queue.Policy{MaxActive: 2, PerMinute: 60, Burst: 2, SessionTTL: time.Minute, ClaimWindow: time.Minute, AbandonAfter: time.Minute}
	ctx := context.Background()
	cases := []struct {
		name  string
		setup func(*testing.T, queue.Store)
		want  bool
	}{
		{"fresh open room", func(t *testing.T, s queue.Store) { MustOpen(t, s, Start) }, true},
		{"not open yet", func(t *testing.T, s queue.Store) {}, false},
		{"someone waits", func(t *testing.T, s queue.Store) {
			MustOpen(t, s, Start)
			JoinN(t, s, 1, Start)
		}, false},
		{"a call is pending", func(t *testing.T, s queue.Store) {
			MustOpen(t, s, Start)
			JoinN(t, s, 1, Start)
			MustAdvance(t, s, p, Start)
		}, false},
		{"full", func(t *testing.T, s queue.Store) {
			MustOpen(t, s, Start)
			s.Refresh(ctx, Room, []string{"a", "b"}, Start)
		}, false},
		{"no budget", func(t *testing.T, s queue.Store) {
			MustOpen(t, s, Start)
			s.AdmitDirect(ctx, Room, "a", p, Start)
			s.AdmitDirect(ctx, Room, "b", p, Start)
			s.End(ctx, Room, "a", Start)
			s.End(ctx, Room, "b", Start)
		}, false},
		{"budget back after a second", func(t *testing.T, s queue.Store) {
			MustOpen(t, s, Start.Add(-time.Second))
			s.AdmitDirect(ctx, Room, "a", p, Start.Add(-time.Second))
			s.AdmitDirect(ctx, Room, "b", p, Start.Add(-time.Second))
			s.End(ctx, Room, "a", Start.Add(-time.Second))
			s.End(ctx, Room, "b", Start.Add(-time.Second))
		}, true},
		{"everyone waiting was served", func(t *testing.T, s queue.Store) {
			MustOpen(t, s, Start)
			JoinN(t, s, 1, Start)
			MustAdvance(t, s, p, Start)
			MustClaim(t, s, 1, Start)
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			tc.setup(t, s)
			before, _ := s.Counters(ctx, Room)
			ok, err := s.AdmitDirect(ctx, Room, "new", p, Start)
			if err != nil || ok != tc.want {
				t.Fatalf("AdmitDirect: got %v, %v, want %v", ok, err, tc.want)
			}
			after, _ := s.Counters(ctx, Room)
			wantActive := before.Active
			if tc.want {
				wantActive++
			}
			if after.Active != wantActive {
				t.Errorf("Active: got %d, want %d", after.Active, wantActive)
			}
			if !tc.want {
				return
			}
			// A retry with the same id admits nobody new.
			ok, err = s.AdmitDirect(ctx, Room, "new", p, Start)
			if again, _ := s.Counters(ctx, Room); !ok || err != nil || again.Active != after.Active || again.Admitted != after.Admitted {
				t.Errorf("retried AdmitDirect: got %v, %v, Active %d Admitted %d, want true, nil, %d, %d",
					ok, err, again.Active, again.Admitted, after.Active, after.Admitted)
			}
			// An ended session is not let back in by a retry.
			s.End(ctx, Room, "new", Start)
			if ok, _ := s.AdmitDirect(ctx, Room, "new", p, Start); ok {
				t.Errorf("AdmitDirect of an ended session: got true, want false")
			}
		})
	}
}

func storeWaitingCount(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 1, time.Minute })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 6, Start)
	MustOpen(t, s, Start)
	steps := []struct {
		at      time.Duration
		polls   []uint64
		leave   uint64
		waiting int
	}{
		{0, nil, 0, 5},                           // 1 called
		{30 * time.Second, []uint64{2, 3}, 0, 5}, // all within the window
		{61 * time.Second, []uint64{2}, 0, 2},    // 4..6 last polled at 0 s; 3 at 30 s
		{62 * time.Second, nil, 3, 1},            // 3 left
		{95 * time.Second, []uint64{2}, 0, 1},    // only 2 still polls
		{200 * time.Second, nil, 0, 0},           // nobody
	}
	for _, st := range steps {
		now := Start.Add(st.at)
		s.Seen(ctx, Room, st.polls, now)
		if st.leave != 0 {
			s.Leave(ctx, Room, st.leave)
		}
		if c := MustAdvance(t, s, p, now); c.Waiting != st.waiting {
			t.Errorf("at %v: Waiting got %d, want %d", st.at, c.Waiting, st.waiting)
		}
	}
}

// storeCountersReadsOnly: reading a room the store does not know
// creates nothing, so the room's clock starts with its first real event.
func storeCountersReadsOnly(t *testing.T, b Backend) {
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	p := With(Roomy, func(p *queue.Policy) { p.AbandonAfter = time.Minute })
	s := b.New(t)
	ctx := context.Background()
	if c, err := s.Counters(ctx, Room); err != nil || c != (queue.Counters{}) {
		t.Fatalf("Counters of an unknown room: got %+v, %v", c, err)
	}
	MustOpen(t, s, past)
	JoinN(t, s, 1, past)
	if c := MustAdvance(t, s, With(p, func(p *queue.Policy) { p.MaxActive = 0 }), past.Add(2*time.Minute)); c.Waiting != 0 {
		t.Errorf("Waiting two minutes after the only poll: got %d, want 0", c.Waiting)
	}
}

// storeAdvanceFollowsTheLottery: a random pre-queue is called in the
// order of the opening's permutation, and everyone after it in arrival
// order; a poll of a ticket whose turn has passed does not put it back.
func storeAdvanceFollowsTheLottery(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.AbandonAfter = time.Minute })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 300, Start)
	o, err := s.Open(ctx, Room, true, 99, Start)
	if err != nil {
		t.Fatal(err)
	}
	JoinN(t, s, 5, Start)
	lottery := func(from, to uint64) []uint64 {
		var ns []uint64
		for pos := from; pos <= to; pos++ {
			ns = append(ns, o.Number(pos))
		}
		slices.Sort(ns)
		return ns
	}
	MustAdvance(t, s, With(p, func(p *queue.Policy) { p.MaxActive = 7 }), Start)
	if got, want := b.called(t, s), lottery(1, 7); !slices.Equal(got, want) {
		t.Fatalf("called with room for 7: got %v, want the lottery's first 7 %v", got, want)
	}
	// Everyone polls, those called too; the room stays full.
	all := make([]uint64, 305)
	for i := range all {
		all[i] = uint64(i + 1)
	}
	later := Start.Add(90 * time.Second)
	if err := s.Seen(ctx, Room, all, later); err != nil {
		t.Fatal(err)
	}
	if c := MustAdvance(t, s, With(p, func(p *queue.Policy) { p.MaxActive = 7 }), later); c.Waiting != 298 || c.Serving != 7 {
		t.Fatalf("after everyone polled: got Waiting %d Serving %d, want 298 and 7", c.Waiting, c.Serving)
	}
	c := MustAdvance(t, s, p, later.Add(time.Second))
	if got, want := b.called(t, s), lottery(1, 305); !slices.Equal(got, want) || c.Serving != 305 || c.Called != 305 {
		t.Fatalf("called with room for all: got %d tickets, Serving %d, Called %d; want all 305", len(got), c.Serving, c.Called)
	}
}

// storeOpenKeepsTheOpening: the opening's instant and a seed that no
// float holds come back exactly.
func storeOpenKeepsTheOpening(t *testing.T, b Backend) {
	s := b.New(t)
	at := Start.Add(123456789 * time.Nanosecond)
	seed := uint64(1<<64 - 3)
	JoinN(t, s, 2, Start)
	o, err := s.Open(context.Background(), Room, true, seed, at)
	if err != nil {
		t.Fatal(err)
	}
	want := queue.Opening{Opened: true, At: at, PrequeueEnd: 2, Random: true, Seed: seed}
	if o != want {
		t.Errorf("Open: got %+v, want %+v", o, want)
	}
}

// storeLeaveIsFinal: a poll batched before a leave (on this node or
// another) that reaches the store after it does not put the ticket back.
func storeLeaveIsFinal(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive = 1 })
	s := b.New(t)
	ctx := context.Background()
	MustOpen(t, s, Start)
	JoinN(t, s, 3, Start)
	if err := s.Leave(ctx, Room, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Seen(ctx, Room, []uint64{1, 2, 3}, Start); err != nil {
		t.Fatal(err)
	}
	c := MustAdvance(t, s, p, Start.Add(time.Second))
	if got := b.called(t, s); !slices.Equal(got, []uint64{2}) || c.Waiting != 1 {
		t.Fatalf("after 1 left and polled late: called %v, Waiting %d; want [2] and 1", got, c.Waiting)
	}
	if _, err := s.Claim(ctx, Room, 1, "back", Start.Add(time.Second)); !errors.Is(err, queue.ErrForfeited) {
		t.Errorf("Claim of the ticket that left: got %v, want ErrForfeited", err)
	}
}

// storeAdvanceTwiceAtOneInstant: Advance run again at the same instant (a
// retry whose first answer was lost) refills nothing and calls nobody the
// limits do not allow.
func storeAdvanceTwiceAtOneInstant(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 5, 60, 3 })
	s := b.New(t)
	JoinN(t, s, 10, Start)
	MustOpen(t, s, Start)
	first := MustAdvance(t, s, p, Start)
	MustClaim(t, s, 1, Start)
	again := MustAdvance(t, s, p, Start)
	if again.Serving != first.Serving || again.Called+again.Active != 3 {
		t.Errorf("Advance again at once: got Serving %d Called %d Active %d, want %d and 3 in all",
			again.Serving, again.Called, again.Active, first.Serving)
	}
}
