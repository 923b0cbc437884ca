package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisJoinAfterDataLoss: Redis restarted empty; a newcomer joining
// through a node that had seen ticket 5 queues behind it, not as number 1.
func TestRedisJoinAfterDataLoss(t *testing.T) {
	addr := startRedis(t)
	s := newRedisStore(t, addr, "loss", false)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for range 5 {
		if _, err := s.Join(ctx, "r", now); err != nil {
			t.Fatal(err)
		}
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	n, err := s.Join(ctx, "r", now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("first join after the data loss got %d, want 6 (behind the five before)", n)
	}
}
