package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestRedisLineCountMatchesMemory runs random joins, polls, leaves, claims,
// ends and ticks on the memory store and on Redis side by side: the line is
// counted from the ticks' tally on Redis and by reading every stamp in
// memory, and the two must agree at every tick, as must what is called.
func TestRedisLineCountMatchesMemory(t *testing.T) {
	addr := startRedis(t)
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			compareLineCount(t, rand.New(rand.NewPCG(seed, 13)), memstore.New(), newRedisStore(t, addr, t.Name(), false), seed%2 == 1)
		})
	}
}

func compareLineCount(t *testing.T, rnd *rand.Rand, mem, red queue.Store, random bool) {
	ctx := context.Background()
	now := storetest.Start
	stores := []queue.Store{mem, red}
	// Every store does the same thing at the same instant; what comes
	// back must be the same too.
	both := func(what string, f func(queue.Store) (any, error)) any {
		t.Helper()
		var got [2]any
		var errs [2]error
		for i, s := range stores {
			got[i], errs[i] = f(s)
		}
		if fmt.Sprint(got[0], errs[0]) != fmt.Sprint(got[1], errs[1]) {
			t.Fatalf("at %v, %s: memory %v, %v; redis %v, %v", now.Sub(storetest.Start), what, got[0], errs[0], got[1], errs[1])
		}
		return got[0]
	}
	// The abandon window stays: the memory store forgets a stamp once it is out
	// of the window, so a window that later grows would tell them apart.
	abandon := time.Duration(3+rnd.IntN(10)) * time.Second
	issued := uint64(0)
	join := func() {
		n := both("join", func(s queue.Store) (any, error) { return s.Join(ctx, storetest.Room, now) }).(uint64)
		issued = max(issued, n)
	}
	for range 20 {
		join()
	}
	both("open", func(s queue.Store) (any, error) { return s.Open(ctx, storetest.Room, random, 7, now) })
	var sids []string
	for step := range 400 {
		now = now.Add(time.Duration(rnd.IntN(4)) * time.Second)
		switch op := rnd.IntN(10); {
		case op < 2:
			for range rnd.IntN(4) {
				join()
			}
		case op < 5:
			var ns []uint64
			for range rnd.IntN(12) {
				ns = append(ns, 1+rnd.Uint64N(issued+1)) // now and then one past the last
			}
			both("seen", func(s queue.Store) (any, error) { return nil, s.Seen(ctx, storetest.Room, ns, now) })
		case op < 6:
			n := 1 + rnd.Uint64N(issued)
			both("leave", func(s queue.Store) (any, error) { return nil, s.Leave(ctx, storetest.Room, n) })
		case op < 7:
			for _, n := range called(t, red) {
				if rnd.IntN(2) == 0 {
					sid := fmt.Sprint("s", step, "-", n)
					both("claim", func(s queue.Store) (any, error) { return s.Claim(ctx, storetest.Room, n, sid, now) })
					sids = append(sids, sid)
				}
			}
		case op < 8 && len(sids) > 0:
			i := rnd.IntN(len(sids))
			both("end", func(s queue.Store) (any, error) { return nil, s.End(ctx, storetest.Room, sids[i], now) })
		default:
			p := queue.Policy{MaxActive: rnd.IntN(6), PerMinute: 60 * (1 + rnd.IntN(5)), Burst: 1 + rnd.IntN(5),
				SessionTTL: 20 * time.Second, ClaimWindow: 5 * time.Second, AbandonAfter: abandon}
			c := both("advance", func(s queue.Store) (any, error) {
				c, err := s.Advance(ctx, storetest.Room, p, now)
				c.Stock = queue.Stock{}
				return c, err
			}).(queue.Counters)
			issued = max(issued, c.Issued)
		}
	}
}

