package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// serveAdmin serves g's admin listener on loopback with token and returns
// a GET that sends auth as the Authorization header when it is not empty.
func serveAdmin(t *testing.T, g *testGateway, token string) func(path, auth string) (int, string) {
	t.Helper()
	waitServing(t, g)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go g.ServeAdmin(ctx, ln, token)
	admin := "http://" + ln.Addr().String()
	return func(path, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, admin+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

// waitServing returns once g's public listener answers. Gateway.Serve
// never returns if its context ends before fasthttp starts serving, so a
// test that stops g without one request could hang in its cleanup.
func waitServing(t *testing.T, g *testGateway) {
	t.Helper()
	resp, err := http.Get(g.URL + "/.anteroom/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestAdminReadyz(t *testing.T) {
	o := newOrigin(t, nil)
	store := &flakyStore{Store: memstore.New()}
	g := startGateway(t, testConfig(o.URL), store, nil)
	get := serveAdmin(t, g, "s3cret")
	if code, body := get("/readyz", ""); code != 200 || body != "ready\n" {
		t.Errorf("readyz with the store up: %d %q", code, body)
	}
	store.down.Store(true)
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	if code, body := get("/readyz", "Bearer s3cret"); code != 503 || !strings.Contains(body, "room shop") || !strings.Contains(body, errStoreDown.Error()) {
		t.Errorf("readyz with the store down: %d %q, want 503 naming the room and the error", code, body)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if code, _ := get("/api/v1/rooms", ""); code != 401 {
		t.Errorf("admin API without token: %d, want 401", code)
	}
	if code, _ := get("/api/v1/rooms", "Bearer wrong"); code != 401 {
		t.Errorf("admin API with a wrong token: %d, want 401", code)
	}
}

// unreachableStore is a Redis behind a dead address: its errors name it.
type unreachableStore struct{ *flakyStore }

var errDial = errors.New("dial tcp 10.20.30.40:6379: connect: connection refused")

func (s unreachableStore) Ping(context.Context) error { return errDial }

// lostStockStore forgot the stock figure, as Redis restarted empty does.
type lostStockStore struct{ *memstore.Store }

func (s lostStockStore) Advance(ctx context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	c, err := s.Store.Advance(ctx, room, p, now)
	c.Stock = queue.Stock{}
	return c, err
}

// TestReadyzHidesDetailWithoutToken: /readyz is open to load balancers,
// so without the bearer token it says what is wrong in general terms and
// never names the store's address or its errors; with the token it says all.
func TestReadyzHidesDetailWithoutToken(t *testing.T) {
	o := newOrigin(t, nil)
	t.Run("store", func(t *testing.T) {
		store := unreachableStore{&flakyStore{Store: memstore.New()}}
		g := startGateway(t, testConfig(o.URL), store, nil)
		store.down.Store(true)
		g.clock.Advance(time.Second)
		g.Tick(context.Background())
		get := serveAdmin(t, g, "s3cret")
		for _, auth := range []string{"", "Bearer wrong", "s3cret", "Bearer s3cret2"} {
			code, body := get("/readyz", auth)
			if want := "not ready: store unreachable; room shop: store unreachable\n"; code != 503 || body != want {
				t.Errorf("with %q: got %d %q, want 503 %q", auth, code, body, want)
			}
		}
		code, body := get("/readyz", "Bearer s3cret")
		if code != 503 || !strings.Contains(body, "10.20.30.40:6379") || !strings.Contains(body, errStoreDown.Error()) {
			t.Errorf("with the token: got %d %q, want 503 with the address and the errors", code, body)
		}
	})
	t.Run("stock", func(t *testing.T) {
		cfg := stockConfig(o.URL, 10)
		g := startGateway(t, cfg, lostStockStore{memstore.New()}, nil)
		g.clock.Advance(time.Second)
		g.Tick(context.Background())
		get := serveAdmin(t, g, "s3cret")
		if code, body := get("/readyz", ""); code != 503 || body != "not ready: room shop: stock figure lost\n" {
			t.Errorf("without the token: got %d %q", code, body)
		}
		if code, body := get("/readyz", "Bearer s3cret"); code != 503 || !strings.Contains(body, "anteroom stock -set") {
			t.Errorf("with the token: got %d %q, want how to set the stock", code, body)
		}
	})
	t.Run("no token on loopback", func(t *testing.T) {
		store := unreachableStore{&flakyStore{Store: memstore.New()}}
		g := startGateway(t, testConfig(o.URL), store, nil)
		get := serveAdmin(t, g, "")
		if code, body := get("/readyz", ""); code != 503 || !strings.Contains(body, "10.20.30.40:6379") {
			t.Errorf("got %d %q, want the detail: with no token the loopback admin API is open", code, body)
		}
	})
}

// TestServeAdminRefusesOpenListener: a listener anyone on the network can
// reach is never served without a token.
func TestServeAdminRefusesOpenListener(t *testing.T) {
	o := newOrigin(t, nil)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	waitServing(t, g)
	for _, addr := range []string{"0.0.0.0:0", "[::]:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("%s: %v", addr, err) // no IPv6 here
			continue
		}
		done := make(chan error, 1)
		go func() { done <- g.ServeAdmin(context.Background(), ln, "") }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "admin.listen") || !strings.Contains(err.Error(), "admin.token_env") {
				t.Errorf("%s: got %v, want an error naming admin.listen and admin.token_env", addr, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: serving the admin API to the network without a token", addr)
		}
		ln.Close()
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("%s: %v", addr, err)
			continue
		}
		if err := CheckAdminListener(ln.Addr(), ""); err != nil {
			t.Errorf("%s: %v, want loopback allowed without a token", addr, err)
		}
		ln.Close()
	}
}

// Regression: a gateway told to stop before its server had started kept
// serving, and Serve never returned (a SIGTERM in the first instant hung
// the process).
func TestServeStopsWhenToldBeforeItStarted(t *testing.T) {
	o := newOrigin(t, nil)
	g, err := New(testConfig(o.URL), Options{Store: memstore.New(), Secrets: [][]byte{testSecret}, TickEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln, time.Second) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}
