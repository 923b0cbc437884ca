package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue/redisstore"
)

// redisNodes starts n gateway nodes on loopback, each with its own
// connection to the Redis at addrs, sharing one clock: one queue, many
// gateways.
func redisNodes(t *testing.T, cfg *config.Config, addrs []string, n int) []*testGateway {
	t.Helper()
	clk := newClock()
	prefix := "t" + strings.ReplaceAll(t.Name(), "/", "-")
	nodes := make([]*testGateway, n)
	for i := range nodes {
		store, err := redisstore.New(context.Background(), redisstore.Options{
			Addrs: addrs, KeyPrefix: prefix,
			// A stopped Redis refuses connections at once; these bound a
			// hung one, and leave room for a machine under load.
			DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		nodes[i] = startGateway(t, cfg, store, clk)
	}
	return nodes
}

// TestThreeNodesOneRedis: 200 shoppers switch between three gateway nodes
// on every request; the nodes together keep guarantees 1, 2 and 4 as one
// node would, and when one node stops mid-sale its shoppers go on through
// the others with their place.
func TestThreeNodesOneRedis(t *testing.T) {
	for _, tc := range crowdCases {
		t.Run(tc.name, func(t *testing.T) {
			redis := redistest.Start(t)
			o := newOrigin(t, nil)
			cfg := testConfig(o.URL)
			roomForCrowd(cfg, tc.perMinute)
			nodes := redisNodes(t, cfg, []string{redis.Addr}, 3)
			playCrowd(t, o, crowdSpec{shoppers: 200, shopSeconds: tc.shopSeconds, nodes: nodes, stopAt: 40})
		})
	}
}

// TestThreeNodesRedisCluster: the same crowd against a real three-master
// Redis Cluster.
func TestThreeNodesRedisCluster(t *testing.T) {
	cluster := redistest.StartCluster3(t)
	addrs := make([]string, len(cluster))
	for i, n := range cluster {
		addrs[i] = n.Addr
	}
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	roomForCrowd(cfg, 600)
	nodes := redisNodes(t, cfg, addrs, 3)
	playCrowd(t, o, crowdSpec{shoppers: 200, shopSeconds: [2]int{5, 30}, nodes: nodes})
}

// TestRevokeReachesEveryNode: a session the origin revokes through one
// node is refused by the others from their next tick on.
func TestRevokeReachesEveryNode(t *testing.T) {
	redis := redistest.Start(t)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/done" {
			w.Header().Set("X-Anteroom-Command", "revoke")
		}
		w.Write([]byte("<p>origin page " + r.URL.Path + "</p>"))
	})
	cfg := testConfig(o.URL)
	nodes := redisNodes(t, cfg, []string{redis.Addr}, 2)
	s := newShopper(t)
	if _, body := s.get(nodes[0].URL + "/"); !isShopPage(body) {
		t.Fatal("not admitted")
	}
	sid := o.last().Header.Get("X-Anteroom-Session")
	token := s.cookie(nodes[0].URL, "anteroom_session_shop")
	s.get(nodes[0].URL + "/done")
	tickAll(nodes, time.Second)
	if !nodes[1].roomList()[0].engine.Ended(sid) {
		t.Fatal("the other node did not learn of the revoke")
	}
	replay := newShopper(t)
	replay.jar.SetCookies(mustURL(nodes[1].URL), []*http.Cookie{{Name: "anteroom_session_shop", Value: token, Path: "/"}})
	replay.get(nodes[1].URL + "/x")
	if got := o.last().Header.Get("X-Anteroom-Session"); got == sid {
		t.Error("another node let the revoked session through")
	}
}