// TestRedisTicksStayBounded: the tally of ticks keeps only the abandon
// window, however long the sale runs, and a room that was not counted for
// a long while (paused) is pruned in one go.
func TestRedisTicksStayBounded(t *testing.T) {
	s := newRedisStore(t, startRedis(t), "ticks", false)
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 0, 10*time.Second })
	ticks := func() int64 {
		n, err := s.client.HLen(ctx, s.room(storetest.Room).keys[keyTicks]).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	storetest.MustOpen(t, s, storetest.Start)
	const most = 10 + 2 // the window, the tick counted and one ahead
	now := storetest.Start
	for i := range 600 {
		now = storetest.Start.Add(time.Duration(i) * time.Second)
		storetest.JoinN(t, s, 1, now)
		if c := storetest.MustAdvance(t, s, p, now); c.Waiting != min(i+1, 11) {
			t.Fatalf("at %ds: Waiting %d, want %d", i, c.Waiting, min(i+1, 11))
		}
		if n := ticks(); n > most {
			t.Fatalf("at %ds: %d ticks kept, want at most %d", i, n, most)
		}
	}
	// Paused: arrivals come in, one a second, and nobody counts.
	for i := range 2500 {
		storetest.JoinN(t, s, 1, now.Add(time.Duration(i)*time.Second))
	}
	if n := ticks(); n < 2500 {
		t.Fatalf("%d ticks kept while paused, want one for each of 2500 arrivals", n)
	}
	// Those who came in the last 10 s are in line.
	if c := storetest.MustAdvance(t, s, p, now.Add(2500*time.Second)); c.Waiting != 10 {
		t.Errorf("after the pause: Waiting %d, want 10", c.Waiting)
	}
	if n := ticks(); n > most {
		t.Errorf("after the pause: %d ticks kept, want at most %d", n, most)
	}
}

// TestRedisLineCountMends: stamps the tally never saw (a room from before
// it existed) make the count short only until they leave the window.
func TestRedisLineCountMends(t *testing.T) {
	s := newRedisStore(t, startRedis(t), "mends", false)
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 0, 10*time.Second })
	storetest.JoinN(t, s, 20, storetest.Start)
	storetest.MustOpen(t, s, storetest.Start)
	keys := s.room(storetest.Room).keys
	if err := s.client.Del(ctx, keys[keyTicks]).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.client.HDel(ctx, keys[keyCounters], "wsum", "wfloor").Err(); err != nil {
		t.Fatal(err)
	}
	ns := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if err := s.Seen(ctx, storetest.Room, ns, storetest.Start.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	storetest.MustAdvance(t, s, p, storetest.Start.Add(5*time.Second))
	// 11..20 last polled at 0 s, out of the window at 12 s; 1..10 at 5 s.
	if c := storetest.MustAdvance(t, s, p, storetest.Start.Add(12*time.Second)); c.Waiting != 10 {
		t.Errorf("once the stamps the tally never saw left the window: Waiting %d, want 10", c.Waiting)
	}
}

// TestRedisAdvanceWalksInPieces: walking past a long run of tickets that
// stopped polling takes several short runs of the script, not one long
// one, and ends where the memory store's one walk does.
func TestRedisAdvanceWalksInPieces(t *testing.T) {
	red := newRedisStore(t, startRedis(t), "walk", false)
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 5, time.Minute })
	later := storetest.Start.Add(2 * time.Minute)
	var got [2]queue.Counters
	for i, s := range []queue.Store{memstore.New(), red} {
		storetest.MustOpen(t, s, storetest.Start)
		// 10,000 tickets, of which only the last 10 still poll.
		if err := s.Seen(ctx, storetest.Room, []uint64{10_000}, storetest.Start); err != nil {
			t.Fatal(err)
		}
		if err := s.Seen(ctx, storetest.Room, []uint64{9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999, 10_000}, later); err != nil {
			t.Fatal(err)
		}
		got[i] = storetest.MustAdvance(t, s, p, later)
	}
	got[0].Stock, got[1].Stock = queue.Stock{}, queue.Stock{}
	if got[0] != got[1] {
		t.Errorf("after the walk: memory %+v, redis %+v", got[0], got[1])
	}
	if got[1].Serving != 9995 || got[1].Called != 5 {
		t.Errorf("got Serving %d Called %d, want 9995 and 5: the first five still polling called", got[1].Serving, got[1].Called)
	}
	stats, err := red.client.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Scripts run: EVAL, and EVALSHA but those refused as not loaded yet;
	// two Seens and one Open besides the Advance's runs.
	stat := func(cmd, field string) int {
		_, line, _ := strings.Cut(stats, "cmdstat_"+cmd+":")
		_, v, _ := strings.Cut(line, field+"=")
		n, _ := strconv.Atoi(v[:strings.IndexAny(v, ",\r\n")])
		return n
	}
	runs := stat("evalsha", "calls") - stat("evalsha", "failed_calls") + stat("eval", "calls") - 3
	if runs < 10 {
		t.Errorf("the walk past 9,990 places took %d runs, want at least 10 of at most 1024 places", runs)
	}
}
