package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/benchscale"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
	"github.com/redis/go-redis/v9"
)

// The Redis store as the sale grows: every script on the request path or
// the tick, in a room holding n of everything at once: n tickets served
// (claimed by n live sessions), n more waiting and polling, n ended
// sessions and n live holds. Each op reports ns/op (a loopback round trip
// included: most of it at every size) and redis-ns/op, the time Redis
// itself spent on the op (INFO commandstats), which is where work that
// grows with the room shows. op=counters also reports Redis's memory per
// entry (used_memory before and after each part of the fill).
//
// Filling 1M of everything writes some 7M entries, over ten seconds, so
// 1M runs only with ANTEROOM_BENCH_SCALE=1; CI runs 1k, 10k and 100k.
//
//	ANTEROOM_BENCH_SCALE=1 go test -run '^$' -bench RedisScale ./queue/

// scaleStep spreads the fill's times: a quarter second between entries,
// so that once they start to fall due, a few do at each one-second tick.
const scaleStep = 250 * time.Millisecond

// luaScaleFill writes entries from..to-1 of one kind, ARGV what, from, to,
// at (µs), step (µs), served: entry i's time is at + (i-from)·step. The
// formats are the scripts' own (their helpers, through luaPrelude):
// session i (32 hex digits, as NewSessionID's) came from a claim of ticket
// i+1 if that was served, else of a number never issued; holds belong to
// session i.
const luaScaleFill = luaPrelude + `
local what, from, to = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local at, step, served = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if what == 'served' then
  -- Tickets 1..to, every one served: stamps of zero.
  redis.call('APPEND', SEEN, string.rep('\0', 4 * to))
  redis.call('HSET', C, 'issued', fmt(to), 'serving', fmt(to), 'admitted', fmt(to))
  return 1
end
for i = from, to - 1 do
  local t = at + (i - from) * step
  local sid = string.format('%032x', i)
  if what == 'sessions' then
    local n = i + 1
    if n > served then n = 5e12 + i end
    redis.call('ZADD', SESS, fmt(t), sid)
    redis.call('HSET', CLAIMS, fmt(n), sid)
    redis.call('ZADD', CLAIMAT, fmt(t), fmt(n))
  elseif what == 'ended' then
    redis.call('ZADD', ENDED, fmt(t), string.format('%032x', 1e12 + i))
  elseif what == 'holds' then
    local hid = string.format('%032x', 2e12 + i)
    hold_put(hid, {state = 'H', at = t, sid = sid})
    redis.call('HSET', HSESS, sid, hid)
    redis.call('ZADD', HDUE, fmt(t), hid)
  end
end
if what == 'holds' then redis.call('HINCRBY', C, 'stock_held', fmt(to - from)) end
return 1
`

var scriptScaleFill = redis.NewScript(luaScaleFill)

// scaleRoom is a room filled to n of everything, on a Redis of its own.
type scaleRoom struct {
	s   *Store
	n   int
	now time.Time // the latest instant an op used; ops never go back
	// due is when the first session, claim, ended session and hold fall
	// due; one more of each every scaleStep after.
	due time.Time
	// bytes per entry of each kind, from used_memory
	perTicket, perSession, perEnded, perHold float64

	cmds     []string      // the commands the running op sends
	excluded time.Duration // Redis time spent off the clock
}

// scalePolicy keeps everything alive through the ops: sessions live 100
// hours (more than the n·scaleStep over which the fill spreads them at
// 1M), claims as long, tickets are never abandoned.
var scalePolicy = queue.Policy{MaxActive: 0, PerMinute: 240, Burst: 1000, SessionTTL: 100 * time.Hour,
	ClaimWindow: 50 * time.Hour, AbandonAfter: 10000 * time.Hour}

