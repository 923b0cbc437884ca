package redisstore

import (
	"context"
	"github.com/anteroom/anteroom/queue/storetest"
	"testing"
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
	publish := func(s *Store, slot int64, view string) string {
		t.Helper()
		got, err := s.PublishETA(ctx, storetest.Room, slot, []byte(view))
		if err != nil {
			t.Fatalf("PublishETA: %v", err)
		}
		return string(got)
	}
	if got := publish(a, 7, "first"); got != "first" {
		t.Errorf("first offer: got %q", got)
	}
	for _, s := range []*Store{b, a} {
		if got := publish(s, 7, "second"); got != "first" {
			t.Errorf("later offer for the slot: got %q, want the first", got)
		}
	}
	if got := publish(b, 8, "next"); got != "next" {
		t.Errorf("next slot: got %q", got)
	}
	key := roomKey("eta", storetest.Room, "eta:7")
	ttl, err := a.client.TTL(ctx, key).Result()
	if err != nil || ttl <= 0 || ttl > etaKeep {
		t.Errorf("TTL of %s: %v, %v; want at most %v", key, ttl, err, etaKeep)
	}
}
