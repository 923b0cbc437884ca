package queue_test

import (
	"context"
	"testing"

	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		New: func(*testing.T) queue.Store { return queue.NewMemoryStore() },
		Called: func(_ testing.TB, s queue.Store, room string) []uint64 {
			return queue.CalledSet(s.(*queue.MemoryStore), room)
		},
		// One process: every gateway of it shares the one store.
		Nodes: func(_ *testing.T, n int) []queue.Store {
			s := queue.NewMemoryStore()
			nodes := make([]queue.Store, n)
			for i := range nodes {
				nodes[i] = s
			}
			return nodes
		},
	})
}

func TestRedisStoreConformance(t *testing.T) {
	storetest.Run(t, redisBackend(redistest.Start(t).Addr, false))
}

// TestRedisClusterStoreConformance runs the suite on a Redis Cluster, which
// refuses a script whose keys are not all on one slot: the room's hash tag
// is what lets every script run.
func TestRedisClusterStoreConformance(t *testing.T) {
	storetest.Run(t, redisBackend(redistest.StartCluster(t).Addr, true))
}

// redisBackend makes stores on the Redis at addr, each test under a key
// prefix of its own so that tests sharing the server do not see each other.
func redisBackend(addr string, cluster bool) storetest.Backend {
	nodes := func(t *testing.T, n int) []queue.Store {
		ss := make([]queue.Store, n)
		for i := range ss {
			s, err := queue.NewRedisStore(context.Background(), queue.RedisOptions{Addrs: []string{addr}, Cluster: cluster, KeyPrefix: t.Name()})
			if err != nil {
				t.Fatalf("NewRedisStore: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			ss[i] = s
		}
		return ss
	}
	return storetest.Backend{
		New: func(t *testing.T) queue.Store { return nodes(t, 1)[0] },
		Called: func(t testing.TB, s queue.Store, room string) []uint64 {
			return queue.RedisCalled(t, s.(*queue.RedisStore), room)
		},
		Nodes: nodes,
	}
}
