package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/redistest"
)

// Regression (issue 8, item 15): store calls made for a request used
// context.Background(), so a Redis that hung pinned the request handler
// for as long as it hung. With store.timeout they give up in time and the
// shopper gets the honest store-down answer, while admitted shoppers, who
// need no store call, are not slowed at all.
func TestHangingRedisCannotPinRequests(t *testing.T) {
	srv := redistest.Start(t)
	o := newOrigin(t, nil)
	cfg := hardenedConfig(o.URL)
	cfg.Store.Timeout = 200 * time.Millisecond
	cfg.Rooms[0].MaxActiveUsers = 1
	g := redisNodes(t, cfg, []string{srv.Addr}, 1)[0]
	in := newShopper(t)
	if resp, body := in.get(g.URL + "/ps5"); resp.StatusCode != http.StatusOK || !isShopPage(body) {
		t.Fatalf("first shopper not admitted: %d", resp.StatusCode)
	}

	// CLIENT PAUSE holds every command of every client for 3s: a Redis
	// that accepts connections and never answers.
	if _, err := srv.Do("CLIENT", "PAUSE", "3000", "ALL"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, body := newShopper(t).get(g.URL+"/ps5", "Accept", "text/html")
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "reach our queue service") {
		t.Errorf("newcomer during the hang: status %d, want the honest 503 page", resp.StatusCode)
	}
	// The store's reply would have taken 3s; the bound is 200ms (with
	// room for a loaded machine, well under the pause).
	if took > 2*time.Second {
		t.Errorf("newcomer waited %s for a hung store; store.timeout is %s", took, cfg.Store.Timeout)
	}

	// The admitted shopper goes on, store or no store.
	start = time.Now()
	if resp, body := in.get(g.URL + "/ps5/cart"); resp.StatusCode != http.StatusOK || !isShopPage(body) {
		t.Errorf("admitted shopper during the hang: status %d", resp.StatusCode)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("admitted shopper waited %s during the hang", took)
	}

	// A room's sync is bounded the same way.
	start = time.Now()
	g.Tick(context.Background())
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("a tick waited %s for a hung store", took)
	}
}
