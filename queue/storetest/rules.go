package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The rules that are written twice — once in Go for the memory store, once
// in Lua for the Redis store (queue/doc.go says why) — are each stated here
// once, as a table of cases at their boundaries, and every backend runs the
// same table. Times in the tables are offsets from start; both stores keep
// time to the microsecond at least, so that is the finest step a case takes.

// abandonAfter is the abandon window of the freshness table.
const abandonAfter = time.Minute

// freshness: a ticket is still in line while its last poll is within the
// abandon window, counted in whole seconds since the room's first poll (a
// poll stamps the second it falls in). A poll stamped after the instant
// that looks at it (another node's clock is ahead) is fresh. A ticket that
// left is never fresh again, whatever polls arrive after.
var freshness = []struct {
	name      string
	poll, now time.Duration // the ticket's last poll; the Advance that reaches it
	left      bool          // the ticket left before its last poll
	fresh     bool
}{
	{"polled just now", 0, 0, false, true},
	{"the window's last second", 0, abandonAfter, false, true},
	{"within the window's last second", 0, abandonAfter + time.Second - time.Microsecond, false, true},
	{"a second past the window", 0, abandonAfter + time.Second, false, false},
	{"a later poll keeps it", 30 * time.Second, 30*time.Second + abandonAfter, false, true},
	{"a later poll runs out too", 30 * time.Second, 31*time.Second + abandonAfter, false, false},
	// Whole seconds: a poll late in its second is as old as one early in it.
	{"counted from the poll's second", 900 * time.Millisecond, abandonAfter + 1500*time.Millisecond, false, false},
	{"polled after the look", 75 * time.Second, 70 * time.Second, false, true},
	{"left", 0, 0, true, false},
	{"left, then polled", 10 * time.Second, 10 * time.Second, true, false},
}

func storeFreshness(t *testing.T, b Backend) {
	ctx := context.Background()
	p := With(Roomy, func(p *queue.Policy) { p.AbandonAfter = abandonAfter })
	for _, tc := range freshness {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			JoinN(t, s, 1, Start) // the first poll: the seconds count from here
			MustOpen(t, s, Start)
			if tc.left {
				if err := s.Leave(ctx, Room, 1); err != nil {
					t.Fatal(err)
				}
			}
			if tc.poll > 0 {
				if err := s.Seen(ctx, Room, []uint64{1}, Start.Add(tc.poll)); err != nil {
					t.Fatal(err)
				}
			}
			c := MustAdvance(t, s, p, Start.Add(tc.now))
			if got := c.Called == 1; got != tc.fresh {
				t.Errorf("polled at %v, looked at %v with a %v window: called %v, want %v",
					tc.poll, tc.now, abandonAfter, got, tc.fresh)
			}
		})
	}
}

// refill: the admission bucket starts full (Burst tokens), gains PerMinute
// tokens a minute continuously — fractions carry over to the next Advance
// — and holds at most Burst. Each call takes a whole token (here every
// call is claimed at once, so the bucket is the only limit).
var refill = []struct {
	name             string
	perMinute, burst int
	at               []time.Duration // Advances, in order
	admitted         []int           // tickets called and claimed in all after each
}{
	{"starts full", 60, 10, []time.Duration{0}, []int{10}},
	{"a token a second", 60, 10, []time.Duration{0, time.Second, 5 * time.Second}, []int{10, 11, 15}},
	{"not before the whole token", 60, 10, []time.Duration{0, time.Second - time.Microsecond, time.Second}, []int{10, 10, 11}},
	{"fractions carry over", 90, 5, []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}, []int{5, 6, 8, 9}},
	{"fills no higher than the burst", 60, 3, []time.Duration{0, time.Hour}, []int{3, 6}},
	{"slow rate", 1, 1, []time.Duration{0, 59 * time.Second, time.Minute}, []int{1, 1, 2}},
	{"again at one instant", 60, 2, []time.Duration{0, 0, 0}, []int{2, 2, 2}},
}

func storeRefill(t *testing.T, b Backend) {
	for _, tc := range refill {
		t.Run(tc.name, func(t *testing.T) {
			p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 1e6, tc.perMinute, tc.burst })
			s := b.New(t)
			JoinN(t, s, 100, Start)
			MustOpen(t, s, Start)
			admitted := 0
			for i, at := range tc.at {
				MustAdvance(t, s, p, Start.Add(at))
				for _, n := range b.called(t, s) {
					MustClaim(t, s, n, Start.Add(at))
					admitted++
				}
				if admitted != tc.admitted[i] {
					t.Errorf("after the Advance at %v: %d admitted in all, want %d", at, admitted, tc.admitted[i])
				}
			}
		})
	}
}

// expiry: how long each thing the store forgets by age lasts, from the
// last event that kept it. A session lives SessionTTL plus SessionGrace
// after its last refresh; an ended session is listed for SessionTTL plus
// EndedSlack after its end; a call waits ClaimWindow for its claim; a hold
// is over at its end. Each lasts up to and including its last instant.
var expiry = []struct {
	what string
	// life is how long it lasts with ttl as SessionTTL and ClaimWindow and
	// holdFor as the hold.
	life func(ttl time.Duration) time.Duration
	// alive sets one up at start and reports whether it is there at now.
	alive func(t *testing.T, s queue.Store, p queue.Policy, now time.Time) bool
}{
	{"session", func(ttl time.Duration) time.Duration { return ttl + queue.SessionGrace },
		func(t *testing.T, s queue.Store, p queue.Policy, now time.Time) bool {
			s.Refresh(context.Background(), Room, []string{"a"}, Start)
			return MustAdvance(t, s, p, now).Active == 1
		}},
	{"ended session", func(ttl time.Duration) time.Duration { return ttl + queue.EndedSlack },
		func(t *testing.T, s queue.Store, p queue.Policy, now time.Time) bool {
			ctx := context.Background()
			s.End(ctx, Room, "a", Start)
			MustAdvance(t, s, p, now)
			es, err := s.EndedSince(ctx, Room, Start)
			if err != nil {
				t.Fatal(err)
			}
			return len(es) == 1
		}},
	{"call", func(ttl time.Duration) time.Duration { return ttl },
		func(t *testing.T, s queue.Store, p queue.Policy, now time.Time) bool {
			JoinN(t, s, 1, Start)
			MustAdvance(t, s, p, Start)
			return MustAdvance(t, s, p, now).Called == 1
		}},
	{"hold", func(time.Duration) time.Duration { return HoldFor - time.Microsecond },
		func(t *testing.T, s queue.Store, p queue.Policy, now time.Time) bool {
			if _, err := s.SetStock(context.Background(), Room, 1, Start); err != nil {
				t.Fatal(err)
			}
			MustHold(t, s, "a")
			return StockAt(t, s, now).Held == 1
		}},
}

func storeExpiry(t *testing.T, b Backend) {
	const ttl = 20 * time.Second
	p := With(Roomy, func(p *queue.Policy) { p.SessionTTL, p.ClaimWindow = ttl, ttl })
	for _, tc := range expiry {
		life := tc.life(ttl)
		for _, step := range []struct {
			after time.Duration
			alive bool
		}{
			{0, true},
			{life, true},
			{life + time.Microsecond, false},
		} {
			t.Run(fmt.Sprintf("%s/%v", tc.what, step.after), func(t *testing.T) {
				s := b.New(t)
				MustOpen(t, s, Start)
				if got := tc.alive(t, s, p, Start.Add(step.after)); got != step.alive {
					t.Errorf("%s %v after it began (it lasts %v): there %v, want %v", tc.what, step.after, life, got, step.alive)
				}
			})
		}
	}
}
