package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// TestRedisPublishETA: the first view offered for a slot is the one every
// node gets, a retry included; another slot is another key; the key
// expires, so a dead room leaves nothing behind.
func TestRedisPublishETA(t *testing.T) {
	t.Run("one", func(t *testing.T) { testPublishETA(t, startRedis(t), false) })
	t.Run("cluster", func(t *testing.T) { testPublishETA(t, startRedisCluster(t), true) })
}

func testPublishETA(t *testing.T, addr string, cluster bool) {
	a := newRedisStore(t, addr, "eta", cluster)
	b := newRedisStore(t, addr, "eta", cluster)
	ctx := context.Background()
	publish := func(s *RedisStore, slot int64, view string) string {
		t.Helper()
		got, err := s.PublishETA(ctx, rm, slot, []byte(view))
		if err != nil {
			t.Fatalf("PublishETA: %v", err)
		}
		return string(got)
	}
	if got := publish(a, 7, "first"); got != "first" {
		t.Errorf("first offer: got %q", got)
	}
	for _, s := range []*RedisStore{b, a} {
		if got := publish(s, 7, "second"); got != "first" {
			t.Errorf("later offer for the slot: got %q, want the first", got)
		}
	}
	if got := publish(b, 8, "next"); got != "next" {
		t.Errorf("next slot: got %q", got)
	}
	key := roomKey("eta", rm, "eta:7")
	ttl, err := a.client.TTL(ctx, key).Result()
	if err != nil || ttl <= 0 || ttl > etaKeep {
		t.Errorf("TTL of %s: %v, %v; want at most %v", key, ttl, err, etaKeep)
	}
}

// TestRedisWaitingAfterEarlyAdvance: a room that ticked before its first
// ticket (every open room does, on every node) still counts its line.
// Advance used to count the line from a tick numbered from 1970, which
// left every later poll out of the window for good: Waiting stayed 0 and
// every ETA was one admission long.
func TestRedisWaitingAfterEarlyAdvance(t *testing.T) {
	s := newRedisStore(t, startRedis(t), "early", false)
	p := with(roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 0, 10*time.Second })
	mustOpen(t, s, start)
	for i := range 3 {
		if c := mustAdvance(t, s, p, start.Add(time.Duration(i)*time.Second)); c.Waiting != 0 {
			t.Fatalf("empty room: Waiting %d", c.Waiting)
		}
	}
	now := start.Add(5 * time.Second)
	joinN(t, s, 4, now)
	if c := mustAdvance(t, s, p, now.Add(2*time.Second)); c.Waiting != 4 {
		t.Errorf("4 in line: Waiting %d, want 4", c.Waiting)
	}
}