func newScaleRoom(b *testing.B, n int) *scaleRoom {
	b.Helper()
	ctx := context.Background()
	fx := &scaleRoom{s: newRedisStore(b, startRedis(b), "bench", false), n: n, now: storetest.Start}
	p := scalePolicy
	life := time.Duration(sessionLife(p)) * time.Microsecond
	span := time.Duration(n) * scaleStep
	fx.due = storetest.Start.Add(life - span)
	storetest.MustOpen(b, fx.s, storetest.Start)
	if _, err := fx.s.SetStock(ctx, storetest.Room, 1<<40, storetest.Start); err != nil {
		b.Fatal(err)
	}
	before := fx.usedMemory(b)
	fx.fill(b, "served", 0, n, storetest.Start, 0)
	// One poll of the last number issues the n after the served ones, all
	// polling now.
	if err := fx.s.Seen(ctx, storetest.Room, []uint64{uint64(2 * n)}, storetest.Start); err != nil {
		b.Fatal(err)
	}
	m := fx.usedMemory(b)
	fx.perTicket, before = float64(m-before)/float64(2*n), m
	// Sessions, their claims and ended sessions were made over the span
	// before now; holds expire over the span after due.
	for _, kind := range []struct {
		what  string
		bytes *float64
	}{{"sessions", &fx.perSession}, {"ended", &fx.perEnded}, {"holds", &fx.perHold}} {
		fx.fillDue(b, kind.what, 0, n)
		m = fx.usedMemory(b)
		*kind.bytes, before = float64(m-before)/float64(n), m
	}
	c, err := fx.s.Counters(ctx, storetest.Room)
	if err != nil || c.Issued != uint64(2*n) || c.Serving != uint64(n) || c.Active != n || c.Stock.Held != n {
		b.Fatalf("set-up: counters %+v, %v", c, err)
	}
	return fx
}

// fill runs luaScaleFill over from..to-1 in slices, so that no one script
// holds Redis for long.
func (fx *scaleRoom) fill(b *testing.B, what string, from, to int, at time.Time, step time.Duration) {
	b.Helper()
	slice := 50_000
	if what == "served" {
		slice = to - from // one APPEND
	}
	for lo := from; lo < to; lo += slice {
		hi := min(lo+slice, to)
		t := at.Add(time.Duration(lo-from) * step)
		if err := scriptScaleFill.Run(context.Background(), fx.s.client, fx.s.room(storetest.Room).keys,
			what, lo, hi, t.UnixMicro(), step.Microseconds(), fx.n).Err(); err != nil {
			b.Fatalf("filling %s: %v", what, err)
		}
	}
}

// fillDue writes entries from..to-1 of a kind that falls due: entry i at
// due + i·scaleStep (a session by expiring, with its claim, an ended
// session by being forgotten, a hold by expiring).
func (fx *scaleRoom) fillDue(b *testing.B, what string, from, to int) {
	b.Helper()
	at := fx.due.Add(time.Duration(from) * scaleStep)
	switch what {
	case "sessions":
		at = at.Add(-time.Duration(sessionLife(scalePolicy)) * time.Microsecond)
	case "ended":
		at = at.Add(-time.Duration(endedLife(scalePolicy)) * time.Microsecond)
	}
	fx.fill(b, what, from, to, at, scaleStep)
}

