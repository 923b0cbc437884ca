package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anteroom/anteroom/gateway"
	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/token"
)

// adminNode runs a gateway's admin listener on loopback with token and
// returns its address and the gateway.
func adminNode(t *testing.T, token string) (string, *gateway.Gateway) {
	t.Helper()
	cfg, err := config.Parse([]byte(`origin: { url: "http://127.0.0.1:1" }
rooms:
  - name: shop
    paths: ["/*"]
    max_active_users: 5
    new_users_per_minute: 60
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{Store: memstore.New(), Secrets: [][]byte{[]byte(secretForTest)}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go g.ServeAdmin(ctx, ln, token)
	return ln.Addr().String(), g
}

var secretForTest = token.NewSecret()

// TestRoomVerbs: every verb of anteroom room against a real node's admin
// API, with the address and token from flags (after the room's name, as
// kubectl takes them) or from the environment.
func TestRoomVerbs(t *testing.T) {
	addr, _ := adminNode(t, "tok")
	flags := []string{"-admin", addr, "-token", "tok"}
	cases := []struct {
		args []string
		want string
	}{
		{append([]string{"room", "set", "shop", "max_active_users=800", "new_users_per_minute=2000"}, flags...), "room shop: max_active_users = 800\nroom shop: new_users_per_minute = 2000\n"},
		{append([]string{"room", "pause", "shop"}, flags...), "room shop: paused = true\n"},
		{append([]string{"room", "resume", "shop"}, flags...), "room shop: paused = false\n"},
		{append([]string{"room", "close", "shop"}, flags...), "closed: true"},
		{append([]string{"room", "overrides", "shop"}, flags...), `override max_active_users = 800 (file: "5"; set `},
		{append([]string{"room", "clear", "shop"}, flags...), "room shop: max_active_users = 5\n"},
	}
	for _, tc := range cases {
		code, out, stderr := runCmd(tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, stderr, tc.want)
		}
	}
	t.Setenv(envAdminAddr, addr)
	t.Setenv(envAdminToken, "tok")
	if code, out, stderr := runCmd("room", "pause", "shop"); code != 0 || !strings.Contains(out, "paused = true") {
		t.Errorf("with the environment: exit %d, %q %q", code, out, stderr)
	}
}

// TestRoomErrors: bad input is a clear error with a non-zero exit: the
// API's own message for an unknown room, a bad value or a bad token.
func TestRoomErrors(t *testing.T) {
	addr, _ := adminNode(t, "tok")
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"room", "pause", "nope", "-admin", addr, "-token", "tok"}, 1, `no room "nope"; rooms: shop (HTTP 404)`},
		{[]string{"room", "set", "shop", "max_active_users=0", "-admin", addr, "-token", "tok"}, 1, "max_active_users: must be at least 1, got 0 (HTTP 422)"},
		{[]string{"room", "set", "shop", "burst=lots", "-admin", addr, "-token", "tok"}, 1, `burst: must be a whole number, got "lots" (HTTP 400)`},
		{[]string{"room", "pause", "shop", "-admin", addr, "-token", "wrong"}, 1, "set the token with -token or $ANTEROOM_ADMIN_TOKEN"},
		{[]string{"room", "set", "shop", "max_active_users", "-admin", addr}, 2, `"max_active_users" is not KEY=VALUE`},
		{[]string{"room", "fly", "shop"}, 2, `unknown verb "fly"`},
		{[]string{"room", "pause"}, 2, "name a verb and a room"},
		{[]string{"room", "pause", "shop", "extra", "-admin", addr}, 2, `unexpected argument "extra"`},
		{[]string{"rooms", "-admin", "127.0.0.1:1"}, 1, "admin API at http://127.0.0.1:1"},
	}
	for _, tc := range cases {
		code, out, stderr := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out, stderr, tc.code, tc.stderr)
		}
	}
}

// roomsFixture is GET /api/v1/rooms as the admin API's contract gives it.
const roomsFixture = `{"rooms":[
 {"name":"shoes","state":"open","waiting":1200,"active":800,"called":12,"arrivals":5000,"admitted":3000,"admitted_per_minute":1950.5,"eta_seconds":37,
  "limits":{"max_active_users":800,"new_users_per_minute":2000,"burst":300,"session_duration":"5m0s","opens_at":"","closes_at":""},
  "stock":{"total":500,"left":120,"held":30,"sold":350}},
 {"name":"tickets","state":"paused","waiting":0,"active":3,"called":0,"arrivals":3,"admitted":3,"admitted_per_minute":0,"eta_seconds":null,
  "limits":{"max_active_users":10,"new_users_per_minute":60,"burst":10,"session_duration":"5m0s","opens_at":"","closes_at":""},
  "stock":null}]}`

// TestRoomsTable: anteroom rooms prints the API's list as kubectl would.
func TestRoomsTable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/rooms" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"error":"no"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, roomsFixture)
	}))
	defer srv.Close()
	code, out, stderr := runCmd("rooms", "-admin", srv.URL, "-token", "tok")
	want := "" +
		"NAME      STATE    WAITING   ACTIVE   MAX-ACTIVE   ADMITTED/MIN   RATE/MIN   ETA   STOCK-LEFT   SOLD\n" +
		"shoes     open     1200      800      800          1950.5         2000       37s   120/500      350\n" +
		"tickets   paused   0         3        10           0              60         -     -            -\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, stderr, out, want)
	}
	if code, out, _ := runCmd("rooms", "-admin", srv.URL, "-token", "tok", "-o", "json"); code != 0 || !strings.Contains(out, `"name":"shoes"`) {
		t.Errorf("-o json: exit %d, %q", code, out)
	}
}

// TestHealth: exit 0 when /readyz says ready, 1 when it does not or when
// nothing answers.
func TestHealth(t *testing.T) {
	addr, _ := adminNode(t, "tok")
	if code, out, stderr := runCmd("health", "-admin", addr); code != 0 || out != "ready\n" {
		t.Errorf("ready node: exit %d, %q %q", code, out, stderr)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not ready: store unreachable", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	if code, _, stderr := runCmd("health", "-admin", down.URL); code != 1 || !strings.Contains(stderr, "not ready: store unreachable") {
		t.Errorf("node not ready: exit %d, %q", code, stderr)
	}
	if code, _, _ := runCmd("health", "-admin", freeAddr(t)); code != 1 {
		t.Errorf("nothing listening: exit %d, want 1", code)
	}
}

// TestRoomsAgainstANode: anteroom rooms reads a real node's list, and
// shows a change made with anteroom room set.
func TestRoomsAgainstANode(t *testing.T) {
	addr, _ := adminNode(t, "tok")
	t.Setenv(envAdminAddr, addr)
	t.Setenv(envAdminToken, "tok")
	if code, out, stderr := runCmd("room", "set", "shop", "max_active_users=8"); code != 0 {
		t.Fatalf("room set: exit %d, %q %q", code, out, stderr)
	}
	code, out, stderr := runCmd("rooms")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME ") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
	if f := strings.Fields(lines[1]); len(f) != 10 || f[0] != "shop" || f[1] != "open" || f[4] != "8" || f[6] != "60" {
		t.Errorf("row %q, want shop open with max active 8 and rate 60", lines[1])
	}
}
