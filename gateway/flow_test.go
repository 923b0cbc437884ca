package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// TestOriginRevokesSession: the origin's "X-Anteroom-Command: revoke" ends
// the session at once — the header never reaches the shopper, the cookie is
// cleared, the token is refused from then on, and the slot goes to the next
// in line.
func TestOriginRevokesSession(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/checkout/done" {
			w.Header().Set("X-Anteroom-Command", "revoke")
		}
		w.Write([]byte("<p>origin page " + r.URL.Path + "</p>"))
	})
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)

	buyer := newShopper(t)
	if _, body := buyer.get(g.URL + "/item"); !isShopPage(body) {
		t.Fatal("first shopper not admitted")
	}
	token := buyer.cookie(g.URL, "anteroom_session_shop")
	next := newShopper(t)
	if _, body := next.get(g.URL + "/item"); isShopPage(body) {
		t.Fatal("second shopper admitted into a full room")
	}
	resp, _ := buyer.get(g.URL + "/checkout/done")
	if v := resp.Header.Get("X-Anteroom-Command"); v != "" {
		t.Errorf("the shopper saw X-Anteroom-Command: %q", v)
	}
	if buyer.cookie(g.URL, "anteroom_session_shop") != "" {
		t.Error("session cookie not cleared after revoke")
	}
	// A copy of the revoked token is refused too.
	replay := newShopper(t)
	replay.jar.SetCookies(mustURL(g.URL), []*http.Cookie{{Name: "anteroom_session_shop", Value: token, Path: "/"}})
	before := o.count()
	if _, body := replay.get(g.URL + "/item"); isShopPage(body) || o.count() != before {
		t.Error("a revoked session token reached the origin")
	}

	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	if st := next.status(g.URL); st.State != "admitted" {
		t.Errorf("next in line: %s, want admitted once the revoked slot freed", st.State)
	}
}

// TestLeaveFreesTheSlot: POST /.anteroom/leave ends the session and gives
// the slot to the next in line; a waiting shopper who leaves is skipped.
func TestLeaveFreesTheSlot(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)
	a, b, c := newShopper(t), newShopper(t), newShopper(t)
	a.get(g.URL + "/")
	b.get(g.URL + "/")
	c.get(g.URL + "/")
	if st := c.status(g.URL); st.Position != 2 {
		t.Fatalf("third shopper at %d, want 2", st.Position)
	}
	post := func(s *shopper) {
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/.anteroom/leave?room=shop", nil)
		if resp, _ := s.do(req); resp.StatusCode != http.StatusOK {
			t.Fatalf("leave: %d", resp.StatusCode)
		}
	}
	post(b) // b gives up waiting
	post(a) // a is done shopping
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	if st := c.status(g.URL); st.State != "admitted" {
		t.Errorf("c: %s at %d, want admitted (a left the shop, b the line)", st.State, st.Position)
	}
	if resp, _ := a.get(g.URL + "/.anteroom/leave?room=shop"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET leave: %d, want 405", resp.StatusCode)
	}
}

// TestPrequeueCountdownThenOrder: before opens_at arrivals get pre-queue
// tickets and a countdown; at opens_at the line starts in arrival order
// (fifo) and later arrivals queue behind.
func TestPrequeueCountdownThenOrder(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	clk := newClock()
	cfg.Rooms[0].MaxActiveUsers = 2
	cfg.Rooms[0].OpensAt = clk.Now().Add(10 * time.Minute)
	g := startGateway(t, cfg, nil, clk)

	early := make([]*shopper, 4)
	for i := range early {
		early[i] = newShopper(t)
		resp, body := early[i].get(g.URL+"/item", "Accept", "application/json")
		if isShopPage(body) || resp.StatusCode != http.StatusOK {
			t.Fatalf("pre-queue arrival %d got %d %q", i, resp.StatusCode, body)
		}
		st := early[i].status(g.URL)
		if st.State != "prequeue" || st.OpensIn != 600 || st.Position != uint64(i+1) {
			t.Fatalf("pre-queue arrival %d: %+v", i, st)
		}
	}
	if o.count() != 0 {
		t.Fatal("the origin was asked before the room opened")
	}
	clk.Advance(10 * time.Minute)
	g.Tick(context.Background())
	late := newShopper(t)
	late.get(g.URL + "/item")
	if st := late.status(g.URL); st.Position != 5 {
		t.Errorf("first arrival after opening at %d, want 5 (behind the pre-queue)", st.Position)
	}
	clk.Advance(time.Second)
	g.Tick(context.Background())
	for i, s := range early {
		st := s.status(g.URL)
		want := "waiting"
		if i < 2 {
			want = "admitted"
		}
		if st.State != want {
			t.Errorf("pre-queue ticket %d: %s, want %s", i+1, st.State, want)
		}
	}
}

