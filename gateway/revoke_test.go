package gateway

import (
	"net/http"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/internal/redistest"
)

// TestRevokedSessionStaysEnded plays the timeline of issue 8, item 1: with
// session_duration 20s a session is re-signed at +8 s (token T2, valid to
// +28 s), the origin revokes it at +9 s on a request carrying the older
// token T1 (valid to +20 s), and T2 comes back at +23 s, after a later end
// has made the gateway prune what it remembers of ended sessions. T2 must
// be refused on every node — the revoking one too — until no token of the
// session can verify, its id must never reach the origin again, and the
// room must count only the sessions that are really alive.
func TestRevokedSessionStaysEnded(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		o := revokeOrigin(t)
		g := startGateway(t, revokeConfig(o.URL), nil, nil)
		playRevokeTimeline(t, o, []*testGateway{g})
	})
	t.Run("redis", func(t *testing.T) {
		redis := redistest.Start(t)
		o := revokeOrigin(t)
		nodes := redisNodes(t, revokeConfig(o.URL), []string{redis.Addr}, 2)
		playRevokeTimeline(t, o, nodes)
	})
}

// revokeOrigin is a shop whose /revoke page ends the shopper's session.
func revokeOrigin(t *testing.T) *origin {
	return newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/revoke" {
			w.Header().Set("X-Anteroom-Command", "revoke")
		}
		w.Write([]byte("<p>origin page " + r.URL.Path + "</p>"))
	})
}

func revokeConfig(originURL string) *config.Config {
	cfg := testConfig(originURL)
	cfg.Rooms[0].SessionDuration = 20 * time.Second
	cfg.Rooms[0].MaxActiveUsers = 2
	return cfg
}

// playRevokeTimeline revokes on nodes[0] and presents T2 on the last node
// first, then on nodes[0]; with one node both are the same.
func playRevokeTimeline(t *testing.T, o *origin, nodes []*testGateway) {
	first, other := nodes[0], nodes[len(nodes)-1]
	start := first.clock.Now()
	at := func(sec int) { // tick every node each second up to start+sec
		for first.clock.Now().Before(start.Add(time.Duration(sec) * time.Second)) {
			tickAll(nodes, time.Second)
		}
	}
	const cookie = "anteroom_session_shop"

	s := newShopper(t)
	if _, body := s.get(first.URL + "/"); !isShopPage(body) {
		t.Fatal("the first shopper was not admitted")
	}
	sid := o.last().Header.Get("X-Anteroom-Session")
	t1 := s.cookie(first.URL, cookie)
	at(8)
	if _, body := s.get(first.URL + "/page"); !isShopPage(body) {
		t.Fatal("the session did not reach the shop at +8s")
	}
	t2 := s.cookie(first.URL, cookie)
	if t2 == "" || t2 == t1 {
		t.Fatal("the session was not re-signed at +8s")
	}

	at(9)
	withToken(t, first.URL, cookie, t1).get(first.URL + "/revoke")
	revokedAt := o.count()

	// Fresh shoppers fill the room the revoke freed, and come and go: each
	// leave is an end on the revoking node. One at +15 s moves the point
	// from which nodes fetch others' ends past the revoke; one at +21 s
	// prunes the ended sessions whose revoking token has expired. That is
	// how the revoked session came back.
	at(10)
	fresh := []*shopper{newShopper(t), newShopper(t), newShopper(t), newShopper(t)}
	admit := func(f *shopper) {
		t.Helper()
		if _, body := f.get(first.URL + "/"); !isShopPage(body) {
			t.Fatal("a fresh shopper was not admitted to a room with space")
		}
	}
	admit(fresh[0])
	admit(fresh[1])
	at(15)
	leaveRoom(fresh[0], first.URL)
	at(16)
	admit(fresh[2])
	at(21)
	leaveRoom(fresh[1], first.URL)
	at(22)
	admit(fresh[3])

	at(23)
	if _, body := s.get(other.URL + "/again"); isShopPage(body) {
		t.Error("T2 reached the shop at +23s, after its session was revoked")
	}
	at(24)
	if _, body := withToken(t, first.URL, cookie, t2).get(first.URL + "/again"); isShopPage(body) {
		t.Error("T2 reached the shop through the revoking node at +24s")
	}
	for i, n := range nodes {
		if !n.roomList()[0].engine.Ended(sid) {
			t.Errorf("node %d forgot the revoke at +24s, while T2 is valid until +28s", i)
		}
	}
	at(25)
	if c, err := first.roomList()[0].engine.Counters(); err != nil || c.Active != 2 {
		t.Errorf("active sessions at +25s: got %d (%v), want 2, the two fresh shoppers still in", c.Active, err)
	}

	at(48)
	s.get(other.URL + "/later")
	withToken(t, first.URL, cookie, t2).get(first.URL + "/later")
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.requests[revokedAt:] {
		if r.Header.Get("X-Anteroom-Session") == sid {
			t.Errorf("the origin saw %s with the revoked session id after the revoke", r.URL.Path)
		}
	}
}

// withToken is a shopper holding only the given session token: a second
// tab, or a copied cookie.
func withToken(t *testing.T, base, name, value string) *shopper {
	s := newShopper(t)
	s.jar.SetCookies(mustURL(base), []*http.Cookie{{Name: name, Value: value, Path: "/"}})
	return s
}
