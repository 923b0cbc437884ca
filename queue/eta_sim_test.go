package queue_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// The ETA is judged the way a shopper would judge it: every range a
// waiting shopper was shown is compared, once they are admitted, with how
// long they really still had to wait. Crowds are played through the real
// engine and store on a simulated clock, a second at a time.

// etaCrowd is one kind of sale the ETA must hold in.
type etaCrowd struct {
	name   string
	policy queue.Policy
	// opensAfter, when set, opens the room this long after the start:
	// arrivals before it join a pre-queue drawn by lottery.
	opensAfter time.Duration
	shoppers   int
	// arrive is when a shopper arrives, after the start.
	arrive func(*rand.Rand) time.Duration
	// abandon is the share of shoppers who close the tab while waiting;
	// expire the share of admitted ones who walk away and let their
	// session run out rather than end it.
	abandon, expire float64
	// shop is how long an admitted shopper keeps using the session.
	shop func(*rand.Rand) time.Duration
	// nodes is how many gateway nodes serve the room; each request goes
	// to the next, as behind a round-robin balancer.
	nodes int
	// pauseAt, when set, pauses the room for pauseFor at that time after
	// the start.
	pauseAt, pauseFor time.Duration
}

// etaCrowds are the four crowds of issue 12: rate-bound; capacity-bound
// with sessions that mostly run out; a fifth abandoning (capacity-bound,
// 40 % of sessions running out, as the issue measured); and a pre-queue
// opening.
var etaCrowds = []etaCrowd{
	{
		name:     "rate-bound",
		policy:   queue.Policy{MaxActive: 1000, PerMinute: 60, Burst: 10, SessionTTL: 2 * time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute},
		shoppers: 400,
		arrive:   uniform(0, 4*time.Minute),
		expire:   0.5,
		shop:     uniform(20*time.Second, 150*time.Second),
		nodes:    1,
	},
	{
		name:     "capacity-bound, sessions run out",
		policy:   queue.Policy{MaxActive: 40, PerMinute: 600, Burst: 50, SessionTTL: 90 * time.Second, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute},
		shoppers: 300,
		arrive:   uniform(0, 10*time.Minute),
		expire:   0.7,
		shop:     uniform(20*time.Second, 150*time.Second),
		nodes:    2,
	},
	{
		name:     "a fifth abandoning",
		policy:   queue.Policy{MaxActive: 50, PerMinute: 120, Burst: 20, SessionTTL: 2 * time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute},
		shoppers: 400,
		arrive:   uniform(0, 5*time.Minute),
		abandon:  0.2,
		expire:   0.4,
		shop:     uniform(20*time.Second, 150*time.Second),
		nodes:    3,
	},
	{
		name:       "pre-queue opening",
		policy:     queue.Policy{MaxActive: 500, PerMinute: 60, Burst: 20, SessionTTL: 2 * time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute},
		opensAfter: 10 * time.Minute,
		shoppers:   400,
		// Three in four arrive before the opening, the rest in the
		// minutes after it.
		arrive: func(rng *rand.Rand) time.Duration {
			if rng.IntN(4) > 0 {
				return uniform(0, 10*time.Minute)(rng)
			}
			return uniform(10*time.Minute, 15*time.Minute)(rng)
		},
		abandon: 0.1,
		expire:  0.5,
		shop:    uniform(20*time.Second, 150*time.Second),
		nodes:   2,
	},
}

// uniform draws whole seconds in [lo, hi).
func uniform(lo, hi time.Duration) func(*rand.Rand) time.Duration {
	return func(rng *rand.Rand) time.Duration {
		return lo + time.Duration(rng.Int64N(int64((hi-lo)/time.Second)))*time.Second
	}
}

// shown is one status a waiting shopper was given.
type shown struct {
	at       time.Time
	state    queue.State
	lo, hi   int
	progress int
	message  string
}

// etaShopper is one simulated person of an ETA crowd.
type etaShopper struct {
	arrives time.Time
	quitsAt time.Time // closes the tab while waiting; zero: never

	ticket   queue.Ticket
	nextPoll time.Time
	gone     bool
	seen     []shown

	sid       string
	admitted  time.Time
	shopUntil time.Time
	expires   bool // walks away rather than ending the session
	nextReq   time.Time
	done      bool
}

