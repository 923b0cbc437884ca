package memstore

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// The growth benchmarks run each hot operation of the memory store at 1k,
// 10k, 100k and 1M entries of what it works on (tickets, sessions, ended
// sessions, holds): a request's cost must not grow with the sale. Where a
// fill is measured, B/entry is the heap it took per entry.

var growSizes = []int{1_000, 10_000, 100_000, 1_000_000}

// growPolicy never gets in the way: sessions and tickets live for hours,
// the room and the bucket are as large as any benchmark needs.
var growPolicy = queue.Policy{MaxActive: 1 << 30, PerMinute: 1 << 30, Burst: 1 << 30, SessionTTL: 10000 * time.Hour,
	ClaimWindow: 10000 * time.Hour, AbandonAfter: 8 * time.Hour}

func forSizes(b *testing.B, run func(b *testing.B, n int)) {
	for _, n := range growSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			run(b, n)
			// Reported after the loop: its start drops metrics reported before.
			if v, ok := entryBytes[b]; ok {
				b.ReportMetric(v, "B/entry")
				delete(entryBytes, b)
			}
		})
	}
}

// entryBytes holds what perEntry measured, until the benchmark reports it.
var entryBytes = map[*testing.B]float64{}

// heapUsed is the live heap, after a collection.
func heapUsed() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// perEntry measures the heap that fill took per entry, for forSizes to
// report.
func perEntry(b *testing.B, n int, fill func()) {
	before := heapUsed()
	fill()
	entryBytes[b] = float64(int64(heapUsed())-int64(before)) / float64(n)
}

// sids returns n session ids as the gateway makes them.
func sids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = queue.NewSessionID()
	}
	return out
}

// waitingStore is an open room with n tickets waiting.
func waitingStore(b *testing.B, n int) *Store {
	s := New()
	ctx := context.Background()
	s.Open(ctx, storetest.Room, false, 0, storetest.Start)
	perEntry(b, n, func() {
		for range n {
			s.Join(ctx, storetest.Room, storetest.Start)
		}
	})
	return s
}

// sessionStore is an open room with n sessions alive, nobody waiting.
func sessionStore(b *testing.B, n int) (*Store, []string) {
	s := New()
	ctx := context.Background()
	s.Open(ctx, storetest.Room, false, 0, storetest.Start)
	ids := sids(n)
	perEntry(b, n, func() { s.Refresh(ctx, storetest.Room, ids, storetest.Start) })
	return s, ids
}

// BenchmarkGrowJoin is an arrival joining a line of n (B/entry: the poll
// record per ticket).
func BenchmarkGrowJoin(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s := waitingStore(b, n)
		ctx := context.Background()
		for b.Loop() {
			s.Join(ctx, storetest.Room, storetest.Start)
		}
	})
}

// BenchmarkGrowSeen is a tick's batch of 1000 polls, spread over a line of n.
func BenchmarkGrowSeen(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s := waitingStore(b, n)
		ctx := context.Background()
		batch := make([]uint64, 1000)
		now := storetest.Start
		for i := 0; b.Loop(); i++ {
			for j := range batch {
				batch[j] = 1 + uint64((i*len(batch)+j)*7919%n)
			}
			now = now.Add(time.Millisecond)
			s.Seen(ctx, storetest.Room, batch, now)
		}
	})
}

// BenchmarkGrowCountWaiting is the once-a-second count of a line of n,
// alone: countWaiting's share of Advance.
func BenchmarkGrowCountWaiting(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s := waitingStore(b, n)
		r := s.rooms[storetest.Room]
		for i := 0; b.Loop(); i++ {
			// Round the first hour, so that every ticket stays in line.
			r.countWaiting(growPolicy, storetest.Start.Add(time.Duration(1+i%3600)*time.Second))
		}
		if r.Waiting != n {
			b.Fatalf("Waiting %d, want %d", r.Waiting, n)
		}
	})
}

