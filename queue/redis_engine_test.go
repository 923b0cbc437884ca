package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/redisstore"
	"github.com/anteroom/anteroom/queue/storetest"
	"github.com/redis/go-redis/v9"
)

// The engine's tests on Redis: they drive a Room (or the timeout wrapper)
// over the Redis store, so they live beside the engine, in package
// queue_test (the Redis store's package imports queue).

// newRedisStore connects a store to the Redis at addr under its own key
// prefix, so that tests sharing one server do not see each other.
func newRedisStore(tb testing.TB, addr, prefix string) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.New(context.Background(), redisstore.Options{Addrs: []string{addr}, KeyPrefix: prefix})
	if err != nil {
		tb.Fatalf("redisstore.New: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// TestRedisRoomBoundedAndFair is TestRoomBoundedAndFair, SPEC guarantees 1
// and 2, on Redis.
func TestRedisRoomBoundedAndFair(t *testing.T) {
	addr := redistest.Start(t).Addr
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			simulateSale(t, seed, queue.Schedule{}, []queue.Store{newRedisStore(t, addr, t.Name())})
		})
	}
}

// TestRedisThreeNodesBoundedAndFair: three gateway nodes, each with its own
// engine and its own connection to one Redis, serve one room; every
// shopper's next request goes to the next node. Between them they admit no
// more than the room's limits, in order; half the shoppers arrive before
// the opening, into a pre-queue drawn by lottery.
func TestRedisThreeNodesBoundedAndFair(t *testing.T) {
	addr := redistest.Start(t).Addr
	for _, tc := range []struct {
		name  string
		sched queue.Schedule
	}{
		{"open", queue.Schedule{}},
		{"lottery", queue.Schedule{OpensAt: storetest.Start.Add(5 * time.Minute), Random: true}},
	} {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, seed), func(t *testing.T) {
				var nodes []queue.Store
				for range 3 {
					nodes = append(nodes, newRedisStore(t, addr, t.Name()))
				}
				simulateSale(t, seed, tc.sched, nodes)
			})
		}
	}
}

func TestRedisOverrides(t *testing.T) {
	testOverrides(t, newRedisStore(t, redistest.Start(t).Addr, t.Name()))
}

// TestBoundedOverrides: the timeout wrapper the gateway puts on every
// store passes the overrides through.
func TestBoundedOverrides(t *testing.T) {
	s := queue.Bounded(newRedisStore(t, redistest.Start(t).Addr, t.Name()), time.Second).(queue.OverrideStore)
	testOverrides(t, s)
}

// BenchmarkRedisHold is one round trip to a real Redis over loopback plus
// the hold script's work.
func BenchmarkRedisHold(b *testing.B) {
	benchHold(b, newRedisStore(b, redistest.Start(b).Addr, "bench"))
}

// TestRedisThreeNodesOneSeed: three nodes on one Redis commit to one
// lottery seed and admit the pre-queue in the order it gives.
func TestRedisThreeNodesOneSeed(t *testing.T) {
	addr := redistest.Start(t).Addr
	testLotteryThreeNodes(t, func() queue.Store { return newRedisStore(t, addr, "three") })
}

// TestRedisPutsTheSeedBackAfterDataLoss: Redis restarted empty during the
// pre-queue; the node that committed puts its commitment back.
func TestRedisPutsTheSeedBackAfterDataLoss(t *testing.T) {
	addr := redistest.Start(t).Addr
	flush := func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		if err := c.FlushAll(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	testLotterySeedBackAfterDataLoss(t, func() queue.Store { return newRedisStore(t, addr, "loss") }, flush)
}

// TestRedisETANodesAgree: three nodes on one Redis give every shopper the
// same ETA at the same moment, from the room's one model.
func TestRedisETANodesAgree(t *testing.T) {
	addr := redistest.Start(t).Addr
	testETANodes(t, func(prefix string) queue.Store { return newRedisStore(t, addr, prefix) })
}