// etaResult is how the ETA did for one crowd.
type etaResult struct {
	waited int // shoppers admitted after waiting
	judged int // ranges shown 10 s or more before admission
	held   int // of those, the ones holding the real remaining wait
	// unknown counts the judged polls that showed no range at all; they
	// count as not held.
	unknown int
	ratio   float64 // median high/low of the judged ranges
	// jumps are ranges that moved up by more than their own width with no
	// cause shown; backwards are progress figures below an earlier one.
	jumps, backwards []string
	// disagree lists polls where two nodes told one shopper different
	// things at the same moment.
	disagree []string
	// checks counts the polls asked of a second node.
	checks int
	// ratios are the high/low of every range judged.
	ratios []float64
	// With every node asked at each poll (playETAOn): asked counts the
	// polls every node answered waiting, agreed those where all told the
	// shopper exactly the same, and elsewhere those where another node,
	// its counters read later, already let the shopper in.
	asked, agreed, elsewhere int
	differ                   []string
}

func (r etaResult) share() float64 {
	if r.judged == 0 {
		return 0
	}
	return float64(r.held) / float64(r.judged)
}

func (r etaResult) String() string {
	return fmt.Sprintf("%d shoppers waited; %d of %d ranges held (%.1f %%, %d showed none); median high/low %.2f; %d unexplained jumps up; %d progress steps back; %d node disagreements",
		r.waited, r.held, r.judged, 100*r.share(), r.unknown, r.ratio, len(r.jumps), len(r.backwards), len(r.disagree))
}

// playETA plays crowd c with the given seed on one memory store and
// judges what the waiting shoppers were shown.
func playETA(t *testing.T, c etaCrowd, seed uint64) etaResult {
	return playETAOn(t, c, seed, nil, false)
}

