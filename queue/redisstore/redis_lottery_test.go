package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// TestRedisCommitKeepsTheFirstSeed: the first commitment stays, a second
// node's draw is answered with it, and the room's lottery key holds it in
// the format parseCommitment reads back.
func TestRedisCommitKeepsTheFirstSeed(t *testing.T) {
	s := newRedisStore(t, startRedis(t), "commit", false)
	ctx := context.Background()
	at := time.Date(2031, 11, 27, 9, 0, 0, 0, time.UTC)
	first, err := queue.ParseSeed("0101010101010101010101010101010101010101010101010101010101010101")
	if err != nil {
		t.Fatal(err)
	}
	second, _ := queue.ParseSeed("0202020202020202020202020202020202020202020202020202020202020202")
	a, err := s.Commit(ctx, "shop", queue.Commitment{Seed: first, At: at})
	if err != nil || a.Seed != first || !a.At.Equal(at) {
		t.Fatalf("first Commit: got %+v, %v", a, err)
	}
	b, err := s.Commit(ctx, "shop", queue.Commitment{Seed: second, At: at.Add(time.Second)})
	if err != nil || b != a {
		t.Fatalf("second Commit: got %+v, %v; want the first %+v", b, err, a)
	}
	raw, err := s.client.Get(ctx, s.room("shop").lotteryKey()).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := parseCommitment(raw); err != nil || got != a {
		t.Fatalf("stored %q reads as %+v, %v; want %+v", raw, got, err, a)
	}
	for _, bad := range []string{"", "x:y", "12:zz", "12"} {
		if _, err := parseCommitment(bad); err == nil {
			t.Errorf("parseCommitment(%q) took it", bad)
		}
	}
}
