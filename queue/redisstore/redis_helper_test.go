package redisstore

import (
	"net"
	"testing"

	"github.com/anteroom/anteroom/internal/redistest"
)

// startRedis starts a redis-server of the test's own and returns its
// address (see package redistest).
func startRedis(tb testing.TB, extra ...string) string {
	tb.Helper()
	return redistest.Start(tb, extra...).Addr
}

// startRedisCluster starts a one-node Redis Cluster serving every slot.
func startRedisCluster(tb testing.TB) string {
	tb.Helper()
	return redistest.StartCluster(tb).Addr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
