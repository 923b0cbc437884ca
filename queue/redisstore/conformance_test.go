package redisstore

import (
	"context"
	"testing"

	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, backend(redistest.Start(t).Addr, false))
}

// TestRedisClusterStoreConformance runs the suite on a Redis Cluster, which
// refuses a script whose keys are not all on one slot: the room's hash tag
// is what lets every script run.
func TestRedisClusterStoreConformance(t *testing.T) {
	storetest.Run(t, backend(redistest.StartCluster(t).Addr, true))
}

// backend makes stores on the Redis at addr, each test under a key prefix
// of its own so that tests sharing the server do not see each other.
func backend(addr string, cluster bool) storetest.Backend {
	nodes := func(t *testing.T, n int) []queue.Store {
		ss := make([]queue.Store, n)
		for i := range ss {
			s, err := New(context.Background(), Options{Addrs: []string{addr}, Cluster: cluster, KeyPrefix: t.Name()})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			ss[i] = s
		}
		return ss
	}
	return storetest.Backend{
		New: func(t *testing.T) queue.Store { return nodes(t, 1)[0] },
		Called: func(t testing.TB, s queue.Store, room string) []uint64 {
			return redisCalled(t, s.(*Store), room)
		},
		Nodes: nodes,
	}
}
