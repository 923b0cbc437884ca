package redisstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
	"github.com/redis/go-redis/v9"
)

// newRedisJoinStore is a store with its own join window.
func newRedisJoinStore(tb testing.TB, addr, prefix string, window time.Duration) *Store {
	tb.Helper()
	s, err := New(context.Background(), Options{Addrs: []string{addr}, KeyPrefix: prefix, JoinWindow: window})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// scriptCalls counts the scripts Redis ran (EVALSHA and EVAL: one round
// trip each) since the last CONFIG RESETSTAT.
func scriptCalls(tb testing.TB, c *redis.Client) int {
	tb.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if !strings.HasPrefix(line, "cmdstat_evalsha:") && !strings.HasPrefix(line, "cmdstat_eval:") {
			continue
		}
		_, rest, _ := strings.Cut(line, "calls=")
		calls, _, _ := strings.Cut(rest, ",")
		k, err := strconv.Atoi(calls)
		if err != nil {
			tb.Fatalf("reading %q: %v", line, err)
		}
		n += k
	}
	return n
}

// joinAll joins n arrivals at once on s and returns their numbers.
func joinAll(t *testing.T, s queue.Store, n int) []uint64 {
	t.Helper()
	got := make([]uint64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.Join(context.Background(), storetest.Room, storetest.Start) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Join: %v", err)
	}
	return got
}

// TestRedisJoinGroupCommit: arrivals that come together share a script
// call, and still each get a number of their own, with none skipped.
func TestRedisJoinGroupCommit(t *testing.T) {
	addr := startRedis(t)
	s := newRedisJoinStore(t, addr, "group", 50*time.Millisecond)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	storetest.JoinN(t, s, 1, storetest.Start) // loads the script: the first EVALSHA is answered NOSCRIPT
	if err := c.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	got := joinAll(t, s, 2*joinBatch)
	slices.Sort(got)
	for i, n := range got {
		if n != uint64(i+2) {
			t.Fatalf("numbers handed out: %v, want 2..%d, each once", got, 2*joinBatch+1)
		}
	}
	// Two batches of joinBatch when every goroutine came within the 50 ms
	// window; a machine that slow to start goroutines may make a few more.
	if calls := scriptCalls(t, c); calls > 8 {
		t.Errorf("%d arrivals took %d script calls, want a few batches", 2*joinBatch, calls)
	}
	if cs, err := s.Counters(context.Background(), storetest.Room); err != nil || cs.Issued != uint64(2*joinBatch+1) || cs.Waiting != 2*joinBatch+1 {
		t.Errorf("counters %+v, %v: want Issued and Waiting %d", cs, err, 2*joinBatch+1)
	}
}

// TestRedisJoinLoneArrivalWaitsOnlyTheWindow: one arrival alone is sent
// when its window ends, not when others come.
func TestRedisJoinLoneArrivalWaitsOnlyTheWindow(t *testing.T) {
	s := newRedisJoinStore(t, startRedis(t), "lone", 20*time.Millisecond)
	storetest.JoinN(t, s, 1, storetest.Start)
	t0 := time.Now()
	if n := storetest.JoinN(t, s, 1, storetest.Start); n[0] != 2 {
		t.Fatalf("lone arrival got %d, want 2", n[0])
	}
	if d := time.Since(t0); d < 20*time.Millisecond || d > 2*time.Second {
		t.Errorf("a lone arrival took %v with a 20 ms window: want the window, not more than a call longer", d)
	}
}

