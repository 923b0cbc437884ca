package memstore

import (
	"testing"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		New: func(*testing.T) queue.Store { return New() },
		Called: func(_ testing.TB, s queue.Store, room string) []uint64 {
			return calledSet(s.(*Store), room)
		},
		// One process: every gateway of it shares the one store.
		Nodes: func(_ *testing.T, n int) []queue.Store {
			s := New()
			nodes := make([]queue.Store, n)
			for i := range nodes {
				nodes[i] = s
			}
			return nodes
		},
	})
}
