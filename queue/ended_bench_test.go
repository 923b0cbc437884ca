package queue

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The ended-session benchmarks run each operation with 1k to 1M sessions
// already ended: the target is a cost per operation at 1M within twice the
// cost at 1k. The set stays at its size while they run — a room ending
// sessions at a steady rate forgets as many as it ends — so each figure is
// the cost at that size, not an average over a growing set.
//
//	go test ./queue -run '^$' -bench 'Ended' -benchmem

var endedSizes = []int{1_000, 10_000, 100_000, 1_000_000}

// benchEndedTTL is a session life; the window over which the sessions
// ended are spread is that plus EndedSlack.
const benchEndedTTL = 10 * time.Minute

// endedStore stands in for the store: the engine's share of an end and of
// a tick is what is measured, not a store's. EndedSince returns batch.
type endedStore struct {
	Store
	batch []Ended
}

func (*endedStore) End(context.Context, string, string, time.Time) error { return nil }

func (s *endedStore) EndedSince(context.Context, string, time.Time) ([]Ended, error) {
	return s.batch, nil
}

// endedBench is a room with n sessions ended, one every step, over one
// window: after each further step one more falls due.
type endedBench struct {
	room  *Room
	clk   *fakeClock
	store *endedStore
	step  time.Duration
	// ids is a pool of session ids, n of them ended at the start; the
	// next ends take the following ones and wrap round to ids ended long
	// enough ago to have been forgotten.
	ids  []string
	next int
}

// benchSID is the i-th session id, in the form NewSessionID gives.
func benchSID(i int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(i)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	return hex.EncodeToString(b[:])
}

// benchSpareIDs is how far beyond n the pool of ids reaches: an id comes
// round again that many ends after the set forgot it.
const benchSpareIDs = 1 << 14

func newEndedBench(b *testing.B, n int) *endedBench {
	b.Helper()
	e := &endedBench{clk: newClock(), store: &endedStore{}}
	e.step = (benchEndedTTL + EndedSlack) / time.Duration(n)
	e.room = NewRoom("shop", e.store, Options{Policy: with(shop, func(p *Policy) { p.SessionTTL = benchEndedTTL }),
		Now: e.clk.Now, Log: quiet})
	e.ids = make([]string, n+benchSpareIDs)
	for i := range e.ids {
		e.ids[i] = benchSID(i)
	}
	for range n {
		e.end()
	}
	if got := e.room.ended.len(); got != n {
		b.Fatalf("filled %d ended sessions, want %d", got, n)
	}
	return e
}

// end ends the next session one step after the last.
func (e *endedBench) end() {
	e.clk.Add(e.step)
	e.room.End(context.Background(), e.ids[e.next])
	e.next = (e.next + 1) % len(e.ids)
}

// sample returns k ids of ended sessions (hit) or of live ones, each a
// copy, as a token just parsed is: a lookup then compares two strings in
// different places, as on a request.
func (e *endedBench) sample(k int, hit bool) []string {
	n := e.room.ended.len()
	out := make([]string, k)
	for i := range out {
		j := i * (n / k) // spread over the whole set
		if hit {
			out[i] = strings.Clone(e.ids[(e.next-n+j+len(e.ids))%len(e.ids)])
		} else {
			out[i] = benchSID(len(e.ids) + j)
		}
	}
	return out
}

// BenchmarkRoomEnd is a revoke or a leave: the engine's end of a session,
// on the request path. Every 256 ends a tick's sweep, not timed here
// (BenchmarkEndedSweep times it), forgets as many.
func BenchmarkRoomEnd(b *testing.B) {
	for _, n := range endedSizes {
		b.Run(fmt.Sprintf("ended=%d", n), func(b *testing.B) {
			e := newEndedBench(b, n)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				e.end()
				if i%256 == 255 {
					b.StopTimer()
					e.room.forgetEnded(e.clk.Now())
					b.StartTimer()
				}
			}
			b.StopTimer()
			if got := e.room.ended.len(); got < n || got > n+256 {
				b.Fatalf("%d ended sessions at the end, want about %d", got, n)
			}
		})
	}
}

// BenchmarkRoomEnded is the check on every proxied request: a session that
// was ended (hit), and the usual case, one that was not (miss).
func BenchmarkRoomEnded(b *testing.B) {
	for _, hit := range []bool{true, false} {
		for _, n := range endedSizes {
			name := fmt.Sprintf("miss/ended=%d", n)
			if hit {
				name = fmt.Sprintf("hit/ended=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				e := newEndedBench(b, n)
				ids := e.sample(1024, hit)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if e.room.Ended(ids[i%len(ids)]) != hit {
						b.Fatalf("Ended(%s): got %v, want %v", ids[i%len(ids)], !hit, hit)
					}
				}
			})
		}
	}
}

