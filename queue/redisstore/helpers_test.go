package redisstore

import (
	"testing"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// The Redis store's own tests: the conformance suite (package storetest)
// says what every store does; these look at what only Redis has — its
// scripts, its keys, lost replies and lost data, its cost at scale. They
// share the suite's helpers (storetest.JoinN and the rest) and its room,
// storetest.Room.

// called returns the numbers of the tickets called and not yet claimed.
func called(t testing.TB, s queue.Store) []uint64 {
	t.Helper()
	return redisCalled(t, s.(*Store), storetest.Room)
}