// playETAOn plays crowd c with node i on stores[i] (all on one memory
// store when stores is nil); with everyNode, every poll is asked of every
// node at the same instant, and their answers compared.
func playETAOn(t *testing.T, c etaCrowd, seed uint64, stores []queue.Store, everyNode bool) etaResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 12))
	clk := queue.NewClock()
	if stores == nil {
		mem := memstore.New()
		for range c.nodes {
			stores = append(stores, mem)
		}
	}
	var sched queue.Schedule
	if c.opensAfter > 0 {
		sched = queue.Schedule{OpensAt: storetest.Start.Add(c.opensAfter), Random: true}
	}
	nodes := make([]*queue.Room, len(stores))
	for i := range nodes {
		nodes[i] = queue.NewRoom("drop", stores[i], queue.Options{Policy: c.policy, Schedule: sched, PollInterval: 5 * time.Second, Now: clk.Now, Log: queue.Quiet})
	}
	ctx := context.Background()
	next := 0
	node := func() *queue.Room {
		next++
		return nodes[next%len(nodes)]
	}

	shoppers := make([]*etaShopper, c.shoppers)
	for i := range shoppers {
		s := &etaShopper{arrives: storetest.Start.Add(c.arrive(rng))}
		if rng.Float64() < c.abandon {
			s.quitsAt = s.arrives.Add(uniform(10*time.Second, 10*time.Minute)(rng))
		}
		shoppers[i] = s
	}
	var res etaResult
	admit := func(s *etaShopper, sid string, now time.Time) {
		s.sid, s.admitted = sid, now
		s.shopUntil = now.Add(c.shop(rng))
		s.expires = rng.Float64() < c.expire
		s.nextReq = now.Add(uniform(2*time.Second, 10*time.Second)(rng))
	}

	// The sale runs until every shopper is served or gone, bounded.
	end := storetest.Start.Add(3 * time.Hour)
	for now := storetest.Start; now.Before(end); now = clk.Add(time.Second) {
		if everyNode {
			// The first node ticks before the polls, the others after:
			// nodes asked at once have read the store at different
			// moments, across the slot's edge too.
			nodes[0].Tick(ctx)
		}
		settled := true
		for _, i := range rng.Perm(len(shoppers)) {
			s := shoppers[i]
			if s.sid == "" && !s.gone {
				settled = false
			}
			switch {
			case now.Before(s.arrives) || s.gone || s.done:
			case s.ticket.Number == 0 && s.sid == "":
				a, err := node().Arrive(ctx)
				if err != nil {
					t.Fatalf("at %v: Arrive: %v", now.Sub(storetest.Start), err)
				}
				if a.SessionID != "" {
					admit(s, a.SessionID, now)
					continue
				}
				s.ticket = queue.Ticket{Number: a.Number, Prequeue: a.Prequeue, IssuedAt: now, Line: a.Line}
				s.nextPoll = now.Add(time.Second)
			case s.sid == "":
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
					t.Fatalf("at %v: Status: %v", now.Sub(storetest.Start), err)
				}
				if st.State == queue.StateAdmitted {
					admit(s, st.SessionID, now)
					continue
				}
				if st.Requeued {
					t.Fatalf("at %v: ticket %d, polling as told, was requeued", now.Sub(storetest.Start), s.ticket.Number)
				}
				if everyNode {
					if sid := askEveryNode(t, nodes, n, s.ticket, st, &res); sid != "" {
						admit(s, sid, now)
						continue
					}
				}
				// Now and then the shopper's next request goes to another
				// node at the same moment (a retry, a second tab): it must
				// be told the same.
				if len(nodes) > 1 && !everyNode && rng.IntN(4) == 0 {
					other := nodes[(next+1)%len(nodes)]
					res.checks++
					if st2, err := other.Status(ctx, s.ticket); err == nil && st2.State == st.State &&
						(apart(st2.ETALow, st.ETALow) || apart(st2.ETAHigh, st.ETAHigh) || abs(st2.Progress-st.Progress) > 2) {
						res.disagree = append(res.disagree, fmt.Sprintf("at %v ticket %d: %d–%d s %d %% on one node, %d–%d s %d %% on another",
							now.Sub(storetest.Start), s.ticket.Number, st.ETALow, st.ETAHigh, st.Progress, st2.ETALow, st2.ETAHigh, st2.Progress))
					}
				}
				s.seen = append(s.seen, shown{at: now, state: st.State, lo: st.ETALow, hi: st.ETAHigh, progress: st.Progress, message: st.Message})
				wait := time.Duration(st.PollAfterMS)*time.Millisecond + time.Duration(rng.IntN(1000))*time.Millisecond
				s.nextPoll = now.Add(max(wait.Truncate(time.Second), time.Second))
			default:
				if !now.Before(s.shopUntil) {
					s.done = true
					if !s.expires {
						if err := node().End(ctx, s.sid); err != nil {
							t.Fatalf("at %v: End: %v", now.Sub(storetest.Start), err)
						}
					}
					continue
				}
				if !now.Before(s.nextReq) {
					node().Refresh(s.sid)
					s.nextReq = now.Add(uniform(2*time.Second, 10*time.Second)(rng))
				}
			}
		}
		if c.pauseFor > 0 {
			switch now {
			case storetest.Start.Add(c.pauseAt):
				for _, n := range nodes {
					n.Pause()
				}
			case storetest.Start.Add(c.pauseAt + c.pauseFor):
				for _, n := range nodes {
					n.Resume()
				}
			}
		}
		// Nodes tick a quarter second apart, as nodes started apart do:
		// each caches the store's state at a moment of its own.
		for i, n := range nodes {
			if everyNode && i == 0 {
				continue
			}
			clk.Set(now.Add(time.Duration(i) * 250 * time.Millisecond))
			n.Tick(ctx)
		}
		clk.Set(now)
		if settled && now.After(storetest.Start.Add(c.opensAfter)) && now.Sub(storetest.Start) > 20*time.Minute {
			break
		}
	}

	var ratios []float64
	for _, s := range shoppers {
		if s.sid == "" && !s.gone && s.ticket.Number != 0 {
			t.Errorf("ticket %d still waiting when the sale ended", s.ticket.Number)
		}
		if s.ticket.Number == 0 || s.sid == "" {
			continue // admitted at once, or never
		}
		res.waited++
		judgeShopper(s, &res, &ratios)
	}
	res.ratios = ratios
	res.ratio = median(slices.Clone(ratios))
	return res
}

// askEveryNode asks the nodes other than asked the status of ticket tk,
// at the instant asked answered st, and counts whether they all said the
// same. It returns the session id when another node let the shopper in:
// the claim goes by each node's latest counters, not by the ETA view.
func askEveryNode(t *testing.T, nodes []*queue.Room, asked *queue.Room, tk queue.Ticket, st queue.Status, res *etaResult) string {
	t.Helper()
	same := true
	for _, o := range nodes {
		if o == asked {
			continue
		}
		st2, err := o.Status(context.Background(), tk)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if st2.State == queue.StateAdmitted {
			res.elsewhere++
			return st2.SessionID
		}
		if st2.State != st.State || st2.Position != st.Position || st2.Ahead != st.Ahead ||
			st2.ETALow != st.ETALow || st2.ETAHigh != st.ETAHigh || st2.Progress != st.Progress {
			same = false
			if len(res.differ) < 5 {
				res.differ = append(res.differ, fmt.Sprintf("ticket %d: %s %d ahead %d–%d s %d %% on one node, %s %d ahead %d–%d s %d %% on another",
					tk.Number, st.State, st.Ahead, st.ETALow, st.ETAHigh, st.Progress, st2.State, st2.Ahead, st2.ETALow, st2.ETAHigh, st2.Progress))
			}
		}
	}
	res.asked++
	if same {
		res.agreed++
	}
	return ""
}

