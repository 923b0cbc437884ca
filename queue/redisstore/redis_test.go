package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
	"github.com/redis/go-redis/v9"
)

// newRedisStore connects a store to the Redis at addr under its own key
// prefix, so that tests sharing one server do not see each other.
func newRedisStore(tb testing.TB, addr, prefix string, cluster bool) *Store {
	tb.Helper()
	s, err := New(context.Background(), Options{Addrs: []string{addr}, Cluster: cluster, KeyPrefix: prefix})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// redisCalled reads the called, unclaimed ticket numbers from Redis.
func redisCalled(tb testing.TB, s *Store, room string) []uint64 {
	tb.Helper()
	ms, err := s.client.ZRange(context.Background(), s.room(room).keys[keyCalls], 0, -1).Result()
	if err != nil {
		tb.Fatalf("reading calls: %v", err)
	}
	ns := make([]uint64, 0, len(ms))
	for _, m := range ms {
		n, err := strconv.ParseUint(m, 10, 64)
		if err != nil {
			tb.Fatalf("call %q: %v", m, err)
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

func TestNewReportsUnreachable(t *testing.T) {
	port, err := freePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	start := time.Now()
	_, err = New(context.Background(), Options{Addrs: []string{addr}, ProbeTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("New of a closed port: got %v, want an error naming %s", err, addr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("New took %v to give up, want about the probe timeout", d)
	}
	if _, err := New(context.Background(), Options{}); err == nil {
		t.Errorf("New with no address: got no error")
	}
	_, err = New(context.Background(), Options{Addrs: []string{addr, addr}, DB: 2})
	if err == nil || !strings.Contains(err.Error(), "db 2") {
		t.Errorf("New of a cluster with db 2: got %v, want an error about the db", err)
	}
}

func TestRedisKeysShareAHashTag(t *testing.T) {
	cases := []struct {
		room, tag string
	}{
		{"ps5", "{ps5}"},
		{"", "{{}"},
		{"a}b", "{{617d62}"},
		{"{x}", "{{7b787d}"},
	}
	for _, tc := range cases {
		keys := roomKeys("pre", tc.room)
		for _, k := range keys {
			if !strings.HasPrefix(k, "pre:"+tc.tag+":") {
				t.Errorf("room %q: key %q, want it to start with pre:%s:", tc.room, k, tc.tag)
			}
			if got, want := redisHashSlot(k), redisHashSlot(keys[0]); got != want {
				t.Errorf("room %q: key %q on slot %d, %q on %d", tc.room, k, got, keys[0], want)
			}
		}
	}
	if slices.Equal(roomKeys("p", ""), roomKeys("p", "{")) {
		t.Error("rooms \"\" and \"{\" share their keys")
	}
}

// redisHashSlot is Redis Cluster's key slot: CRC16 of the hash tag (the
// text between the first "{" and the next "}", when not empty) or of the
// whole key.
func redisHashSlot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

// TestRedisKeyPrefixIsolates: two deployments on one Redis, with their
// own prefixes, have their own rooms of the same name.
func TestRedisKeyPrefixIsolates(t *testing.T) {
	addr := startRedis(t)
	a := newRedisStore(t, addr, "blue", false)
	b := newRedisStore(t, addr, "green", false)
	storetest.JoinN(t, a, 3, storetest.Start)
	if n := storetest.JoinN(t, b, 1, storetest.Start); n[0] != 1 {
		t.Errorf("first ticket of green: got %d, want 1", n[0])
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "blue:{drop}:") && !strings.HasPrefix(k, "green:{drop}:") {
			t.Errorf("key %q is outside both prefixes", k)
		}
	}
}

// TestRedisNodesShareTheLottery: a node that did not open the room (and
// has not heard of its opening) records polls and advances in the
// lottery's order, computed in Go from the opening it learns from Redis.
func TestRedisNodesShareTheLottery(t *testing.T) {
	addr := startRedis(t)
	a := newRedisStore(t, addr, "lottery", false)
	b := newRedisStore(t, addr, "lottery", false)
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 10, time.Minute })
	storetest.JoinN(t, a, 300, storetest.Start)
	o, err := a.Open(ctx, storetest.Room, true, 1<<63+12345, storetest.Start)
	if err != nil {
		t.Fatal(err)
	}
	// Only the next ten in the lottery's order keep polling.
	var polling []uint64
	for pos := uint64(1); pos <= 10; pos++ {
		polling = append(polling, o.Number(pos))
	}
	later := storetest.Start.Add(90 * time.Second)
	if err := b.Seen(ctx, storetest.Room, polling, later); err != nil {
		t.Fatal(err)
	}
	c := storetest.MustAdvance(t, b, p, later)
	want := slices.Clone(polling)
	slices.Sort(want)
	if got := redisCalled(t, b, storetest.Room); !slices.Equal(got, want) {
		t.Fatalf("called by the other node: got %v, want %v", got, want)
	}
	if c.Serving != 10 || c.Opening != o {
		t.Errorf("got Serving %d, Opening %+v; want 10, %+v", c.Serving, c.Opening, o)
	}
	for _, n := range want {
		storetest.MustClaim(t, a, n, later)
	}
	// The other 290 stopped polling: one Advance skips them all, in as
	// many runs as the batches of numbers take.
	c = storetest.MustAdvance(t, a, storetest.With(p, func(p *queue.Policy) { p.MaxActive = 20 }), later)
	if c.Serving != 300 || c.Called != 0 || c.Waiting != 0 {
		t.Errorf("after skipping the abandoned: got Serving %d Called %d Waiting %d, want 300, 0, 0", c.Serving, c.Called, c.Waiting)
	}
}

// TestRedisRestoresTheOpeningAfterDataLoss: Redis restarted empty in the
// middle of a sale (no persistence). The next Advance puts the room's
// opening back as this node knew it, so the lottery's order stands, and
// no number this node heard of is handed out again; admissions wait a
// moment for every node to recount its sessions.
func TestRedisRestoresTheOpeningAfterDataLoss(t *testing.T) {
	addr := startRedis(t)
	s := newRedisStore(t, addr, "loss", false)
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.AbandonAfter = 5, time.Minute })
	storetest.JoinN(t, s, 50, storetest.Start)
	o, err := s.Open(ctx, storetest.Room, true, 7, storetest.Start)
	if err != nil {
		t.Fatal(err)
	}
	storetest.JoinN(t, s, 10, storetest.Start)
	storetest.MustAdvance(t, s, p, storetest.Start)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	later := storetest.Start.Add(10 * time.Second)
	got := storetest.MustAdvance(t, s, p, later)
	if got.Opening != o || got.Issued != 60 {
		t.Fatalf("after the loss: got Opening %+v Issued %d, want %+v and 60", got.Opening, got.Issued, o)
	}
	// Nobody is called while the nodes recount their sessions.
	if called := redisCalled(t, s, storetest.Room); len(called) != 0 {
		t.Errorf("called during the recovery hold: %v", called)
	}
	storetest.MustAdvance(t, s, p, later.Add(4*time.Second))
	var want []uint64
	for pos := uint64(1); pos <= 5; pos++ {
		want = append(want, o.Number(pos))
	}
	slices.Sort(want)
	if called := redisCalled(t, s, storetest.Room); !slices.Equal(called, want) {
		t.Errorf("called after the loss: got %v, want the lottery's first five %v", called, want)
	}
	if n := storetest.JoinN(t, s, 1, later); n[0] != 61 {
		t.Errorf("first Join after the loss: got %d, want 61", n[0])
	}
}
