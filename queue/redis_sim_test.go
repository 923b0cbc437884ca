package queue

import (
	"fmt"
	"testing"
	"time"
)

// TestRedisRoomBoundedAndFair is TestRoomBoundedAndFair, SPEC guarantees 1
// and 2, on Redis.
func TestRedisRoomBoundedAndFair(t *testing.T) {
	addr := startRedis(t)
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			simulateSale(t, seed, Schedule{}, []Store{newRedisStore(t, addr, t.Name(), false)})
		})
	}
}

// TestRedisThreeNodesBoundedAndFair: three gateway nodes, each with its own
// engine and its own connection to one Redis, serve one room; every
// shopper's next request goes to the next node. Between them they admit no
// more than the room's limits, in order; half the shoppers arrive before
// the opening, into a pre-queue drawn by lottery.
func TestRedisThreeNodesBoundedAndFair(t *testing.T) {
	addr := startRedis(t)
	for _, tc := range []struct {
		name  string
		sched Schedule
	}{
		{"open", Schedule{}},
		{"lottery", Schedule{OpensAt: start.Add(5 * time.Minute), Random: true}},
	} {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, seed), func(t *testing.T) {
				var nodes []Store
				for range 3 {
					nodes = append(nodes, newRedisStore(t, addr, t.Name(), false))
				}
				simulateSale(t, seed, tc.sched, nodes)
			})
		}
	}
}