// apart reports whether two nodes' ends of a range differ by more than
// their counters, read a fraction of a second apart, can explain: 10 %,
// and at least 5 s.
func apart(a, b int) bool {
	return float64(abs(a-b)) > max(5, 0.1*float64(max(a, b)))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// judgeShopper scores the ranges one admitted shopper was shown and checks
// how they moved.
func judgeShopper(s *etaShopper, res *etaResult, ratios *[]float64) {
	var prev *shown
	best := 0
	for i := range s.seen {
		sh := &s.seen[i]
		if sh.progress < best {
			res.backwards = append(res.backwards, fmt.Sprintf("ticket %d at %v: progress %d after %d",
				s.ticket.Number, sh.at.Sub(storetest.Start), sh.progress, best))
		}
		best = max(best, sh.progress)
		if sh.state != queue.StateWaiting {
			// The page names the cause (a pause, a pre-queue): the range
			// shown next is not held to the last one.
			prev = nil
			continue
		}
		if prev != nil && sh.message == "" && prev.hi > 0 && sh.lo > prev.hi {
			res.jumps = append(res.jumps, fmt.Sprintf("ticket %d at %v: %d–%d s after %d–%d s at %v",
				s.ticket.Number, sh.at.Sub(storetest.Start), sh.lo, sh.hi, prev.lo, prev.hi, prev.at.Sub(storetest.Start)))
		}
		if sh.hi > 0 {
			prev = sh
		}
		left := int(s.admitted.Sub(sh.at) / time.Second)
		if left < 10 {
			continue
		}
		res.judged++
		switch {
		case sh.hi == 0:
			res.unknown++
			*ratios = append(*ratios, math.Inf(1))
			continue
		case sh.lo <= 0:
			*ratios = append(*ratios, math.Inf(1))
		default:
			*ratios = append(*ratios, float64(sh.hi)/float64(sh.lo))
		}
		if sh.lo <= left && left <= sh.hi {
			res.held++
		}
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// TestETAHolds plays each crowd of issue 12 with six seeds and holds the
// ETA to the targets over all the ranges shown in them: at least
// 90 % of the ranges shown 10 s or more before admission hold the real
// remaining wait, with a median high/low ratio of at most 2.5. In every
// run no range moves up by more than its own width without a cause on the
// page, and progress never goes back. One run's share varies (see the
// log); the pooled figure is the crowd's.
func TestETAHolds(t *testing.T) {
	for _, c := range etaCrowds {
		t.Run(c.name, func(t *testing.T) {
			var all etaResult
			var ratios []float64
			for seed := uint64(1); seed <= 6; seed++ {
				res := playETA(t, c, seed)
				t.Logf("seed %d: %v", seed, res)
				if res.waited < c.shoppers/2 || res.judged < 1000 {
					t.Fatalf("seed %d: only %d shoppers waited, %d ranges judged: the crowd does not test the ETA", seed, res.waited, res.judged)
				}
				all.waited += res.waited
				all.judged += res.judged
				all.held += res.held
				all.unknown += res.unknown
				ratios = append(ratios, res.ratios...)
				for _, j := range first(res.jumps, 5) {
					t.Errorf("seed %d: range moved up by more than its width with no cause shown: %s", seed, j)
				}
				for _, b := range first(res.backwards, 5) {
					t.Errorf("seed %d: progress went back: %s", seed, b)
				}
				all.disagree = append(all.disagree, res.disagree...)
				all.checks += res.checks
			}
			all.ratio = median(ratios)
			t.Logf("all seeds: %v of %d checks", all, all.checks)
			if all.share() < 0.9 {
				t.Errorf("%.1f %% of the ranges held the real wait, want at least 90 %%", 100*all.share())
			}
			if all.ratio > 2.5 {
				t.Errorf("median high/low %.2f, want at most 2.5", all.ratio)
			}
		})
	}
}

// TestETAPause: a pause holds everyone up for its length, which the page
// names (the state is paused); the model learns nothing from it, so no
// range jumps up without that cause shown, and progress never goes back.
func TestETAPause(t *testing.T) {
	c := etaCrowds[0]
	c.nodes, c.pauseAt, c.pauseFor = 2, 3*time.Minute, 4*time.Minute
	res := playETA(t, c, 1)
	t.Log(res)
	for _, j := range first(res.jumps, 5) {
		t.Errorf("range moved up by more than its width with no cause shown: %s", j)
	}
	for _, b := range first(res.backwards, 5) {
		t.Errorf("progress went back: %s", b)
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