// learnBatch is one tick's news at a busy sale: 40 ends (200 a second,
// ticks 200 ms apart) among endedOverlap's worth heard before (1,000).
const learnNew, learnKnown = 40, 1000

// BenchmarkRoomLearnEnded is a tick learning of ends from the store: a
// batch of mostly ends it knows, as the overlap fetches them again. A
// sweep after each, not timed here (BenchmarkEndedSweep times it), forgets
// as many as it learnt.
func BenchmarkRoomLearnEnded(b *testing.B) {
	for _, n := range endedSizes {
		b.Run(fmt.Sprintf("ended=%d", n), func(b *testing.B) {
			e := newEndedBench(b, n)
			ctx := context.Background()
			// recent are the last ends, with their times, as the store lists
			// them: a ring the batch is drawn from.
			recent := make([]Ended, learnKnown+learnNew)
			for i := range recent {
				e.end()
				recent[i] = Ended{ID: e.ids[(e.next-1+len(e.ids))%len(e.ids)], At: e.clk.Now()}
			}
			e.store.batch = make([]Ended, 0, len(recent))
			oldest := 0 // the ring's next slot to overwrite
			b.ReportAllocs()
			for b.Loop() {
				// learnNew ends from another node, since the last tick.
				for range learnNew {
					e.clk.Add(e.step)
					recent[oldest] = Ended{ID: e.ids[e.next], At: e.clk.Now()}
					oldest = (oldest + 1) % len(recent)
					e.next = (e.next + 1) % len(e.ids)
				}
				e.store.batch = append(e.store.batch[:0], recent...)
				if err := e.room.learnEnded(ctx, benchEndedTTL); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				e.room.forgetEnded(e.clk.Now())
				b.StartTimer()
			}
			b.StopTimer()
			if got := e.room.ended.len(); got < n || got > n+len(recent) {
				b.Fatalf("%d ended sessions at the end, want about %d", got, n)
			}
		})
	}
}

// BenchmarkEndedSweep is the tick's sweep, and the longest a read of the
// set can wait behind it: one hold of a shard's lock, forgetting a full
// batch. Each iteration ends as many sessions as it then sweeps, four full
// batches a shard at once — more than a tick forgets even at a busy sale —
// so that holds are full ones. ns/op is the whole sweep; ns/forgot its
// share per session forgotten; the hold metrics time each hold, the timer
// included. The longest holds on a shared machine are the scheduler's — a
// thread descheduled while it holds the lock, as any holder can be — not
// the sweep's: every hold goes through at most sweepBatch entries, so the
// work in one is bounded by sweepBatch times ns/forgot.
func BenchmarkEndedSweep(b *testing.B) {
	for _, n := range endedSizes {
		b.Run(fmt.Sprintf("ended=%d", n), func(b *testing.B) {
			e := newEndedBench(b, n)
			const perSweep = 4 * endedShards * sweepBatch
			var holds []time.Duration
			forgot := 0
			for b.Loop() {
				b.StopTimer()
				for range perSweep {
					e.end()
				}
				now := e.clk.Now().UnixNano()
				b.StartTimer()
				for i := range e.room.ended.shards {
					sh := &e.room.ended.shards[i]
					for more := true; more; {
						var k int
						t0 := time.Now()
						k, more = sh.sweepBatch(now)
						holds = append(holds, time.Since(t0))
						forgot += k
					}
				}
			}
			b.StopTimer()
			if got := e.room.ended.len(); got < n-perSweep || got > n+perSweep {
				b.Fatalf("%d ended sessions at the end, want about %d", got, n)
			}
			slices.Sort(holds)
			var total time.Duration
			for _, d := range holds {
				total += d
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(forgot), "ns/forgot")
			b.ReportMetric(float64(total.Nanoseconds())/float64(len(holds)), "mean-hold-ns")
			b.ReportMetric(float64(holds[len(holds)*99/100].Nanoseconds()), "p99-hold-ns")
			b.ReportMetric(float64(holds[len(holds)*999/1000].Nanoseconds()), "p99.9-hold-ns")
			b.ReportMetric(float64(holds[len(holds)-1].Nanoseconds()), "max-hold-ns")
		})
	}
}

// BenchmarkEndedBytesPerEntry is the heap one ended session costs, its
// 32-character id included: a million ends into an empty set, measured
// with runtime.MemStats after a collection on either side.
func BenchmarkEndedBytesPerEntry(b *testing.B) {
	const n = 1_000_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = benchSID(i)
	}
	var perEntry float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newEndedSet()
		for i, id := range ids {
			s.add(strings.Clone(id), int64(i))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.len() != n {
			b.Fatalf("got %d entries, want %d", s.len(), n)
		}
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
	}
	b.ReportMetric(perEntry, "B/entry")
}