// BenchmarkGrowClaim is a called ticket claiming its session, with n
// sessions alive.
func BenchmarkGrowClaim(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s, _ := sessionStore(b, n)
		ctx := context.Background()
		var called []uint64
		call := func() { // a batch of tickets called, out of the timing
			b.StopTimer()
			defer b.StartTimer()
			for range 10000 {
				n, _ := s.Join(ctx, storetest.Room, storetest.Start)
				called = append(called, n)
			}
			s.Advance(ctx, storetest.Room, growPolicy, storetest.Start)
		}
		ids := sids(10000)
		for i := 0; b.Loop(); i++ {
			if len(called) == 0 {
				call()
			}
			if _, err := s.Claim(ctx, storetest.Room, called[0], ids[i%len(ids)]+strconv.Itoa(i), storetest.Start); err != nil {
				b.Fatal(err)
			}
			called = called[1:]
		}
	})
}

// BenchmarkGrowAdmitDirect is an arrival admitted at once into a room
// with n sessions alive: it expires what is due first.
func BenchmarkGrowAdmitDirect(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s, _ := sessionStore(b, n)
		ctx := context.Background()
		ids := sids(10000)
		for i := 0; b.Loop(); i++ {
			if ok, _ := s.AdmitDirect(ctx, storetest.Room, ids[i%len(ids)]+strconv.Itoa(i), growPolicy, storetest.Start); !ok {
				b.Fatal("not admitted")
			}
		}
	})
}

// BenchmarkGrowRefresh is a tick's batch of 1000 refreshes among n sessions.
func BenchmarkGrowRefresh(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s, ids := sessionStore(b, n)
		ctx := context.Background()
		now := storetest.Start
		for i := 0; b.Loop(); i++ {
			from := i * 1000 % n
			now = now.Add(time.Millisecond)
			s.Refresh(ctx, storetest.Room, ids[from:min(from+1000, n)], now)
		}
	})
}

// BenchmarkGrowEnd is a revoke among n sessions alive and n ended (B/entry:
// an ended session).
func BenchmarkGrowEnd(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s, ids := sessionStore(b, n)
		ctx := context.Background()
		gone := sids(n)
		now := storetest.Start
		perEntry(b, n, func() {
			for _, id := range gone {
				now = now.Add(time.Microsecond)
				s.End(ctx, storetest.Room, id, now)
			}
		})
		for i := 0; b.Loop(); i++ {
			now = now.Add(time.Microsecond)
			s.End(ctx, storetest.Room, ids[i%n], now)
		}
	})
}

// fullRoom is a room in a long sale, each part of size n: n sessions
// alive filling it, n ended, n tickets waiting.
func fullRoom(b *testing.B, n int) (*Store, queue.Policy, time.Time) {
	ctx := context.Background()
	p := storetest.With(growPolicy, func(p *queue.Policy) { p.MaxActive = n })
	s, _ := sessionStore(b, n)
	now := storetest.Start
	for _, id := range sids(n) {
		now = now.Add(time.Microsecond)
		s.End(ctx, storetest.Room, id, now)
	}
	for range n {
		s.Join(ctx, storetest.Room, now)
	}
	s.Advance(ctx, storetest.Room, p, now)
	return s, p, now
}

// BenchmarkGrowAdvanceIdle is a tick (200 ms) with nothing falling due, in
// a full room with n sessions, n ended and n waiting; one in five counts
// the line.
func BenchmarkGrowAdvanceIdle(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s, p, now := fullRoom(b, n)
		ctx := context.Background()
		var all []uint64
		for i := 0; b.Loop(); i++ {
			now = now.Add(200 * time.Millisecond)
			if i%36000 == 35999 { // every 2 h, everyone polls (untimed)
				b.StopTimer()
				for j := uint64(len(all)); j < uint64(n); j++ {
					all = append(all, j+1)
				}
				s.Seen(ctx, storetest.Room, all, now)
				b.StartTimer()
			}
			c, err := s.Advance(ctx, storetest.Room, p, now)
			if err != nil || c.Waiting != n || c.Active != n {
				b.Fatalf("Advance: %+v, %v", c, err)
			}
		}
	})
}