// TestRedisJoinLostBatchReply: Redis ran a batch's join but the reply was
// lost. Its arrivals get an error (and come again); the numbers it handed
// out are never confirmed, so Advance waits at them for the grace at
// most, calls none of them, holds no slot for them, and then goes on to
// the arrivals behind.
func TestRedisJoinLostBatchReply(t *testing.T) {
	px := newDropProxy(t, startRedis(t))
	s := newRedisJoinStore(t, px.addr(), "lostbatch", 50*time.Millisecond)
	ctx := context.Background()
	storetest.JoinN(t, s, 2, storetest.Start) // 1 and 2; also loads the script
	px.arm(scriptJoin.Hash())
	var wg sync.WaitGroup
	var failed sync.Map
	for i := range 3 {
		wg.Go(func() {
			if n, err := s.Join(ctx, storetest.Room, storetest.Start); err == nil {
				t.Errorf("Join through a lost reply: got ticket %d, want an error", n)
			} else {
				failed.Store(i, err)
			}
		})
	}
	wg.Wait()
	if px.dropped.Load() != 1 {
		t.Fatalf("the proxy dropped %d replies, want 1: the test did not test", px.dropped.Load())
	}
	behind := storetest.JoinN(t, s, 1, storetest.Start)[0]
	c := mustCounters(t, s)
	if c.Issued != behind || behind < 4 || behind > 6 {
		t.Fatalf("after the lost batch: Issued %d, next ticket %d; want the lost batch's 1-3 numbers between 2 and it", c.Issued, behind)
	}
	storetest.MustOpen(t, s, storetest.Start)
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.AbandonAfter = time.Minute })

	// Within the grace: 1 and 2 are called, the walk waits at 3.
	c = storetest.MustAdvance(t, s, p, storetest.Start.Add(time.Second))
	if got := called(t, s); !slices.Equal(got, []uint64{1, 2}) || c.Serving != 2 {
		t.Fatalf("within the grace: called %v, serving %d; want [1 2] and 2 (no slot for the lost numbers)", got, c.Serving)
	}
	// Past the grace, well within the abandon window: the lost numbers are
	// skipped, never called, and the arrival behind them is called.
	at := storetest.Start.Add(confirmGrace + 2*time.Second)
	c = storetest.MustAdvance(t, s, p, at)
	if got := called(t, s); !slices.Equal(got, []uint64{1, 2, behind}) || c.Serving != behind {
		t.Fatalf("past the grace: called %v, serving %d; want [1 2 %d] and %d", got, c.Serving, behind, behind)
	}
	for n := uint64(3); n < behind; n++ {
		if _, err := s.Claim(ctx, storetest.Room, n, "phantom", at); !errors.Is(err, queue.ErrForfeited) {
			t.Errorf("Claim of lost number %d: %v, want ErrForfeited", n, err)
		}
	}
	if c := mustCounters(t, s); c.Called != 3 || c.Active != 0 {
		t.Errorf("counters %+v: want 3 called (1, 2 and %d) and none active", c, behind)
	}
}

// TestRedisJoinConfirmedBeforeAdvance: a number handed out a moment ago is
// confirmed before this node's Advance, which calls it at once.
func TestRedisJoinConfirmedBeforeAdvance(t *testing.T) {
	s := newRedisJoinStore(t, startRedis(t), "confirm", time.Millisecond)
	s.confirmIdle = time.Hour // the batcher would wait an hour to confirm alone
	storetest.MustOpen(t, s, storetest.Start)
	n := storetest.JoinN(t, s, 1, storetest.Start)[0]
	storetest.MustAdvance(t, s, storetest.Roomy, storetest.Start)
	if got := called(t, s); !slices.Equal(got, []uint64{n}) {
		t.Errorf("called %v right after the join, want [%d]", got, n)
	}
}

// TestRedisJoinUnconfirmedOnOtherNode: a ticket another node handed out
// and has not confirmed yet is waited at by this node's Advance, not
// skipped, and called once that node confirms it.
func TestRedisJoinUnconfirmedOnOtherNode(t *testing.T) {
	addr := startRedis(t)
	a := newRedisJoinStore(t, addr, "nodes", time.Millisecond)
	a.confirmIdle = time.Hour // confirms only with its next call
	b := newRedisJoinStore(t, addr, "nodes", 0)
	storetest.MustOpen(t, b, storetest.Start)
	n := storetest.JoinN(t, a, 1, storetest.Start)[0]
	if c := storetest.MustAdvance(t, b, storetest.Roomy, storetest.Start); c.Serving != 0 || len(called(t, b)) != 0 {
		t.Fatalf("other node's Advance before the confirmation: serving %d, called %v; want it to wait at %d", c.Serving, called(t, b), n)
	}
	if err := a.confirmJoins(context.Background(), a.room(storetest.Room)); err != nil {
		t.Fatal(err)
	}
	storetest.MustAdvance(t, b, storetest.Roomy, storetest.Start.Add(time.Second))
	if got := called(t, b); !slices.Equal(got, []uint64{n}) {
		t.Errorf("after the confirmation: called %v, want [%d]", got, n)
	}
}

