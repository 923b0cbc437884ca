package gateway

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/redistest"
)

// propagation is the promise: a change made on one node holds on every
// other within this.
const propagation = time.Second

// TestPauseReachesEveryNode: three nodes on one Redis, the room full; a
// pause sent to node 1 makes nodes 2 and 3 answer newcomers "paused"
// within a second, seen from outside by shoppers probing them; then a
// crowd at nodes 2 and 3 finds the room paused and nobody gets in.
func TestPauseReachesEveryNode(t *testing.T) {
	redis := redistest.Start(t)
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 3
	nodes := redisNodes(t, cfg, []string{redis.Addr}, 3)
	for range 3 {
		if _, body := newShopper(t).get(nodes[0].URL + "/"); !isShopPage(body) {
			t.Fatal("not admitted while the room had room")
		}
	}
	do := adminDo(t, nodes[0], "s3cret")
	sent := time.Now()
	replyOf(t)(do("POST", "/api/v1/rooms/shop/pause", ""))

	var wg sync.WaitGroup
	took := make([]time.Duration, len(nodes))
	for i := 1; i < len(nodes); i++ {
		wg.Go(func() { took[i] = probeUntil(t, nodes[i].URL, "paused", sent) })
	}
	wg.Wait()
	for i := 1; i < len(nodes); i++ {
		t.Logf("pause sent to node 1 held on node %d after %v", i+1, took[i].Round(time.Millisecond))
		if took[i] > propagation {
			t.Errorf("node %d: the pause held after %v, want within %v", i+1, took[i], propagation)
		}
	}
	before := o.count()
	for i := range 20 {
		n := nodes[1+i%2]
		resp, body := newShopper(t).get(n.URL+"/", "Accept", "application/json")
		if isShopPage(body) || stateOf(body) != "paused" {
			t.Errorf("newcomer %d at a paused room: %d %s", i, resp.StatusCode, body)
		}
	}
	if o.count() != before {
		t.Errorf("%d requests reached the origin from newcomers to a paused room", o.count()-before)
	}
}

// TestMaxActiveReachesEveryNode: a lower max_active_users sent to node 1
// holds on nodes 2 and 3 within a second: a crowd arriving there after it
// finds exactly the new number of places, not the file's.
func TestMaxActiveReachesEveryNode(t *testing.T) {
	redis := redistest.Start(t)
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 10
	nodes := redisNodes(t, cfg, []string{redis.Addr}, 3)
	do := adminDo(t, nodes[0], "s3cret")
	sent := time.Now()
	replyOf(t)(do("PATCH", "/api/v1/rooms/shop", `{"max_active_users": 2}`))
	for i := 1; i < len(nodes); i++ {
		var took time.Duration
		for nodes[i].roomList()[0].engine.Policy().MaxActive != 2 {
			if took = time.Since(sent); took > 5*propagation {
				t.Fatalf("node %d never applied max_active_users 2", i+1)
			}
			time.Sleep(time.Millisecond)
		}
		took = time.Since(sent)
		t.Logf("max_active_users sent to node 1 held on node %d after %v", i+1, took.Round(time.Millisecond))
		if took > propagation {
			t.Errorf("node %d: max_active_users held after %v, want within %v", i+1, took, propagation)
		}
	}
	admitted := 0
	for i := range 12 {
		if _, body := newShopper(t).get(nodes[1+i%2].URL + "/"); isShopPage(body) {
			admitted++
		}
	}
	if admitted != 2 {
		t.Errorf("a crowd of 12 at nodes 2 and 3 after the change: %d admitted, want 2 (the file says 10)", admitted)
	}
}

// probeUntil sends newcomers to base until one is told state, and returns
// how long after sent that was.
func probeUntil(t *testing.T, base, state string, sent time.Time) time.Duration {
	for {
		_, body := newShopper(t).get(base+"/", "Accept", "application/json")
		if stateOf(body) == state {
			return time.Since(sent)
		}
		if time.Since(sent) > 5*propagation {
			t.Errorf("%s still answers %s %v after the change", base, body, time.Since(sent))
			return time.Since(sent)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stateOf(body string) string {
	var st struct {
		State string `json:"state"`
	}
	json.Unmarshal([]byte(body), &st)
	return st.State
}
