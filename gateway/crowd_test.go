package gateway

import (
	"context"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/token"
)

// crowdShopper is one simulated shopper of playCrowd.
type crowdShopper struct {
	*shopper
	number   uint64    // ticket number; 0 if admitted without one
	admitted bool      // the origin has seen them
	gone     bool      // left or walked away
	doneAt   time.Time // when they stop shopping
	leaves   bool      // leave politely, or walk away and let the session expire
	expires  time.Time // walk-aways: their session token's expiry
	progress int       // the highest progress shown so far
}

// crowdSpec is one crowd against one or more gateway nodes sharing a store.
type crowdSpec struct {
	shoppers    int
	shopSeconds [2]int // how long an admitted shopper shops
	// nodes share one store and one clock; every request of a shopper
	// goes to the next live node, so shoppers switch node all the time.
	nodes []*testGateway
	// stopAt stops the last node at this step (0: never); its shoppers
	// must go on through the others with their place.
	stopAt int
}

// playCrowd plays a crowd against a room and checks SPEC guarantees 1, 2
// and 4 through real gateways and a real origin: never more live sessions
// at the origin than max_active_users, never more admissions in a minute
// than the rate and its burst allow, turns in ticket order, and no place
// lost when a node stops.
func playCrowd(t *testing.T, o *origin, spec crowdSpec) {
	t.Helper()
	room := spec.nodes[0].cfg.Rooms[0]
	clk := spec.nodes[0].clock
	live := append([]*testGateway(nil), spec.nodes...)
	rr := 0
	next := func() string { rr++; return live[rr%len(live)].URL }
	tick := func() {
		for _, g := range live {
			g.Tick(context.Background())
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ring, _ := token.NewRing(testSecret)

	crowd := make([]*crowdShopper, spec.shoppers)
	var admittedAt []time.Time
	admitStep := map[uint64]int{}
	step := 0
	admit := func(c *crowdShopper, now time.Time) {
		c.admitted = true
		c.doneAt = now.Add(time.Duration(spec.shopSeconds[0]+rng.IntN(spec.shopSeconds[1]-spec.shopSeconds[0]+1)) * time.Second)
		c.leaves = rng.IntN(5) > 0
		admittedAt = append(admittedAt, now)
		if c.number != 0 {
			admitStep[c.number] = step
		}
	}
	for i := range crowd {
		c := &crowdShopper{shopper: newShopper(t)}
		crowd[i] = c
		before := o.count()
		base := next()
		_, body := c.get(base + "/item")
		if isShopPage(body) {
			if o.count() != before+1 {
				t.Fatalf("shopper %d got the shop page without the origin being asked", i)
			}
			admit(c, clk.Now())
			continue
		}
		tk, err := ring.ParseTicket([]byte(c.cookie(base, "anteroom_ticket_shop")), clk.Now())
		if err != nil {
			t.Fatalf("shopper %d: no valid ticket with the waiting page: %v", i, err)
		}
		c.number = tk.Number
	}

	liveSessions := func(now time.Time) int {
		n := 0
		for _, c := range crowd {
			if c.admitted && (!c.gone || (!c.leaves && now.Before(c.expires))) {
				n++
			}
		}
		return n
	}
	maxLive := 0
	for ; step < 3000; step++ {
		clk.Advance(time.Second)
		if spec.stopAt > 0 && step == spec.stopAt {
			stopNode(t, crowd, live)
			live = live[:len(live)-1]
		}
		tick()
		now := clk.Now()
		waiting := 0
		for i, c := range crowd {
			switch {
			case !c.admitted:
				waiting++
				if (step+i)%3 != 0 {
					continue // pages poll every few seconds
				}
				st := c.status(next())
				// Progress never goes back, whichever node answers.
				if st.State == "waiting" && st.Progress < c.progress {
					t.Fatalf("ticket %d: progress %d after %d", c.number, st.Progress, c.progress)
				}
				c.progress = max(c.progress, st.Progress)
				if st.State == "admitted" {
					if st.Redirect != "/item" {
						t.Errorf("redirect %q, want %q", st.Redirect, "/item")
					}
					_, body := c.get(next() + "/item")
					if !isShopPage(body) {
						t.Fatalf("ticket %d admitted by status but its next request got the waiting page", c.number)
					}
					admit(c, now)
				}
			case !c.gone && now.After(c.doneAt):
				c.gone = true
				if c.leaves {
					req, _ := http.NewRequest(http.MethodPost, next()+"/.anteroom/leave?room=shop", nil)
					c.do(req)
				} else {
					s, err := ring.ParseSession([]byte(c.cookie(live[0].URL, "anteroom_session_shop")), now)
					if err != nil {
						t.Fatalf("walk-away without a valid session: %v", err)
					}
					c.expires = s.Expires
				}
			case !c.gone && rng.IntN(3) == 0:
				if _, body := c.get(next() + "/item/more"); !isShopPage(body) {
					t.Fatalf("admitted shopper %d lost their session while shopping", c.number)
				}
			}
		}
		n := liveSessions(now)
		maxLive = max(maxLive, n)
		if n > room.MaxActiveUsers {
			t.Fatalf("at %s: %d live sessions, max_active_users is %d", now.Format(time.TimeOnly), n, room.MaxActiveUsers)
		}
		for _, g := range live {
			if c, _ := g.roomList()[0].engine.Counters(); c.Active > room.MaxActiveUsers {
				t.Fatalf("store counts %d active sessions, max is %d", c.Active, room.MaxActiveUsers)
			}
		}
		if waiting == 0 {
			break
		}
	}
	for i, c := range crowd {
		if !c.admitted {
			t.Fatalf("shopper %d (ticket %d) never admitted", i, c.number)
		}
	}
	if maxLive != room.MaxActiveUsers {
		t.Errorf("at most %d live sessions; the room should have filled to %d", maxLive, room.MaxActiveUsers)
	}
	// Turns are given in ticket order; a shopper whose turn came claims it
	// at their next poll (every 3 s here), so a later ticket may come in
	// before an earlier one only within that.
	for m, sm := range admitStep {
		for n, sn := range admitStep {
			if m < n && sm > sn+3 {
				t.Errorf("ticket %d admitted at %ds, %ds after later ticket %d", m, sm, sm-sn, n)
			}
		}
	}
	for i := range admittedAt {
		n := 0
		for j := i; j < len(admittedAt) && admittedAt[j].Sub(admittedAt[i]) < time.Minute; j++ {
			n++
		}
		if limit := room.NewUsersPerMinute + room.Burst; n > limit {
			t.Fatalf("%d admissions in the minute from %s; limit %d", n, admittedAt[i].Format(time.TimeOnly), limit)
		}
	}
}

// stopNode stops the last live node mid-sale, and checks that every
// waiting shopper has the same place through another node afterwards.
func stopNode(t *testing.T, crowd []*crowdShopper, live []*testGateway) {
	t.Helper()
	if len(live) < 2 {
		t.Fatal("stopping the only node")
	}
	dying, other := live[len(live)-1], live[0]
	before := map[*crowdShopper]uint64{}
	for _, c := range crowd {
		if !c.admitted {
			before[c] = c.status(dying.URL).Position
		}
	}
	dying.stop()
	for c, pos := range before {
		if st := c.status(other.URL); st.State == "waiting" && st.Position != pos {
			t.Errorf("ticket %d: place %d through the dead node, %d through another", c.number, pos, st.Position)
		}
	}
}

// roomForCrowd sets a room of 10 with the given rate.
func roomForCrowd(cfg *config.Config, perMinute int) {
	room := &cfg.Rooms[0]
	room.MaxActiveUsers = 10
	room.NewUsersPerMinute = perMinute
	room.Burst = 10
	room.SessionDuration = 60 * time.Second
	room.ClaimWindow = 30 * time.Second
	room.AbandonAfter = 2 * time.Minute
}

// crowdCases are the crowds every store is tried with: one where the room's
// capacity binds, one where the admission rate does.
var crowdCases = []struct {
	name        string
	perMinute   int
	shopSeconds [2]int // how long an admitted shopper shops
}{
	{"capacity bound", 600, [2]int{5, 30}},
	{"rate bound", 60, [2]int{1, 3}},
}

// TestCrowdRespectsCapacityAndOrder plays 200 shoppers against a room of
// 10 on one node with the memory store.
func TestCrowdRespectsCapacityAndOrder(t *testing.T) {
	for _, tc := range crowdCases {
		t.Run(tc.name, func(t *testing.T) {
			o := newOrigin(t, nil)
			cfg := testConfig(o.URL)
			roomForCrowd(cfg, tc.perMinute)
			g := startGateway(t, cfg, nil, nil)
			playCrowd(t, o, crowdSpec{shoppers: 200, shopSeconds: tc.shopSeconds, nodes: []*testGateway{g}})
		})
	}
}