// TestRedisJoinOrderAcrossNodes: two nodes on one Redis hand out numbers
// concurrently. Every number is handed out once, and order across nodes
// holds to within a Join's time: an arrival whose Join returned before
// another's began has the smaller number, whichever nodes they came to.
func TestRedisJoinOrderAcrossNodes(t *testing.T) {
	addr := startRedis(t)
	nodes := []*Store{
		newRedisJoinStore(t, addr, "order", time.Millisecond),
		newRedisJoinStore(t, addr, "order", time.Millisecond),
	}
	type arrival struct {
		called, returned time.Time
		n                uint64
	}
	const perWorker, workers = 40, 4
	var mu sync.Mutex
	var all []arrival
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := nodes[w%len(nodes)]
			for range perWorker {
				a := arrival{called: time.Now()}
				n, err := s.Join(context.Background(), storetest.Room, storetest.Start)
				a.returned, a.n = time.Now(), n
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				all = append(all, a)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, a := range all {
		if seen[a.n] || a.n < 1 || a.n > perWorker*workers {
			t.Fatalf("number %d handed out twice or out of 1..%d", a.n, perWorker*workers)
		}
		seen[a.n] = true
	}
	for _, a := range all {
		for _, b := range all {
			if a.returned.Before(b.called) && a.n > b.n {
				t.Errorf("ticket %d returned at %v, before the Join of %d began at %v", a.n, a.returned, b.n, b.called)
			}
		}
	}
}

// TestRedisJoinClose: an arrival waiting for its batch when the store
// closes is answered (its batch is sent, or it fails), not left hanging.
func TestRedisJoinClose(t *testing.T) {
	s, err := New(context.Background(), Options{Addrs: []string{startRedis(t)}, KeyPrefix: "close", JoinWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Join(context.Background(), storetest.Room, storetest.Start)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		t.Logf("Join across Close: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Join across Close hung")
	}
}

func mustCounters(t testing.TB, s queue.Store) queue.Counters {
	t.Helper()
	c, err := s.Counters(context.Background(), storetest.Room)
	if err != nil {
		t.Fatalf("Counters: %v", err)
	}
	return c
}

// TestRedisJoinConfirmLeavesOtherStamps: a batch's ticket that left (or
// polled) before its node confirmed the batch keeps that stamp; the others
// are confirmed and called.
func TestRedisJoinConfirmLeavesOtherStamps(t *testing.T) {
	s := newRedisJoinStore(t, startRedis(t), "mixed", 50*time.Millisecond)
	s.confirmIdle = time.Hour // confirmed only by the Advance below
	ctx := context.Background()
	got := joinAll(t, s, 3)
	slices.Sort(got)
	if !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("numbers %v, want 1, 2, 3", got)
	}
	if err := s.Leave(ctx, storetest.Room, 2); err != nil {
		t.Fatal(err)
	}
	storetest.MustOpen(t, s, storetest.Start)
	c := storetest.MustAdvance(t, s, storetest.Roomy, storetest.Start)
	if got := called(t, s); !slices.Equal(got, []uint64{1, 3}) || c.Serving != 3 {
		t.Errorf("called %v, serving %d; want [1 3] and 3 (2 left before the confirmation)", got, c.Serving)
	}
}

// TestBatchContext: a batch's call lasts as long as its most patient
// arrival allows, and never past the confirmation grace.
func TestBatchContext(t *testing.T) {
	now := time.Now()
	in := func(d time.Duration) time.Time { return now.Add(d) }
	never := time.Time{}
	for _, tc := range []struct {
		name      string
		deadlines []time.Time
		want      time.Duration
	}{
		{"the latest deadline", []time.Time{in(time.Second), in(2 * time.Second)}, 2 * time.Second},
		{"one without a deadline", []time.Time{in(time.Second), never}, confirmGrace},
		{"a deadline past the grace", []time.Time{in(time.Hour)}, confirmGrace},
	} {
		var batch []*joinReq
		for _, d := range tc.deadlines {
			batch = append(batch, &joinReq{deadline: d})
		}
		ctx, cancel := batchContext(batch)
		d, ok := ctx.Deadline()
		cancel()
		if got := d.Sub(now); !ok || got < tc.want-time.Second/2 || got > tc.want+time.Second/2 {
			t.Errorf("%s: deadline in %v (set: %v), want about %v", tc.name, got, ok, tc.want)
		}
	}
}

// TestRedisJoinByExpiredTakesNoNumber: an arrival whose deadline passes
// while it waits for its batch is answered with the deadline error and
// takes no number; the next arrival gets the number it would have had.
func TestRedisJoinByExpiredTakesNoNumber(t *testing.T) {
	s := newRedisJoinStore(t, startRedis(t), "expired", 200*time.Millisecond)
	storetest.JoinN(t, s, 1, storetest.Start) // 1
	start := time.Now()
	_, err := s.JoinBy(context.Background(), storetest.Room, storetest.Start, start.Add(20*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("JoinBy past its deadline: %v, want the deadline error", err)
	}
	if n := storetest.JoinN(t, s, 1, storetest.Start)[0]; n != 2 {
		t.Errorf("the arrival after an expired one got %d, want 2: the expired one took a number", n)
	}
}

// TestRedisJoinByHungRedis: with Redis answering nothing, arrivals that
// come one after another with the same budget (as Bounded gives them) are
// each answered about their deadline, the ones queued behind a hung batch
// included; none waits for the hang to end.
func TestRedisJoinByHungRedis(t *testing.T) {
	addr := startRedis(t)
	s := newRedisJoinStore(t, addr, "hung", time.Millisecond)
	const budget = 200 * time.Millisecond
	// The first arrival loads the script, and its number is confirmed.
	// The second's confirmation is sent on its own 100 ms later, into the
	// pause, and holds the batcher: it must be bounded by the arrivals'
	// budget too, not by the grace.
	s.confirmIdle = 100 * time.Millisecond // before the batcher starts
	storetest.JoinN(t, s, 1, storetest.Start)
	time.Sleep(150 * time.Millisecond)
	if _, err := s.JoinBy(context.Background(), storetest.Room, storetest.Start, time.Now().Add(budget)); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.Do(context.Background(), "CLIENT", "PAUSE", "3000", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	late := make([]time.Duration, 8)
	var wg sync.WaitGroup
	for i := range late {
		time.Sleep(15 * time.Millisecond)
		wg.Go(func() {
			deadline := time.Now().Add(budget)
			n, err := s.JoinBy(context.Background(), storetest.Room, storetest.Start, deadline)
			late[i] = time.Since(deadline)
			if err == nil {
				t.Errorf("arrival %d got number %d from a paused Redis", i, n)
			}
		})
	}
	wg.Wait()
	// The pause lasts 3 s; a waiter held by the hung call would be ~2.8 s
	// late. Answered at its deadline, it is late by scheduling only.
	if worst := slices.Max(late); worst > time.Second {
		t.Errorf("answered up to %v past the deadline (each: %v)", worst, late)
	}
}

// TestJoinBudget: a confirmation sent on its own is bounded by the time
// the last batch's arrivals were given, not by what was left of it when
// the batch went out (which can be next to nothing).
func TestJoinBudget(t *testing.T) {
	at := time.Now()
	given := func(d time.Duration) *joinReq { return &joinReq{at: at, deadline: at.Add(d)} }
	for _, tc := range []struct {
		name  string
		batch []*joinReq
		want  time.Duration
	}{
		{"store.timeout", []*joinReq{given(time.Second), given(time.Second)}, time.Second},
		{"the longest", []*joinReq{given(200 * time.Millisecond), given(time.Second)}, time.Second},
		{"no deadline", []*joinReq{given(time.Second), {at: at}}, confirmGrace},
		{"past the grace", []*joinReq{given(time.Hour)}, confirmGrace},
	} {
		if got := joinBudget(tc.batch); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