// info returns the fields of one INFO section.
func (fx *scaleRoom) info(b *testing.B, section string) map[string]string {
	b.Helper()
	s, err := fx.s.client.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

func (fx *scaleRoom) usedMemory(b *testing.B) uint64 {
	b.Helper()
	n, err := strconv.ParseUint(fx.info(b, "memory")["used_memory"], 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// redisTime is the time Redis has spent running the given commands, as
// INFO commandstats counts it (whole microseconds per call).
func (fx *scaleRoom) redisTime(b *testing.B, cmds ...string) time.Duration {
	b.Helper()
	stats := fx.info(b, "commandstats")
	var us int64
	for _, c := range cmds {
		for _, f := range strings.Split(stats["cmdstat_"+c], ",") {
			if v, ok := strings.CutPrefix(f, "usec="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				us += n
			}
		}
	}
	return time.Duration(us) * time.Microsecond
}

// scripts are the commands a script op sends: go-redis sends EVALSHA, and
// EVAL the first time.
var scripts = []string{"evalsha", "eval"}

// op times body, b.Loop's way, and reports the Redis time per op. Body
// can do set-up off the clock with offClock, whose Redis time is left out.
func (fx *scaleRoom) op(b *testing.B, name string, cmds []string, body func(b *testing.B, i int)) {
	b.Run("op="+name, func(b *testing.B) {
		b.ReportAllocs()
		fx.cmds, fx.excluded = cmds, 0
		t0 := fx.redisTime(b, cmds...)
		i := 0
		for b.Loop() {
			body(b, i)
			i++
		}
		spent := fx.redisTime(b, cmds...) - t0 - fx.excluded
		b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "redis-ns/op")
	})
}

// offClock runs f with the timer stopped, and its Redis time left out of
// the op's.
func (fx *scaleRoom) offClock(b *testing.B, f func()) {
	b.StopTimer()
	r0 := fx.redisTime(b, fx.cmds...)
	f()
	fx.excluded += fx.redisTime(b, fx.cmds...) - r0
	b.StartTimer()
}

func sid(i int) string { return fmt.Sprintf("%032x", i) }

// BenchmarkRedisScale: see the top of this file.
func BenchmarkRedisScale(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchscale.Sizes(100_000) {
		b.Run("n="+benchscale.Label(n), func(b *testing.B) {
			fx := newScaleRoom(b, n)
			s, p := fx.s, scalePolicy
			fresh := 3_000_000_000_000 // ids no fill uses
			newID := func() string { fresh++; return sid(fresh) }

			fx.op(b, "counters", scripts, func(b *testing.B, _ int) {
				if _, err := s.Counters(ctx, storetest.Room); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(fx.perTicket, "B/ticket")
				b.ReportMetric(fx.perSession, "B/session")
				b.ReportMetric(fx.perEnded, "B/ended")
				b.ReportMetric(fx.perHold, "B/hold")
			})
			ended := []string{newID(), newID(), newID()}
			for _, e := range ended {
				if err := s.End(ctx, storetest.Room, e, fx.now); err != nil {
					b.Fatal(err)
				}
			}
			since := fx.now
			fx.op(b, "ended-since", []string{"zrangebyscore"}, func(b *testing.B, _ int) {
				if got, err := s.EndedSince(ctx, storetest.Room, since); err != nil || len(got) != len(ended) {
					b.Fatalf("EndedSince: %d ended, %v; want %d", len(got), err, len(ended))
				}
			})
			// Nobody waits and nobody is called: a newcomer is admitted
			// directly. The line is put back after.
			c, err := s.Counters(ctx, storetest.Room)
			if err != nil {
				b.Fatal(err)
			}
			roomy := storetest.With(p, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 1<<30, 60_000_000, 1<<20 })
			setServing := func(v uint64) {
				if err := s.client.HSet(ctx, s.room(storetest.Room).keys[keyCounters], "serving", v).Err(); err != nil {
					b.Fatal(err)
				}
			}
			setServing(c.Issued)
			fx.op(b, "admit-direct", scripts, func(b *testing.B, _ int) {
				if ok, err := s.AdmitDirect(ctx, storetest.Room, newID(), roomy, fx.now); err != nil || !ok {
					b.Fatalf("AdmitDirect: %v, %v", ok, err)
				}
			})
			setServing(c.Serving)
			// Three minutes of polls, a few tickets each second, as the
			// line keeps them when it is counted (a 2-minute abandon
			// window): the same at every size.
			for k := range 180 {
				fx.now = fx.now.Add(time.Second)
				ns := []uint64{uint64(n + 1 + 5*k), uint64(n + 2 + 5*k), uint64(n + 3 + 5*k), uint64(n + 4 + 5*k), uint64(n + 5 + 5*k)}
				if err := s.Seen(ctx, storetest.Room, ns, fx.now); err != nil {
					b.Fatal(err)
				}
			}
			// A tick a second with nothing due and the room full: the
			// line is counted at every one.
			idle := storetest.With(p, func(p *queue.Policy) { p.MaxActive = 0 })
			fx.op(b, "advance-idle", scripts, func(b *testing.B, _ int) {
				fx.now = fx.now.Add(time.Second)
				storetest.MustAdvance(b, s, idle, fx.now)
			})
			// A tick a second from when the fill's entries fall due: four
			// sessions expire, their claims are forgotten, four ended
			// sessions and four holds too, and four tickets are called.
			// Where the fill runs out (before 1M), more entries are written
			// off the clock, 200 ticks' worth at a time.
			c, err = s.Counters(ctx, storetest.Room)
			if err != nil {
				b.Fatal(err)
			}
			full := storetest.With(p, func(p *queue.Policy) { p.MaxActive = c.Active + c.Called })
			perTick := int(time.Second / scaleStep)
			filled := n
			fx.now = fx.due.Add(-time.Second)
			fx.op(b, "advance-due", scripts, func(b *testing.B, i int) {
				if (i+200)*perTick > filled {
					fx.offClock(b, func() {
						for _, what := range []string{"sessions", "ended", "holds"} {
							fx.fillDue(b, what, filled, filled+200*perTick)
						}
						full.MaxActive += 200 * perTick // as many sessions as were added
						filled += 200 * perTick
					})
				}
				fx.now = fx.now.Add(time.Second)
				storetest.MustAdvance(b, s, full, fx.now)
			})
			// No tick runs after this point but the claims' off the clock,
			// so holds taken here never fall due while an op is timed; and
			// arrivals no longer make the line longer than n for them.
			fx.op(b, "join", scripts, func(b *testing.B, _ int) {
				if _, err := s.Join(ctx, storetest.Room, fx.now); err != nil {
					b.Fatal(err)
				}
			})
			// A batch of 512 polls (the store's batch), spread over n
			// tickets waiting (the ticks may have called the fill's), a
			// second after the one before.
			if c, err = s.Counters(ctx, storetest.Room); err != nil {
				b.Fatal(err)
			}
			if err := s.Seen(ctx, storetest.Room, []uint64{c.Issued + uint64(n)}, fx.now); err != nil {
				b.Fatal(err)
			}
			polls := make([]uint64, batch)
			fx.op(b, "seen-512", scripts, func(b *testing.B, i int) {
				for j := range polls {
					polls[j] = c.Issued + 1 + uint64((j*n/batch+i)%n)
				}
				fx.now = fx.now.Add(time.Second)
				if err := s.Seen(ctx, storetest.Room, polls, fx.now); err != nil {
					b.Fatal(err)
				}
			})
			// Claims of tickets called off the clock, a thousand at a time
			// a second apart (more are issued when the line runs short).
			var called []uint64
			fx.op(b, "claim", scripts, func(b *testing.B, _ int) {
				if len(called) == 0 {
					fx.offClock(b, func() {
						c, err := s.Counters(ctx, storetest.Room)
						if err != nil {
							b.Fatal(err)
						}
						if c.Issued-c.Serving < 1000 {
							if err := s.Seen(ctx, storetest.Room, []uint64{c.Issued + 1000}, fx.now); err != nil {
								b.Fatal(err)
							}
						}
						fx.now = fx.now.Add(time.Second)
						storetest.MustAdvance(b, s, storetest.With(roomy, func(p *queue.Policy) { p.Burst = 1000 }), fx.now)
						if called = redisCalled(b, s, storetest.Room); len(called) == 0 {
							b.Fatal("set-up: nobody called")
						}
					})
				}
				if _, err := s.Claim(ctx, storetest.Room, called[0], newID(), fx.now); err != nil {
					b.Fatal(err)
				}
				called = called[1:]
			})
			until := fx.now.Add(1000 * time.Hour)
			fx.op(b, "hold", scripts, func(b *testing.B, _ int) {
				if _, err := s.Hold(ctx, storetest.Room, newID(), newID(), 1, until, fx.now); err != nil {
					b.Fatal(err)
				}
			})
			// Confirm and release end holds made off the clock, a thousand
			// at a time.
			for _, end := range []struct {
				name string
				f    func(hid string) error
			}{
				{"confirm", func(hid string) error { return s.Confirm(ctx, storetest.Room, hid, fx.now) }},
				{"release", func(hid string) error { return s.Release(ctx, storetest.Room, hid, fx.now) }},
			} {
				var next, last int
				fx.op(b, end.name, scripts, func(b *testing.B, _ int) {
					if next == last {
						fx.offClock(b, func() {
							next = fresh + 1
							fresh += 1000
							last = fresh + 1
							fx.fill(b, "holds", next, last, until, 0)
						})
					}
					if err := end.f(sid(2e12 + next)); err != nil {
						b.Fatal(err)
					}
					next++
				})
			}
			sids := make([]string, batch)
			fx.op(b, "refresh-512", scripts, func(b *testing.B, i int) {
				for j := range sids {
					sids[j] = sid((j*n/batch + i) % n)
				}
				if err := s.Refresh(ctx, storetest.Room, sids, fx.now); err != nil {
					b.Fatal(err)
				}
			})
			fx.op(b, "end", scripts, func(b *testing.B, i int) {
				if err := s.End(ctx, storetest.Room, sid(i%n), fx.now); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
