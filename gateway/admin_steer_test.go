package gateway

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// adminDo serves g's admin listener on loopback with token and returns a
// client sending method, path and body with the token.
func adminDo(t *testing.T, g *testGateway, token string) func(method, path, body string) (int, string) {
	t.Helper()
	return startAdmin(t, g, token).caller("Bearer " + token)
}

// steerReply is the part of a change's answer the tests read.
type steerReply struct {
	Room       string                     `json:"room"`
	Changed    map[string]string          `json:"changed"`
	Paused     bool                       `json:"paused"`
	Closed     bool                       `json:"closed"`
	Stock      *struct{ Total, Left int } `json:"stock"`
	Overrides  map[string]map[string]any  `json:"overrides"`
	Precedence string                     `json:"precedence"`
}

// replyOf returns a reader of a change's answer that fails t unless it
// is a 200.
func replyOf(t *testing.T) func(code int, body string) steerReply {
	return func(code int, body string) steerReply {
		t.Helper()
		if code != http.StatusOK {
			t.Fatalf("got %d %s, want 200", code, body)
		}
		var r steerReply
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
		return r
	}
}

// TestSteerEveryVerb: PATCH, pause, resume, close, the overrides' list and
// their clearing, each doing what it says on the one node, from the
// outside, with one audit line per change.
func TestSteerEveryVerb(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	g := startGateway(t, cfg, nil, nil)
	do := adminDo(t, g, "s3cret")
	mustReply := replyOf(t)

	r := mustReply(do("PATCH", "/api/v1/rooms/shop", `{"max_active_users": 2, "session_duration": "10m", "new_users_per_minute": "1200"}`))
	if r.Changed["max_active_users"] != "2" || r.Changed["session_duration"] != "10m0s" || r.Overrides["max_active_users"]["value"] != "2" || r.Overrides["max_active_users"]["file"] != "10" {
		t.Errorf("PATCH answer: %+v", r)
	}
	if !strings.Contains(r.Precedence, "wins over the configuration file until the file's value for that key changes") {
		t.Errorf("the answer does not say which wins: %q", r.Precedence)
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 2 || p.PerMinute != 1200 {
		t.Errorf("engine policy after PATCH: %+v", p)
	}
	if ttl := g.roomList()[0].cfg.SessionDuration.String(); ttl != "10m0s" {
		t.Errorf("session duration after PATCH: %s", ttl)
	}
	logs := g.logs.String()
	for _, want := range []string{"what=max_active_users old=10 new=2 from=127.0.0.1:", "what=session_duration old=5m0s new=10m0s", "what=new_users_per_minute old=600 new=1200"} {
		if !strings.Contains(logs, want) {
			t.Errorf("audit line %q missing from:\n%s", want, logs)
		}
	}
	// The new limit holds: two shoppers in, the third waits.
	a, b, c := newShopper(t), newShopper(t), newShopper(t)
	a.get(g.URL + "/")
	b.get(g.URL + "/")
	if _, body := c.get(g.URL + "/"); isShopPage(body) {
		t.Error("a third shopper was admitted with max_active_users 2")
	}

	// Pause: nobody new, the admitted keep shopping, the page says paused.
	mustReply(do("POST", "/api/v1/rooms/shop/pause", ""))
	if !g.roomList()[0].engine.Paused() {
		t.Fatal("not paused")
	}
	if _, body := a.get(g.URL + "/cart"); !isShopPage(body) {
		t.Error("an admitted shopper was stopped by the pause")
	}
	if st := c.status(g.URL); st.State != "paused" {
		t.Errorf("waiting shopper during the pause: %+v", st)
	}
	if _, body := newShopper(t).get(g.URL + "/"); !strings.Contains(body, "The line is paused") {
		t.Errorf("a newcomer's page does not say the line is paused:\n%s", body)
	}
	if !strings.Contains(g.logs.String(), "what=paused old=false new=true") {
		t.Error("the pause was not audited")
	}
	r = mustReply(do("POST", "/api/v1/rooms/shop/resume", ""))
	if r.Paused || g.roomList()[0].engine.Paused() {
		t.Errorf("still paused after resume: %+v", r)
	}

	// Close: no new arrivals; resume lifts a close made through the API.
	r = mustReply(do("POST", "/api/v1/rooms/shop/close", ""))
	if !r.Closed {
		t.Errorf("close answer: %+v", r)
	}
	if _, body := newShopper(t).get(g.URL+"/", "Accept", "application/json"); !strings.Contains(body, `"state":"closed"`) {
		t.Errorf("newcomer after close: %s", body)
	}
	if r = mustReply(do("POST", "/api/v1/rooms/shop/resume", "")); r.Closed {
		t.Errorf("still closed after resume: %+v", r)
	}

	r = mustReply(do("GET", "/api/v1/rooms/shop/overrides", ""))
	if len(r.Overrides) != 3 {
		t.Errorf("overrides listed: %+v, want the three PATCHed keys", r.Overrides)
	}
	r = mustReply(do("DELETE", "/api/v1/rooms/shop/overrides", ""))
	if len(r.Overrides) != 0 || r.Changed["max_active_users"] != "10" {
		t.Errorf("after DELETE: %+v", r)
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 10 || p.PerMinute != 600 {
		t.Errorf("engine policy after the overrides were cleared: %+v, want the file's", p)
	}
}

// TestSteerBadInput: every bad request is refused with a clear error and
// changes nothing; a bad value gets the message the file would.
func TestSteerBadInput(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	g := startGateway(t, cfg, nil, nil)
	do := adminDo(t, g, "s3cret")

	// The file's own message for max_active_users: 0.
	_, err := config.Parse([]byte("origin: {url: \"http://127.0.0.1:1\"}\nrooms:\n  - name: shop\n    paths: [\"/*\"]\n    max_active_users: 0\n    new_users_per_minute: 10\n"), "f.yaml")
	yamlMsg := err.Error()[strings.Index(err.Error(), "max_active_users: "):]

	cases := []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"unknown room", "PATCH", "/api/v1/rooms/nope", `{"burst": 5}`, 404, `no room \"nope\"; rooms: shop`},
		{"unknown room pause", "POST", "/api/v1/rooms/nope/pause", ``, 404, `no room \"nope\"`},
		{"value the file refuses", "PATCH", "/api/v1/rooms/shop", `{"max_active_users": 0}`, 422, yamlMsg},
		{"negative duration", "PATCH", "/api/v1/rooms/shop", `{"session_duration": "-1s"}`, 422, "session_duration: must be positive, got -1s"},
		{"closes before it opens", "PATCH", "/api/v1/rooms/shop", `{"opens_at": "2030-01-02T00:00:00Z", "closes_at": "2030-01-01T00:00:00Z"}`, 422, "closes_at: must be after opens_at (2030-01-02T00:00:00Z)"},
		{"not a number", "PATCH", "/api/v1/rooms/shop", `{"burst": "many"}`, 400, `burst: must be a whole number, got \"many\"`},
		{"not a duration", "PATCH", "/api/v1/rooms/shop", `{"session_duration": 10}`, 400, `session_duration: must be a duration like \"10m\"`},
		{"not a time", "PATCH", "/api/v1/rooms/shop", `{"opens_at": "tomorrow"}`, 400, "opens_at: must be an RFC 3339 time"},
		{"unknown key", "PATCH", "/api/v1/rooms/shop", `{"max_users": 5}`, 400, "max_users: not a key a change takes; keys: max_active_users, new_users_per_minute"},
		{"not JSON", "PATCH", "/api/v1/rooms/shop", `max_active_users=5`, 400, "body must be one JSON object"},
		{"empty", "PATCH", "/api/v1/rooms/shop", `{}`, 400, "nothing to change"},
		{"stock without stock", "PATCH", "/api/v1/rooms/shop", `{"stock": 5}`, 422, "this room sells no limited stock"},
		{"wrong method", "GET", "/api/v1/rooms/shop/pause", ``, 405, "use POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(tc.method, tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) || !strings.HasPrefix(body, `{"error":`) {
				t.Errorf("got %d %s, want %d with %q", code, body, tc.code, tc.want)
			}
		})
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 10 || p.Burst != 10 {
		t.Errorf("a refused change changed the room: %+v", p)
	}
	if ov, _, _ := g.store.(queue.OverrideStore).Overrides(context.Background(), "shop"); len(ov) != 0 {
		t.Errorf("a refused change left overrides: %v", ov)
	}
	// A wrong token, or none, changes nothing either.
	for _, auth := range []string{"", "Bearer wrong"} {
		bad := adminAt(t, adminBase(t, g, "s3cret"), auth)
		if code, _ := bad("POST", "/api/v1/rooms/shop/pause", ""); code != http.StatusUnauthorized {
			t.Errorf("pause with token %q: %d, want 401", auth, code)
		}
	}
	if g.roomList()[0].engine.Paused() {
		t.Error("paused without the token")
	}
}

