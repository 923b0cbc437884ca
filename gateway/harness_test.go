package gateway

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/token"
)

// testSecret signs every token in these tests; random, as token.CheckSecret wants.
var testSecret = []byte("TZ4kq8Hv1mXc3sWb7Ld0NfRj5pEy9gUa2oKi6tQe-Bw")

// testPurchaseKey signs purchase tokens on every node of a test, as one
// keys.purchase_key_file shared by all nodes would.
var testPurchaseKey = sync.OnceValue(func() ed25519.PrivateKey {
	k, err := token.GenerateKey()
	if err != nil {
		panic(err)
	}
	return k
})

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// origin is a real HTTP server on loopback standing in for the shop; it
// records what reaches it.
type origin struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	handler  http.HandlerFunc
}

func newOrigin(t *testing.T, h http.HandlerFunc) *origin {
	t.Helper()
	o := &origin{handler: h}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.requests = append(o.requests, r.Clone(context.Background()))
		h := o.handler
		o.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<p>origin page %s</p>", r.URL.Path)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *origin) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.requests)
}

func (o *origin) last() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.requests) == 0 {
		return nil
	}
	return o.requests[len(o.requests)-1]
}

// testConfig is a valid configuration with one room on every path.
func testConfig(originURL string) *config.Config {
	c := &config.Config{
		Listen: "127.0.0.1:0",
		Origin: config.Origin{URL: originURL, Timeout: 2 * time.Second},
		Limits: config.Limits{OriginRPS: 100000, PerClient: config.Rate{RPS: 100000, Burst: 100000}},
		Rooms: []config.Room{{
			Name:              "shop",
			Paths:             []string{"/*"},
			Bypass:            []string{"/static/*"},
			MaxActiveUsers:    10,
			NewUsersPerMinute: 600,
			Burst:             10,
		}},
	}
	c.SetDefaults()
	return c
}

// testGateway is a gateway serving on a loopback port.
type testGateway struct {
	*Gateway
	URL   string
	clock *clock
	store queue.Store
	logs  *syncBuffer // what the gateway logged
	stop  func()
}

// syncBuffer collects log lines written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startGateway serves cfg on loopback with store, ticking only by hand.
func startGateway(t *testing.T, cfg *config.Config, store queue.Store, clk *clock) *testGateway {
	t.Helper()
	return startGatewayWith(t, cfg, store, clk, nil)
}

// startGatewayWith is startGateway with a hook that may adjust the Gateway
// (its server's timeouts, its origin client) before it serves.
func startGatewayWith(t *testing.T, cfg *config.Config, store queue.Store, clk *clock, tweak func(*Gateway)) *testGateway {
	t.Helper()
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatalf("test config does not validate: %v", errs)
	}
	if store == nil {
		store = memstore.New()
	}
	if clk == nil {
		clk = newClock()
	}
	logs := &syncBuffer{}
	g, err := New(cfg, Options{
		Store:        store,
		Secrets:      [][]byte{testSecret},
		PurchaseKeys: []ed25519.PrivateKey{testPurchaseKey()},
		Now:          clk.Now,
		Log:          slog.New(slog.NewTextHandler(logs, nil)),
		TickEvery:    time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(g)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.Serve(ctx, ln, 5*time.Second)
	}()
	tg := &testGateway{Gateway: g, URL: "http://" + ln.Addr().String(), clock: clk, store: store, logs: logs}
	var once sync.Once
	tg.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(tg.stop)
	tg.Tick(context.Background())
	return tg
}

// shopper is a browser-like client with its own cookie jar.
type shopper struct {
	t      *testing.T
	client *http.Client
	jar    http.CookieJar
}

func newShopper(t *testing.T) *shopper {
	jar, _ := cookiejar.New(nil)
	return &shopper{t: t, jar: jar, client: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		// The tests look at redirects themselves.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get fetches url and returns the response with its body read.
func (s *shopper) get(url string, header ...string) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(req)
}

func (s *shopper) do(req *http.Request) (*http.Response, string) {
	s.t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("reading %s: %v", req.URL, err)
	}
	return resp, string(body)
}

// isShopPage tells the origin's pages from the waiting page.
func isShopPage(body string) bool { return strings.Contains(body, "<p>origin page ") }
