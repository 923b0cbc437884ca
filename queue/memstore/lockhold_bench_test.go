package memstore

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// The lock-hold benchmarks measure how long the memory store's lock, which
// every request takes, is held by a room's tick and by Save in a big drop:
// a million tickets waiting and a hundred thousand sessions alive. Advance
// and EndedSince hold the lock for all of their call; Seen, Refresh and
// Save split their work into slices, each timed through the store's held
// hook. A probe also takes the lock as requests do and reports the longest
// it waited; on a small machine that wait also holds what the scheduler
// and the collector add, so it is an upper bound.

const (
	holdWaiting  = 1_000_000
	holdSessions = 100_000
)

// holdPolicy admits at 1200 a minute into a room of holdSessions, so that
// the room stays full and a few sessions start and end at each tick.
var holdPolicy = queue.Policy{MaxActive: holdSessions, PerMinute: 1200, Burst: 200, SessionTTL: 5 * time.Minute,
	ClaimWindow: 30 * time.Second, AbandonAfter: 2 * time.Minute}

// bigDrop is a store in the middle of a big drop, and the shoppers in it.
type bigDrop struct {
	s    *Store
	sids []string
	now  time.Time
	tick int
}

// newBigDrop fills a store: sessions that started over the last session
// life (as a room that has been full for a while has them), then a
// million arrivals waiting behind them.
func newBigDrop(tb testing.TB) *bigDrop {
	tb.Helper()
	ctx := context.Background()
	s := New()
	d := &bigDrop{s: s, now: storetest.Start}
	if _, err := s.Open(ctx, storetest.Room, false, 0, d.now); err != nil {
		tb.Fatal(err)
	}
	d.sids = make([]string, holdSessions)
	for i := range d.sids {
		d.sids[i] = queue.NewSessionID()
	}
	const batches = 100
	per := holdSessions / batches
	for i := range batches {
		at := d.now.Add(time.Duration(i) * holdPolicy.SessionTTL / batches)
		if err := s.Refresh(ctx, storetest.Room, d.sids[i*per:(i+1)*per], at); err != nil {
			tb.Fatal(err)
		}
	}
	d.now = d.now.Add(holdPolicy.SessionTTL)
	for range holdWaiting {
		if _, err := s.Join(ctx, storetest.Room, d.now); err != nil {
			tb.Fatal(err)
		}
	}
	return d
}

// step is one 200 ms tick of the room: the polls of a million shoppers
// polling every 5 s, the refreshes of sessions each busy once in 5 s, a
// few sessions ending, then Advance and EndedSince. It returns how long
// each store call took; each of these holds the lock for all of its call
// on a store that does not split its work.
func (d *bigDrop) step(tb testing.TB, polls []uint64) (seen, refresh, advance, ended time.Duration) {
	ctx := context.Background()
	d.now = d.now.Add(200 * time.Millisecond)
	d.tick++
	perTick := len(polls)
	first := uint64(d.tick*perTick) % holdWaiting
	for i := range polls {
		polls[i] = 1 + (first+uint64(i))%holdWaiting
	}
	t := time.Now()
	if err := d.s.Seen(ctx, storetest.Room, polls, d.now); err != nil {
		tb.Fatal(err)
	}
	seen = time.Since(t)
	busy := len(d.sids) / 25
	from := (d.tick * busy) % len(d.sids)
	t = time.Now()
	if err := d.s.Refresh(ctx, storetest.Room, d.sids[from:from+busy], d.now); err != nil {
		tb.Fatal(err)
	}
	refresh = time.Since(t)
	for i := range 4 {
		d.s.End(ctx, storetest.Room, d.sids[(from+i*7)%len(d.sids)], d.now)
	}
	t = time.Now()
	if _, err := d.s.Advance(ctx, storetest.Room, holdPolicy, d.now); err != nil {
		tb.Fatal(err)
	}
	advance = time.Since(t)
	t = time.Now()
	if _, err := d.s.EndedSince(ctx, storetest.Room, d.now.Add(-5*time.Second)); err != nil {
		tb.Fatal(err)
	}
	ended = time.Since(t)
	return seen, refresh, advance, ended
}

// lockProbe takes the store's lock over and over, as requests do, and
// keeps the longest it had to wait: how long the lock was held by what
// else ran meanwhile.
type lockProbe struct {
	stop    chan struct{}
	done    sync.WaitGroup
	longest atomic.Int64
}

func probeLock(mu *sync.Mutex) *lockProbe {
	p := &lockProbe{stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			t := time.Now()
			mu.Lock()
			w := time.Since(t)
			mu.Unlock()
			if int64(w) > p.longest.Load() {
				p.longest.Store(int64(w))
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()
	return p
}

// end stops the probe and returns the longest wait.
func (p *lockProbe) end() time.Duration {
	close(p.stop)
	p.done.Wait()
	return time.Duration(p.longest.Load())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// holds collects lock holds, to report the longest, the 99th percentile
// and the median: the collector, or another process on a busy machine,
// now and then takes the holder's CPU midway, which the longest counts.
type holds []time.Duration

func (h *holds) add(d time.Duration) { *h = append(*h, d) }

func (h holds) report(b *testing.B, name string) {
	if len(h) == 0 {
		return
	}
	s := slices.Clone(h)
	slices.Sort(s)
	b.ReportMetric(ms(s[len(s)-1]), name+"-max-ms")
	b.ReportMetric(ms(s[len(s)*99/100]), name+"-p99-ms")
	b.ReportMetric(ms(s[len(s)/2]), name+"-p50-ms")
}

// BenchmarkLockHoldTick runs a room's ticks in a big drop: each op is one
// tick. It reports the longest time each store call of a tick took, the
// longest hold of one slice of a batched call (batch-hold-max-ms), and the
// longest a request waited for the lock meanwhile (probe-wait-max-ms).
func BenchmarkLockHoldTick(b *testing.B) {
	d := newBigDrop(b)
	polls := make([]uint64, holdWaiting/25) // each ticket polls every 5 s
	d.step(b, polls)                        // the first count of the line
	var seen, refresh, advance, ended time.Duration
	var held holds
	d.s.held = held.add
	p := probeLock(&d.s.mu)
	for b.Loop() {
		s, r, a, e := d.step(b, polls)
		seen, refresh, advance, ended = max(seen, s), max(refresh, r), max(advance, a), max(ended, e)
	}
	b.ReportMetric(ms(p.end()), "probe-wait-max-ms")
	held.report(b, "batch-hold")
	b.ReportMetric(ms(advance), "advance-max-ms")
	b.ReportMetric(ms(seen), "seen-call-max-ms")
	b.ReportMetric(ms(refresh), "refresh-call-max-ms")
	b.ReportMetric(ms(ended), "endedsince-max-ms")
}

// BenchmarkLockHoldSave saves a big drop's store while a request probe
// takes its lock: each op is one Save. save-hold-max-ms is the longest
// Save held the lock at a time.
func BenchmarkLockHoldSave(b *testing.B) {
	d := newBigDrop(b)
	d.step(b, make([]uint64, holdWaiting/25))
	path := filepath.Join(b.TempDir(), "queue.state")
	var held holds
	d.s.held = held.add
	p := probeLock(&d.s.mu)
	for b.Loop() {
		if err := d.s.Save(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ms(p.end()), "probe-wait-max-ms")
	held.report(b, "save-hold")
}