// adminBase serves another admin listener of g and returns its URL.
func adminBase(t *testing.T, g *testGateway, token string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go g.ServeAdmin(ctx, ln, token)
	return "http://" + ln.Addr().String()
}

// TestSteerStock: PATCH stock sets the store's count, as anteroom stock
// -set does, held and sold units still counted.
func TestSteerStock(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].Inventory.Stock = 10
	cfg.Rooms[0].Inventory.PurchasePaths = []string{"/buy"}
	g := startGateway(t, cfg, nil, nil)
	do := adminDo(t, g, "s3cret")
	mustReply := replyOf(t)
	r := mustReply(do("PATCH", "/api/v1/rooms/shop", `{"stock": 3}`))
	if r.Stock == nil || r.Stock.Total != 3 || r.Stock.Left != 3 {
		t.Errorf("answer: %+v", r.Stock)
	}
	st, err := g.store.Stock(context.Background(), "shop", g.clock.Now())
	if err != nil || st.Units != 3 {
		t.Errorf("store stock: %+v %v", st, err)
	}
	if !strings.Contains(g.logs.String(), "what=stock old=10 new=3") {
		t.Errorf("stock change not audited:\n%s", g.logs.String())
	}
	if code, body := do("PATCH", "/api/v1/rooms/shop", `{"stock": -1}`); code != 422 || !strings.Contains(body, "stock: must be 0 or more") {
		t.Errorf("negative stock: %d %s", code, body)
	}
}

// TestOverridesOutliveARestart: a node started on the same store applies
// the overrides another node made before serving anyone.
func TestOverridesOutliveARestart(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	store := memstore.New()
	g := startGateway(t, cfg, store, nil)
	do := adminDo(t, g, "s3cret")
	mustReply := replyOf(t)
	mustReply(do("PATCH", "/api/v1/rooms/shop", `{"max_active_users": 3}`))
	mustReply(do("POST", "/api/v1/rooms/shop/pause", ""))
	g.stop()

	again := startGateway(t, cfg, store, nil)
	if e := again.roomList()[0].engine; e.Policy().MaxActive != 3 || !e.Paused() {
		t.Errorf("after a restart: max active %d, paused %v; want 3 and paused", e.Policy().MaxActive, e.Paused())
	}
}