// TestClosedRoom: after closes_at a newcomer is told the sale is closed
// and nothing reaches the origin, while a shopper already in line keeps
// their place.
func TestClosedRoom(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	clk := newClock()
	cfg.Rooms[0].MaxActiveUsers = 1
	cfg.Rooms[0].ClosesAt = clk.Now().Add(time.Minute)
	g := startGateway(t, cfg, nil, clk)
	admitted, waiting := newShopper(t), newShopper(t)
	admitted.get(g.URL + "/")
	waiting.get(g.URL + "/")
	clk.Advance(2 * time.Minute)
	g.Tick(context.Background())

	before := o.count()
	resp, body := newShopper(t).get(g.URL+"/", "Accept", "application/json")
	if !strings.Contains(body, `"state":"closed"`) || o.count() != before || resp.StatusCode != http.StatusOK {
		t.Errorf("newcomer after closes_at: %d %q", resp.StatusCode, body)
	}
	if st := waiting.status(g.URL); st.State != "waiting" || st.Position != 1 {
		t.Errorf("shopper in line after closes_at: %+v", st)
	}
}

// flakyStore is a memory store that fails on demand, standing in for a
// store outage.
type flakyStore struct {
	*memstore.Store
	down atomic.Bool
	// failedAdvances counts the Advance calls refused while down.
	failedAdvances atomic.Int64
}

var errStoreDown = errors.New("connection refused")

func (s *flakyStore) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	if s.down.Load() {
		return 0, errStoreDown
	}
	return s.Store.Join(ctx, room, now)
}

func (s *flakyStore) Advance(ctx context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	if s.down.Load() {
		s.failedAdvances.Add(1)
		return queue.Counters{}, errStoreDown
	}
	return s.Store.Advance(ctx, room, p, now)
}

func (s *flakyStore) Counters(ctx context.Context, room string) (queue.Counters, error) {
	if s.down.Load() {
		return queue.Counters{}, errStoreDown
	}
	return s.Store.Counters(ctx, room)
}

func (s *flakyStore) AdmitDirect(ctx context.Context, room, sid string, p queue.Policy, now time.Time) (bool, error) {
	if s.down.Load() {
		return false, errStoreDown
	}
	return s.Store.AdmitDirect(ctx, room, sid, p, now)
}

// TestStoreOutage: with the store down, admitted shoppers go on shopping,
// newcomers get an honest page and never reach the origin (on_failure:
// hold) — or are let through (open); when the store returns, all resumes.
func TestStoreOutage(t *testing.T) {
	for _, mode := range []config.OnFailure{config.OnFailureHold, config.OnFailureOpen} {
		t.Run(string(mode), func(t *testing.T) {
			o := newOrigin(t, nil)
			cfg := testConfig(o.URL)
			cfg.Store.OnFailure = mode
			store := &flakyStore{Store: memstore.New()}
			g := startGateway(t, cfg, store, nil)
			admitted := newShopper(t)
			if _, body := admitted.get(g.URL + "/"); !isShopPage(body) {
				t.Fatal("not admitted before the outage")
			}
			store.down.Store(true)
			g.clock.Advance(time.Second)
			g.Tick(context.Background())

			if _, body := admitted.get(g.URL + "/more"); !isShopPage(body) {
				t.Error("an admitted shopper was stopped by the store outage")
			}
			before := o.count()
			resp, body := newShopper(t).get(g.URL + "/")
			switch mode {
			case "hold":
				if isShopPage(body) || o.count() != before {
					t.Error("a newcomer reached the origin during the outage")
				}
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
					t.Errorf("got %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
				}
				if !strings.Contains(body, "unavailable") {
					t.Errorf("the page does not say the queue is unavailable: %q", body)
				}
			case "open":
				if !isShopPage(body) {
					t.Errorf("on_failure open: newcomer got %d %q", resp.StatusCode, body)
				}
			}
			store.down.Store(false)
			g.clock.Advance(time.Second)
			g.Tick(context.Background())
			if _, body := newShopper(t).get(g.URL + "/"); !isShopPage(body) {
				t.Error("admissions did not resume after the store returned")
			}
		})
	}
}

