package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestRedisWaitingAfterEarlyAdvance: a room that ticked before its first
// ticket (every open room does, on every node) still counts its line.
// Advance used to count the line from a tick numbered from 1970, which
// left every later poll out of the window for good: Waiting stayed 0 and
// every ETA was one admission long.
func TestRedisWaitingAfterEarlyAdvance(t *testing.T) {
	s := newRedisStore(t, startRedis(t), "early", false)
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 0, 10*time.Second })
	storetest.MustOpen(t, s, storetest.Start)
	for i := range 3 {
		if c := storetest.MustAdvance(t, s, p, storetest.Start.Add(time.Duration(i)*time.Second)); c.Waiting != 0 {
			t.Fatalf("empty room: Waiting %d", c.Waiting)
		}
	}
	now := storetest.Start.Add(5 * time.Second)
	storetest.JoinN(t, s, 4, now)
	if c := storetest.MustAdvance(t, s, p, now.Add(2*time.Second)); c.Waiting != 4 {
		t.Errorf("4 in line: Waiting %d, want 4", c.Waiting)
	}
}

// TestRedisWaitingMendsAfterEarlyAdvance: a room whose line count an
// earlier release broke that way (its floor set past the clock) counts its
// line again within the abandon window, as its tickets poll.
func TestRedisWaitingMendsAfterEarlyAdvance(t *testing.T) {
	s := newRedisStore(t, startRedis(t), "mend", false)
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 0, 10*time.Second })
	storetest.MustOpen(t, s, storetest.Start)
	storetest.MustAdvance(t, s, p, storetest.Start)
	// What the old Advance left: a floor at the tick of now counted from 1970.
	if err := s.client.HSet(ctx, s.room(storetest.Room).keys[keyCounters], "wfloor", storetest.Start.Unix()+1).Err(); err != nil {
		t.Fatal(err)
	}
	line := storetest.JoinN(t, s, 4, storetest.Start.Add(time.Second))
	var c queue.Counters
	for i := 2; i <= 14; i++ {
		now := storetest.Start.Add(time.Duration(i) * time.Second)
		if err := s.Seen(ctx, storetest.Room, line, now); err != nil {
			t.Fatal(err)
		}
		c = storetest.MustAdvance(t, s, p, now)
	}
	if c.Waiting != 4 {
		t.Errorf("after the abandon window: Waiting %d, want 4", c.Waiting)
	}
}
