package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// adminClient calls g's admin listener, served on loopback with token.
type adminClient struct {
	t    *testing.T
	base string
}

func startAdmin(t *testing.T, g *testGateway, token string) *adminClient {
	t.Helper()
	waitServing(t, g)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go g.ServeAdmin(ctx, ln, token)
	return &adminClient{t: t, base: "http://" + ln.Addr().String()}
}

// call sends method path with auth as the Authorization header (none if
// empty) and returns the status, the headers and the body.
func (a *adminClient) call(method, path, auth string) (int, http.Header, string) {
	a.t.Helper()
	return a.send(method, path, auth, "")
}

// send is call with a request body.
func (a *adminClient) send(method, path, auth, body string) (int, http.Header, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// caller is send with auth, for tests that read only status and body.
func (a *adminClient) caller(auth string) func(method, path, body string) (int, string) {
	return func(method, path, body string) (int, string) {
		a.t.Helper()
		code, _, b := a.send(method, path, auth, body)
		return code, b
	}
}

// adminAt is a client of the admin listener at base, sending auth.
func adminAt(t *testing.T, base, auth string) func(method, path, body string) (int, string) {
	return (&adminClient{t: t, base: base}).caller(auth)
}

// getJSON GETs path with the token and decodes a 200 answer into v.
func (a *adminClient) getJSON(path string, v any) {
	a.t.Helper()
	code, _, body := a.call("GET", path, "Bearer s3cret")
	if code != 200 {
		a.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		a.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// noWatch stops the gateway's own sampling, so a test samples by hand.
func noWatch(g *Gateway) { g.watchEvery = time.Hour }

func TestAdminRoomsAPI(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := stockConfig(o.URL, 5)
	cfg.Rooms[0].MaxActiveUsers = 2
	cfg.Rooms[0].ClosesAt = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	for range 5 {
		newShopper(t).get(g.URL + "/item")
	}
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	a := startAdmin(t, g, "s3cret")

	var list struct{ Rooms []roomJSON }
	a.getJSON("/api/v1/rooms", &list)
	if len(list.Rooms) != 1 {
		t.Fatalf("rooms: got %d, want 1", len(list.Rooms))
	}
	got := list.Rooms[0]
	want := roomJSON{Name: "shop", State: "open", Waiting: 3, Active: 2, Arrivals: 5, Admitted: 2,
		ETASeconds: got.ETASeconds,
		Limits: limitsJSON{MaxActiveUsers: 2, NewUsersPerMinute: cfg.Rooms[0].NewUsersPerMinute, Burst: cfg.Rooms[0].Burst,
			SessionDuration: cfg.Rooms[0].SessionDuration.String(), ClosesAt: "2026-11-27T12:00:00Z"},
		Stock: &stockJSON{Total: 5, Left: 5}}
	if got.Stock == nil || *got.Stock != *want.Stock {
		t.Errorf("stock: got %+v, want %+v", got.Stock, want.Stock)
	}
	got.Stock, want.Stock = nil, nil
	if got != want {
		t.Errorf("room:\n got %+v\nwant %+v", got, want)
	}
	if got.ETASeconds <= 0 {
		t.Errorf("eta_seconds %d with 3 waiting, want > 0", got.ETASeconds)
	}
	var one roomJSON
	a.getJSON("/api/v1/rooms/shop", &one)
	if one.Name != "shop" || one.Waiting != 3 {
		t.Errorf("GET /api/v1/rooms/shop: %+v", one)
	}
	// The JSON's names, as the CLI reads them.
	_, _, raw := a.call("GET", "/api/v1/rooms/shop", "Bearer s3cret")
	for _, k := range []string{`"name":"shop"`, `"state":"open"`, `"waiting":3`, `"active":2`, `"called":0`,
		`"arrivals":5`, `"admitted":2`, `"admitted_per_minute":`, `"eta_seconds":`, `"max_active_users":2`,
		`"new_users_per_minute":`, `"burst":`, `"session_duration":"`, `"closes_at":"2026-11-27T12:00:00Z"`,
		`"stock":{"total":5,"left":5,"held":0,"sold":0}`} {
		if !strings.Contains(raw, k) {
			t.Errorf("room JSON lacks %s: %s", k, raw)
		}
	}
	if strings.Contains(raw, "opens_at") {
		t.Errorf("room JSON has opens_at, unset in the config: %s", raw)
	}

	g.roomList()[0].engine.Pause()
	a.getJSON("/api/v1/rooms/shop", &one)
	if one.State != "paused" {
		t.Errorf("paused room: state %q, want paused", one.State)
	}
}

func TestAdminAPIErrors(t *testing.T) {
	o := newOrigin(t, nil)
	g := startGatewayWith(t, testConfig(o.URL), nil, nil, noWatch)
	a := startAdmin(t, g, "s3cret")
	cases := []struct {
		method, path, auth string
		code               int
		says               string
	}{
		{"GET", "/api/v1/rooms", "", 401, "bearer token"},
		{"GET", "/api/v1/rooms", "Bearer wrong", 401, "bearer token"},
		{"GET", "/api/v1/rooms/shop", "s3cret", 401, "bearer token"},
		{"GET", "/metrics", "", 401, "bearer token"},
		{"GET", "/api/v1/rooms/nope", "Bearer s3cret", 404, `no room named \"nope\"`},
		{"GET", "/api/v1/rooms/nope/history", "Bearer s3cret", 404, `no room named \"nope\"`},
		{"GET", "/api/v1/rooms/" + strings.Repeat("x", 500), "Bearer s3cret", 404, "xxx…"},
		{"GET", "/api/v1/nothing", "Bearer s3cret", 404, "no such admin path"},
		{"DELETE", "/api/v1/rooms", "Bearer s3cret", 405, "use GET"},
		{"GET", "/dashboard/nope.js", "", 404, "no such dashboard file"},
	}
	for _, c := range cases {
		code, h, body := a.call(c.method, c.path, c.auth)
		if code != c.code || !strings.Contains(body, c.says) || !strings.HasPrefix(body, `{"error":"`) {
			t.Errorf("%s %s (auth %q): got %d %s, want %d and a JSON error saying %s", c.method, c.path, c.auth, code, body, c.code, c.says)
		}
		if ct := h.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q, want application/json", c.method, c.path, ct)
		}
		if len(body) > 400 {
			t.Errorf("%s %s: error of %d bytes; a long name must not come back whole", c.method, c.path, len(body))
		}
	}
	if code, h, _ := a.call("DELETE", "/api/v1/rooms", "Bearer s3cret"); code != 405 || h.Get("Allow") != "GET" {
		t.Errorf("DELETE /api/v1/rooms: %d Allow %q, want 405 Allow GET", code, h.Get("Allow"))
	}
	// The dashboard's page and assets hold no figures: they load without
	// the token, which the page then asks for.
	for _, p := range []string{"/", "/dashboard/dash.js", "/dashboard/uPlot.iife.min.js", "/dashboard/dash.css"} {
		if code, _, _ := a.call("GET", p, ""); code != 200 {
			t.Errorf("GET %s without token: %d, want 200", p, code)
		}
	}
}

func TestAdminHistory(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1000
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	a := startAdmin(t, g, "s3cret")
	// Ten admissions between each sample, one sample every 2 s: 300 a minute.
	for range 40 {
		for range 10 {
			newShopper(t).get(g.URL + "/item")
		}
		g.clock.Advance(historyEvery)
		g.Tick(context.Background())
		g.sampleRooms(g.clock.Now())
	}
	var h historyJSON
	a.getJSON("/api/v1/rooms/shop/history", &h)
	if len(h.T) != 40 || len(h.Active) != 40 || len(h.Waiting) != 40 || len(h.AdmittedPerMinute) != 40 {
		t.Fatalf("history: %d times, %d active, %d waiting, %d rates; want 40 of each", len(h.T), len(h.Active), len(h.Waiting), len(h.AdmittedPerMinute))
	}
	if h.StockLeft != nil {
		t.Errorf("stock_left for a room without stock: %v", h.StockLeft)
	}
	if h.T[39]-h.T[0] != 78 || h.EverySeconds != 2 {
		t.Errorf("times span %d s every %d s, want 78 and 2", h.T[39]-h.T[0], h.EverySeconds)
	}
	if last := h.AdmittedPerMinute[39]; last < 299 || last > 301 {
		t.Errorf("admitted per minute at the end: %.1f, want 300", last)
	}
	if h.Active[39] != 400 || h.Waiting[39] != 0 {
		t.Errorf("at the end: %d active, %d waiting; want 400 and 0", h.Active[39], h.Waiting[39])
	}
}

// TestHistoryRingIsFixed: the ring keeps the last 30 minutes and no more,
// whatever the sale's length.
func TestHistoryRingIsFixed(t *testing.T) {
	var h history
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := range 3 * historyLen {
		h.add(sample{at: t0.Add(time.Duration(i) * historyEvery), waiting: i, admitted: uint64(i)})
	}
	c := h.columns("r")
	if len(c.T) != historyLen || c.Waiting[0] != 2*historyLen || c.Waiting[historyLen-1] != 3*historyLen-1 {
		t.Fatalf("ring: %d samples from %d to %d; want %d from %d to %d", len(c.T), c.Waiting[0], c.Waiting[len(c.T)-1],
			historyLen, 2*historyLen, 3*historyLen-1)
	}
	if span := time.Duration(c.T[historyLen-1]-c.T[0]) * time.Second; span != historySpan-historyEvery {
		t.Errorf("ring spans %s, want %s", span, historySpan-historyEvery)
	}
	// One admission per 2 s sample: 30 a minute.
	if r := c.AdmittedPerMinute[historyLen-1]; r != 30 {
		t.Errorf("admitted per minute: %.2f, want 30", r)
	}
}
