package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// shopper is one simulated person: arrives, waits with a ticket polling
// when told to, shops for a while with a session that the gateway
// refreshes on every request, then leaves (revoking the session) or just
// goes away (letting it expire).
type shopper struct {
	arrives time.Time
	quitsAt time.Time // stops polling while waiting; zero: never

	ticket   queue.Ticket
	nextPoll time.Time
	gone     bool // stopped polling before admission

	sid       string
	admitted  time.Time
	shopUntil time.Time
	revokes   bool // ends the session when done, rather than walking off
	lastReq   time.Time
	nextReq   time.Time
	done      bool
}

// TestRoomBoundedAndFair is SPEC guarantees 1 and 2 over a simulated hour:
// 200 shoppers in a room of 10 admitting 60 a minute with a burst of 10.
func TestRoomBoundedAndFair(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			simulateSale(t, seed, queue.Schedule{}, []queue.Store{memstore.New()})
		})
	}
}

// simulateSale runs the sale on one engine per store given, all of them
// nodes of one room (the stores share its state); each shopper goes to
// the next node at every request, as behind a round-robin balancer.
func simulateSale(t *testing.T, seed uint64, sched queue.Schedule, stores []queue.Store) {
	p := queue.Policy{
		MaxActive:    10,
		PerMinute:    60,
		Burst:        10,
		SessionTTL:   time.Minute,
		ClaimWindow:  30 * time.Second,
		AbandonAfter: time.Minute,
	}
	rng := rand.New(rand.NewPCG(seed, 2026))
	clk := queue.NewClock()
	nodes := make([]*queue.Room, len(stores))
	for i, st := range stores {
		nodes[i] = queue.NewRoom("shop", st, queue.Options{Policy: p, Schedule: sched, PollInterval: 5 * time.Second, Now: clk.Now, Log: queue.Quiet})
	}
	ctx := context.Background()
	next := 0
	node := func() *queue.Room { // the node the next request goes to
		next++
		return nodes[next%len(nodes)]
	}

	shoppers := make([]*shopper, 200)
	for i := range shoppers {
		s := &shopper{arrives: storetest.Start.Add(time.Duration(rng.IntN(600)) * time.Second)}
		if rng.IntN(20) == 0 {
			s.quitsAt = s.arrives.Add(time.Duration(30+rng.IntN(600)) * time.Second)
		}
		shoppers[i] = s
	}
	byNumber := map[uint64]*shopper{}
	var admissions []time.Time
	admit := func(s *shopper, sid string, now time.Time) {
		s.sid, s.admitted, s.lastReq = sid, now, now
		s.nextReq = now.Add(time.Duration(2+rng.IntN(8)) * time.Second)
		switch rng.IntN(10) {
		case 0, 1, 2: // a quick look
			s.shopUntil = now.Add(time.Duration(2+rng.IntN(10)) * time.Second)
		default:
			s.shopUntil = now.Add(time.Duration(20+rng.IntN(130)) * time.Second)
		}
		s.revokes = rng.IntN(2) == 0
		admissions = append(admissions, now)
	}

	end := storetest.Start.Add(time.Hour)
	for now := storetest.Start; now.Before(end); now = clk.Add(time.Second) {
		order := rng.Perm(len(shoppers)) // who acts first within a second is chance
		for _, i := range order {
			s := shoppers[i]
			switch {
			case now.Before(s.arrives) || s.gone || s.done:
			case s.ticket.Number == 0 && s.sid == "": // arrives
				a, err := node().Arrive(ctx)
				if err != nil {
					t.Fatalf("at %v: Arrive: %v", now.Sub(storetest.Start), err)
				}
				if a.SessionID != "" {
					admit(s, a.SessionID, now)
					continue
				}
				s.ticket = queue.Ticket{Number: a.Number, IssuedAt: now}
				byNumber[a.Number] = s
				s.nextPoll = now.Add(time.Second)
			case s.sid == "": // waits
				if !s.quitsAt.IsZero() && !now.Before(s.quitsAt) {
					s.gone = true
					continue
				}
				if now.Before(s.nextPoll) {
					continue
				}
				n := node()
				st, err := n.Status(ctx, s.ticket)
				if err != nil {
					t.Fatalf("at %v: Status(%d): %v", now.Sub(storetest.Start), s.ticket.Number, err)
				}
				if st.Requeued {
					t.Fatalf("at %v: ticket %d, polling as told, was requeued", now.Sub(storetest.Start), s.ticket.Number)
				}
				if st.State == queue.StateAdmitted {
					checkFair(t, n, byNumber, s.ticket.Number, now)
					admit(s, st.SessionID, now)
					continue
				}
				// Judged by what the node that answered knew: another
				// node may have called the ticket since.
				if c, _ := n.Counters(); c.Opening.Position(s.ticket.Number) <= c.Serving {
					t.Fatalf("at %v: ticket %d polled after its turn came and was told %s", now.Sub(storetest.Start), s.ticket.Number, st.State)
				}
				wait := time.Duration(st.PollAfterMS)*time.Millisecond + time.Duration(rng.IntN(1000))*time.Millisecond
				s.nextPoll = now.Add(wait.Truncate(time.Second))
			default: // shops
				if !now.Before(s.shopUntil) {
					s.done = true
					if s.revokes {
						if err := node().End(ctx, s.sid); err != nil {
							t.Fatalf("at %v: End: %v", now.Sub(storetest.Start), err)
						}
					}
					continue
				}
				if !now.Before(s.nextReq) {
					node().Refresh(s.sid)
					s.lastReq = now
					s.nextReq = now.Add(time.Duration(2+rng.IntN(8)) * time.Second)
				}
			}
		}
		for _, n := range nodes {
			n.Tick(ctx)
		}

		c, err := stores[0].Counters(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		alive := 0
		for _, s := range shoppers {
			// A session is alive while its token is: until SessionTTL after
			// its last request, unless it was revoked.
			if s.sid != "" && !(s.done && s.revokes) && now.Before(s.lastReq.Add(p.SessionTTL)) {
				alive++
			}
		}
		if alive > p.MaxActive || c.Active > p.MaxActive || c.Active+c.Called > p.MaxActive {
			t.Fatalf("at %v: %d sessions alive by their tokens, store counts %d active + %d called; max %d",
				now.Sub(storetest.Start), alive, c.Active, c.Called, p.MaxActive)
		}
		if alive > c.Active {
			t.Fatalf("at %v: %d sessions alive by their tokens but the store counts %d", now.Sub(storetest.Start), alive, c.Active)
		}
	}

	storetest.CheckWindows(t, admissions, p.PerMinute+p.Burst)
	for i, s := range shoppers {
		if !s.gone && s.sid == "" {
			t.Errorf("shopper %d (ticket %d) kept polling and was never admitted", i, s.ticket.Number)
		}
		if s.gone && s.sid != "" {
			t.Errorf("shopper %d (ticket %d) stopped polling but was admitted", i, s.ticket.Number)
		}
	}
	t.Logf("%d admitted, last at %v", len(admissions), admissions[len(admissions)-1].Sub(storetest.Start))
}

// checkFair is guarantee 2 at the moment ticket n is admitted: every
// ticket ahead of it in line (by position: a pre-queue's lottery orders
// its own) still polling has been admitted already or has had its turn
// (it claims at its next poll; a poll after its turn that is not admitted
// fails the test where it happens).
func checkFair(t *testing.T, node *queue.Room, byNumber map[uint64]*shopper, n uint64, now time.Time) {
	t.Helper()
	c, _ := node.Counters()
	for k, s := range byNumber {
		if c.Opening.Position(k) >= c.Opening.Position(n) || s.gone || s.sid != "" {
			continue
		}
		if c.Opening.Position(k) > c.Serving {
			t.Fatalf("at %v: ticket %d admitted while ticket %d, still polling, waits for its turn",
				now.Sub(storetest.Start), n, k)
		}
	}
}