// TestJSONForApps: a room path asked for JSON answers with the status
// fields instead of the page.
func TestJSONForApps(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)
	newShopper(t).get(g.URL + "/")
	resp, body := newShopper(t).get(g.URL+"/item", "Accept", "application/json")
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, field := range []string{`"room":"shop"`, `"state":"waiting"`, `"position":1`, `"ahead":0`, `"eta_seconds":[`, `"poll_after_ms":`, `"opens_in_seconds":0`, `"redirect":""`} {
		if !strings.Contains(body, field) {
			t.Errorf("JSON lacks %s: %s", field, body)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

// TestCustomTemplate: a room's page.template replaces the built-in page.
func TestCustomTemplate(t *testing.T) {
	o := newOrigin(t, nil)
	tmpl := filepath.Join(t.TempDir(), "page.html")
	os.WriteFile(tmpl, []byte(`<!doctype html><title>{{.Title}}</title><p id="pos">place {{.Position}} in {{.Room}}</p>`), 0o600)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	cfg.Rooms[0].Page.Template = tmpl
	g := startGateway(t, cfg, nil, nil)
	newShopper(t).get(g.URL + "/")
	if _, body := newShopper(t).get(g.URL + "/"); !strings.Contains(body, "place 1 in shop") {
		t.Errorf("custom page not used: %q", body)
	}
}

// TestSessionSlides: a session in use is re-signed before it runs out, so
// an active shopper keeps their slot past session_duration; an idle one
// loses it.
func TestSessionSlides(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].SessionDuration = time.Minute
	g := startGateway(t, cfg, nil, nil)
	active, idle := newShopper(t), newShopper(t)
	active.get(g.URL + "/")
	idle.get(g.URL + "/")
	idleSession := o.last().Header.Get("X-Anteroom-Session")
	for range 30 { // five minutes of activity, a request every ten seconds
		g.clock.Advance(10 * time.Second)
		g.Tick(context.Background())
		if _, body := active.get(g.URL + "/item"); !isShopPage(body) {
			t.Fatalf("active shopper lost their session at %s", g.clock.Now().Format(time.TimeOnly))
		}
	}
	if c, _ := g.roomList()[0].engine.Counters(); c.Active != 1 {
		t.Errorf("store counts %d active sessions, want 1 (the idle one expired)", c.Active)
	}
	if idle.cookie(g.URL, "anteroom_session_shop") == "" {
		t.Fatal("test broken: idle shopper has no cookie")
	}
	// Coming back, the idle shopper is a newcomer: admitted afresh (the
	// room has space), never on the old session — and keeps the new one.
	if _, body := idle.get(g.URL + "/item"); !isShopPage(body) || o.last().Header.Get("X-Anteroom-Session") == idleSession {
		t.Errorf("idle shopper came back on session %q, want a new one", o.last().Header.Get("X-Anteroom-Session"))
	}
	fresh := o.last().Header.Get("X-Anteroom-Session")
	if _, body := idle.get(g.URL + "/next"); !isShopPage(body) || o.last().Header.Get("X-Anteroom-Session") != fresh {
		t.Errorf("after readmission the next request came on session %q, want %q (the new cookie was lost)", o.last().Header.Get("X-Anteroom-Session"), fresh)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSubresourcesDoNotQueue: a browser's image or script request without
// a ticket does not take a place in line; the page's navigation does.
func TestSubresourcesDoNotQueue(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)
	newShopper(t).get(g.URL + "/")
	s := newShopper(t)
	resp, _ := s.get(g.URL+"/favicon.ico", "Sec-Fetch-Dest", "image")
	if resp.StatusCode != http.StatusServiceUnavailable || s.cookie(g.URL, "anteroom_ticket_shop") != "" {
		t.Errorf("image request: %d, ticket %q; want 503 and no ticket", resp.StatusCode, s.cookie(g.URL, "anteroom_ticket_shop"))
	}
	s.get(g.URL+"/", "Sec-Fetch-Dest", "document")
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	if st := s.status(g.URL); st.State != "waiting" || st.Ahead != 0 {
		t.Errorf("the page's navigation: %s with %d ahead, want waiting first in line (the image took no place)", st.State, st.Ahead)
	}
}

// TestOrdersOutsideRoomsStayHome: an origin's X-Anteroom-* answer headers on
// a path outside every room never reach the shopper.
func TestOrdersOutsideRoomsStayHome(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Anteroom-Command", "revoke")
		w.Header().Set("X-Anteroom-Purchase", "release")
		w.Write([]byte("<p>origin page " + r.URL.Path + "</p>"))
	})
	cfg := testConfig(o.URL)
	cfg.Rooms[0].Paths = []string{"/ps5/*"}
	g := startGateway(t, cfg, nil, nil)
	resp, body := newShopper(t).get(g.URL + "/about")
	if !isShopPage(body) {
		t.Fatalf("not proxied: %q", body)
	}
	for _, h := range []string{"X-Anteroom-Command", "X-Anteroom-Purchase"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("the shopper saw %s: %q", h, v)
		}
	}
}

// TestRevokeOnFirstRequest: the origin may revoke a session on the very
// request that admitted it; the session is not set, and its slot frees.
func TestRevokeOnFirstRequest(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Anteroom-Command", "revoke")
		w.Write([]byte("<p>origin page " + r.URL.Path + "</p>"))
	})
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)
	s := newShopper(t)
	resp, body := s.get(g.URL + "/")
	if !isShopPage(body) || resp.Header.Get("X-Anteroom-Command") != "" {
		t.Fatalf("got %q with X-Anteroom-Command %q", body, resp.Header.Get("X-Anteroom-Command"))
	}
	if s.cookie(g.URL, "anteroom_session_shop") != "" {
		t.Error("a session revoked on its first request was still set")
	}
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	if _, body := newShopper(t).get(g.URL + "/"); !isShopPage(body) {
		t.Error("the revoked session's slot was not freed")
	}
}