// BenchmarkGrowAdvanceExpiring is a tick (200 ms) in which four sessions
// start and four end for want of use, beside n sessions alive that are in
// no hurry (stamped 1000 h ahead).
func BenchmarkGrowAdvanceExpiring(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		ctx := context.Background()
		p := storetest.With(growPolicy, func(p *queue.Policy) { p.SessionTTL = time.Minute })
		s := New()
		s.Open(ctx, storetest.Room, false, 0, storetest.Start)
		s.Refresh(ctx, storetest.Room, sids(n), storetest.Start.Add(1000*time.Hour))
		life := p.SessionTTL + queue.SessionGrace
		now := storetest.Start
		for t := now.Add(-life); t.Before(now); t = t.Add(200 * time.Millisecond) {
			s.Refresh(ctx, storetest.Room, sids(4), t)
		}
		s.Advance(ctx, storetest.Room, p, now)
		fresh := sids(4 << 12)
		for i := 0; b.Loop(); i++ {
			now = now.Add(200 * time.Millisecond)
			j := 4 * (i % (1 << 12))
			s.Refresh(ctx, storetest.Room, fresh[j:j+4], now)
			c, err := s.Advance(ctx, storetest.Room, p, now)
			if err != nil || c.Active < n {
				b.Fatalf("Advance: %+v, %v", c, err)
			}
		}
	})
}

// BenchmarkGrowCounters reads the counters of a full room of size n.
func BenchmarkGrowCounters(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s, _, _ := fullRoom(b, n)
		ctx := context.Background()
		for b.Loop() {
			s.Counters(ctx, storetest.Room)
		}
	})
}

// BenchmarkGrowEndedSince is a tick's fetch of the ends of the last 5 s
// (25 of them) among n ended sessions.
func BenchmarkGrowEndedSince(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		ctx := context.Background()
		s := New()
		now := storetest.Start
		for _, id := range sids(n) {
			now = now.Add(time.Millisecond)
			s.End(ctx, storetest.Room, id, now)
		}
		for _, id := range sids(25) {
			now = now.Add(200 * time.Millisecond)
			s.End(ctx, storetest.Room, id, now)
		}
		for b.Loop() {
			es, _ := s.EndedSince(ctx, storetest.Room, now.Add(-4900*time.Millisecond))
			if len(es) != 25 {
				b.Fatalf("%d ended, want 25", len(es))
			}
		}
	})
}

// stockStore has n live holds on a stock too large to run out (B/entry: a
// live hold).
func stockStore(b *testing.B, n int) *Store {
	ctx := context.Background()
	s := New()
	s.InitStock(ctx, storetest.Room, 1<<40, storetest.Start)
	ids := sids(n)
	until := storetest.Start.Add(time.Hour)
	perEntry(b, n, func() {
		for i, id := range ids {
			if _, err := s.Hold(ctx, storetest.Room, id, "h"+id, 1, until.Add(time.Duration(i)), storetest.Start); err != nil {
				b.Fatal(err)
			}
		}
	})
	return s
}

// BenchmarkGrowHold is a session taking a hold beside n live ones.
func BenchmarkGrowHold(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		s := stockStore(b, n)
		ctx := context.Background()
		until := storetest.Start.Add(2 * time.Hour)
		for i := 0; b.Loop(); i++ {
			id := strconv.Itoa(i)
			if _, err := s.Hold(ctx, storetest.Room, "new"+id, "hn"+id, 1, until, storetest.Start); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGrowConfirm and BenchmarkGrowRelease end one of n live holds:
// each op takes a hold and confirms or releases it.
func BenchmarkGrowConfirm(b *testing.B) { benchEndHold(b, true) }
func BenchmarkGrowRelease(b *testing.B) { benchEndHold(b, false) }

func benchEndHold(b *testing.B, confirm bool) {
	forSizes(b, func(b *testing.B, n int) {
		s := stockStore(b, n)
		ctx := context.Background()
		until := storetest.Start.Add(2 * time.Hour)
		for i := 0; b.Loop(); i++ {
			id := strconv.Itoa(i)
			s.Hold(ctx, storetest.Room, "new"+id, "hn"+id, 1, until, storetest.Start)
			var err error
			if confirm {
				err = s.Confirm(ctx, storetest.Room, "hn"+id, storetest.Start)
			} else {
				err = s.Release(ctx, storetest.Room, "hn"+id, storetest.Start)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