// TestRedisOutageMidSale: Redis stops mid-sale. Admitted shoppers keep
// shopping, newcomers get the honest page and never reach the origin,
// waiting shoppers keep their place and are told, /readyz says why; when
// Redis returns (with its data, from its append-only file), all resumes.
func TestRedisOutageMidSale(t *testing.T) {
	redis := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	nodes := redisNodes(t, cfg, []string{redis.Addr}, 2)
	admitted, waiting := newShopper(t), newShopper(t)
	if _, body := admitted.get(nodes[0].URL + "/"); !isShopPage(body) {
		t.Fatal("not admitted")
	}
	waiting.get(nodes[1].URL + "/")
	place := waiting.status(nodes[0].URL).Position

	redis.Stop()
	tickAll(nodes, time.Second)
	for _, n := range nodes {
		if err := n.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "store") {
			t.Errorf("Ready with Redis down: %v, want the store named", err)
		}
	}
	if _, body := admitted.get(nodes[1].URL + "/more"); !isShopPage(body) {
		t.Error("an admitted shopper was stopped by the Redis outage")
	}
	before := o.count()
	if resp, body := newShopper(t).get(nodes[0].URL + "/"); isShopPage(body) || o.count() != before || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("newcomer during the outage: %d, origin asked %d times", resp.StatusCode, o.count()-before)
	}
	if st := waiting.status(nodes[1].URL); st.Position != place || st.Message == "" || st.State == "admitted" {
		t.Errorf("waiting shopper during the outage: %+v, want place %d and a message", st, place)
	}
	if !strings.Contains(nodes[0].logs.String(), "queue store unreachable") {
		t.Errorf("the outage was not logged:\n%s", nodes[0].logs.String())
	}

	redis.Restart()
	tickAll(nodes, time.Second)
	// After its dials failed, go-redis's pool answers at once with the
	// last dial error until its own redial, once a second, gets through:
	// each node is ready again at its first tick after that.
	for deadline := time.Now().Add(5 * time.Second); ; tickAll(nodes, 0) {
		var notReady error
		for _, n := range nodes {
			if err := n.Ready(context.Background()); err != nil {
				notReady = err
			}
		}
		if notReady == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ready 5 s after Redis returned: %v", notReady)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := waiting.status(nodes[0].URL); st.Position != place || st.State != "waiting" {
		t.Errorf("after the outage: %+v, want waiting at %d", st, place)
	}
	req, _ := http.NewRequest(http.MethodPost, nodes[0].URL+"/.anteroom/leave?room=shop", nil)
	admitted.do(req)
	tickAll(nodes, time.Second)
	if st := waiting.status(nodes[1].URL); st.State != "admitted" {
		t.Errorf("admissions did not resume after the outage: %+v", st)
	}
	if !strings.Contains(nodes[0].logs.String(), "reachable again") {
		t.Errorf("the recovery was not logged:\n%s", nodes[0].logs.String())
	}
}

// TestRedisRestartedEmpty: Redis comes back without its data. No later
// arrival overtakes an earlier ticket, nobody is admitted twice, and the
// log says what was lost.
func TestRedisRestartedEmpty(t *testing.T) {
	redis := redistest.Start(t)
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 2
	nodes := redisNodes(t, cfg, []string{redis.Addr}, 2)
	first := newShopper(t)
	first.get(nodes[0].URL + "/")
	second := newShopper(t)
	second.get(nodes[0].URL + "/")
	line := make([]*shopper, 5)
	for i := range line {
		line[i] = newShopper(t)
		line[i].get(nodes[i%2].URL + "/")
	}
	tickAll(nodes, time.Second)
	places := make([]uint64, len(line))
	for i, s := range line {
		places[i] = s.status(nodes[0].URL).Position
	}

	redis.Restart()
	tickAll(nodes, time.Second)
	logs := nodes[0].logs.String() + nodes[1].logs.String()
	if !strings.Contains(logs, "queue store lost data") {
		t.Errorf("the data loss was not logged:\n%s", logs)
	}
	late := newShopper(t)
	late.get(nodes[1].URL + "/")
	latePlace := late.status(nodes[1].URL).Position
	for i, p := range places {
		if latePlace <= p {
			t.Errorf("a newcomer after the loss got place %d, ahead of ticket %d at %d", latePlace, i, p)
		}
	}
	// The sessions alive before the loss are counted again as they are
	// used, so the room does not fill past its limit.
	for range 3 {
		first.get(nodes[1].URL + "/a")
		second.get(nodes[0].URL + "/b")
		tickAll(nodes, 30*time.Second)
	}
	admittedNow := 0
	for _, s := range append(line, late) {
		if s.status(nodes[0].URL).State == "admitted" {
			admittedNow++
		}
	}
	if admittedNow != 0 {
		t.Errorf("%d shoppers admitted while the two sessions from before the loss were still in use", admittedNow)
	}
}

// tickAll advances the shared clock and ticks every node.
func tickAll(nodes []*testGateway, d time.Duration) {
	nodes[0].clock.Advance(d)
	for _, n := range nodes {
		n.Tick(context.Background())
	}
}
