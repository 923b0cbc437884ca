package gateway

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue/memstore"
)

// startProxy serves cfg on loopback after tweak adjusts the Gateway.
func startProxy(t *testing.T, cfg *config.Config, tweak func(*Gateway)) *testGateway {
	t.Helper()
	return startGatewayWith(t, cfg, nil, nil, tweak)
}

// closedRoomConfig is testConfig with the room on /ps5 and /ps5/* only, not
// open for another hour: a request the room takes gets the waiting page and
// never reaches the origin, so the tests can tell room from no room.
func closedRoomConfig(originURL string) *config.Config {
	cfg := testConfig(originURL)
	cfg.Rooms[0].Paths = []string{"/ps5", "/ps5/*"}
	cfg.Rooms[0].Bypass = []string{"/ps5/static/*", "/ps5/favicon.ico"}
	cfg.Rooms[0].OpensAt = newClock().Now().Add(time.Hour)
	return cfg
}

// timedClient is for requests outside a shopper's jar: no test waits forever.
var timedClient = &http.Client{Timeout: 30 * time.Second}

func hostOf(url string) string { return strings.TrimPrefix(url, "http://") }

// rawResponse is an answer read off the wire: its header block exactly as
// sent, and the parsed message.
type rawResponse struct {
	head string
	resp *http.Response
	body []byte
}

// header returns every value of the named header, matching the name in any
// case, as it appeared on the wire.
func (r rawResponse) header(name string) []string { return headerValues(r.head, name) }

// rawDo sends a hand-written request to addr and reads one response: the
// Go client would rewrite the very headers these tests are about.
func rawDo(t *testing.T, addr, request string) rawResponse {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	return readRaw(t, bufio.NewReader(conn), request)
}

func readRaw(t *testing.T, br *bufio.Reader, request string) rawResponse {
	t.Helper()
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading response head: %v (after %q)", err, head.String())
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	method := strings.SplitN(request, " ", 2)[0]
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(strings.NewReader(head.String()), br)), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("parsing response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return rawResponse{head: head.String(), resp: resp, body: body}
}

// headerValues finds the named header's values in a raw header block.
func headerValues(head, name string) []string {
	var vs []string
	for _, line := range strings.Split(head, "\r\n")[1:] {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			vs = append(vs, strings.TrimSpace(v))
		}
	}
	return vs
}

// rawOrigin is an origin that records each request's header block exactly as
// it arrived and answers with a fixed, hand-written response (or, when that
// is empty, hangs up): what a Go server would parse away is visible here.
type rawOrigin struct {
	ln    net.Listener
	URL   string
	reply string

	mu    sync.Mutex
	heads []string
	body  [][]byte
}

func newRawOrigin(t *testing.T, reply string) *rawOrigin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &rawOrigin{ln: ln, URL: "http://" + ln.Addr().String(), reply: reply}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { o.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return o
}

func (o *rawOrigin) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		var body []byte
		if cl := headerValues(head.String(), "Content-Length"); len(cl) == 1 {
			n, _ := strconv.Atoi(cl[0])
			body = make([]byte, n)
			if _, err := io.ReadFull(br, body); err != nil {
				return
			}
		}
		o.mu.Lock()
		o.heads = append(o.heads, head.String())
		o.body = append(o.body, body)
		o.mu.Unlock()
		if o.reply == "" {
			return // hang up without answering
		}
		if _, err := io.WriteString(c, o.reply); err != nil {
			return
		}
	}
}

func (o *rawOrigin) lastHead() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.heads) == 0 {
		return ""
	}
	return o.heads[len(o.heads)-1]
}

func (o *rawOrigin) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.heads)
}

const okReply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"

// TestNoRoomAndBypassGoStraightToOrigin: a path no room claims, or one on
// the room's bypass list, is proxied at once, without a ticket.
func TestNoRoomAndBypassGoStraightToOrigin(t *testing.T) {
	o := newOrigin(t, nil)
	g := startGateway(t, closedRoomConfig(o.URL), nil, nil)
	cases := []struct {
		path   string
		origin bool
	}{
		{"/", true},
		{"/about", true},
		{"/ps50", true},               // "/ps5" is exact, "/ps5/*" needs the slash
		{"/ps5/static/app.css", true}, // bypass
		{"/ps5/favicon.ico", true},    // bypass, exact
		{"/static/app.css", true},
		{"/ps5", false},
		{"/ps5/", false},
		{"/ps5/checkout", false},
		{"/ps5/static", false}, // the bypass prefix needs the slash too
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			before := o.count()
			resp, body := newShopper(t).get(g.URL + tc.path)
			if got := o.count() - before; got != map[bool]int{true: 1, false: 0}[tc.origin] {
				t.Fatalf("origin asked %d times", got)
			}
			if got, want := isShopPage(body), tc.origin; got != want {
				t.Fatalf("shop page %v, want %v: %q", got, want, body)
			}
			if tc.origin {
				if got, want := body, fmt.Sprintf("<p>origin page %s</p>", tc.path); got != want {
					t.Errorf("got %q, want %q", got, want)
				}
				if v := o.last().Header.Get("X-Anteroom-Room"); v != "" {
					t.Errorf("X-Anteroom-Room %q sent for a request in no room", v)
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// TestForwardedHeadersAreTheGatewaysOwn: the origin learns the client's
// address, scheme and host from the gateway, never from the client, and no
// header the client calls X-Anteroom-* in any spelling gets through.
func TestForwardedHeadersAreTheGatewaysOwn(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	req := "GET /static/x.css HTTP/1.1\r\n" +
		"Host: Shop.Example.com:8080\r\n" +
		"X-Forwarded-For: 6.6.6.6\r\n" +
		"X-Forwarded-For: 7.7.7.7, 8.8.8.8\r\n" +
		"x-forwarded-proto: https\r\n" +
		"X-Forwarded-Host: evil.example\r\n" +
		"Forwarded: for=6.6.6.6;proto=https\r\n" +
		"X-Real-IP: 6.6.6.6\r\n" +
		"X-Anteroom-Room: vip\r\n" +
		"x-anteroom-session: forged\r\n" +
		"X-ANTEROOM-PURCHASE-TOKEN: forged\r\n" +
		"X-Anteroom-Anything: x\r\n" +
		"X-Kept: yes\r\n" +
		"Connection: close\r\n\r\n"
	resp := rawDo(t, hostOf(g.URL), req)
	if resp.resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.resp.StatusCode, resp.body)
	}
	head := o.lastHead()
	want := map[string][]string{
		"X-Forwarded-For":   {"127.0.0.1"},
		"X-Forwarded-Proto": {"http"},
		"X-Forwarded-Host":  {"Shop.Example.com:8080"},
		"Host":              {"Shop.Example.com:8080"},
		"X-Kept":            {"yes"},
		"Forwarded":         nil,
		"X-Real-Ip":         nil,
	}
	for name, vs := range want {
		if got := headerValues(head, name); fmt.Sprint(got) != fmt.Sprint(vs) && !(len(got) == 0 && len(vs) == 0) {
			t.Errorf("%s: got %q, want %q", name, got, vs)
		}
	}
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "x-anteroom-") {
			t.Errorf("client's %q reached the origin", line)
		}
	}
}

// TestTrustedProxyNamesTheClient: behind a trusted proxy the client is the
// nearest untrusted address in X-Forwarded-For; the origin is told that one
// address and the scheme the proxy saw.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := testConfig(o.URL)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	g := startGateway(t, cfg, nil, nil)
	req := "GET /static/x.css HTTP/1.1\r\nHost: shop\r\n" +
		"X-Forwarded-For: 6.6.6.6, 203.0.113.9\r\n" +
		"X-Forwarded-Proto: https\r\n" +
		"Connection: close\r\n\r\n"
	rawDo(t, hostOf(g.URL), req)
	head := o.lastHead()
	if got, want := headerValues(head, "X-Forwarded-For"), []string{"203.0.113.9"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("X-Forwarded-For: got %q, want %q", got, want)
	}
	if got, want := headerValues(head, "X-Forwarded-Proto"), []string{"https"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("X-Forwarded-Proto: got %q, want %q", got, want)
	}
}

// TestOwnCookiesStayHome: anteroom's cookies never reach the origin; the
// shop's own cookies do, in their order, whether sent in one Cookie header
// or several.
func TestOwnCookiesStayHome(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	cases := []struct {
		name    string
		cookies []string
		want    []string
	}{
		{"none of ours", []string{"a=1; b=2"}, []string{"a=1; b=2"}},
		{"mixed", []string{"a=1; anteroom_ticket_shop=t.o.k; b=2; anteroom_session_shop=s.e.s; c=3"}, []string{"a=1; b=2; c=3"}},
		{"only ours", []string{"anteroom_session_shop=s.e.s"}, nil},
		{"several headers", []string{"a=1", "anteroom_session_shop=s.e.s; b=2", "c=3"}, []string{"a=1; b=2; c=3"}},
		{"ours in a later header", []string{"a=1", "anteroom_session_shop=s.e.s"}, []string{"a=1"}},
		{"value mentions us", []string{"a=anteroom_x; b=2"}, []string{"a=anteroom_x; b=2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := "GET /static/x HTTP/1.1\r\nHost: shop\r\n"
			for _, c := range tc.cookies {
				req += "Cookie: " + c + "\r\n"
			}
			rawDo(t, hostOf(g.URL), req+"Connection: close\r\n\r\n")
			got := headerValues(o.lastHead(), "Cookie")
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBodiesPassThrough: request bodies, sized and chunked, reach the
// origin byte for byte, and its answer comes back the same way.
func TestBodiesPassThrough(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Length", strconv.Itoa(len(body)))
		w.Write(body) // echo
	})
	g := startGateway(t, testConfig(o.URL), nil, nil)
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			var body io.Reader = bytes.NewReader(payload)
			if chunked {
				body = io.MultiReader(body) // hides the length: the client chunks
			}
			req, _ := http.NewRequest(http.MethodPost, g.URL+"/static/upload", body)
			resp, got := newShopper(t).do(req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.200s", resp.StatusCode, got)
			}
			if got, want := resp.Header.Get("X-Length"), strconv.Itoa(len(payload)); got != want {
				t.Errorf("origin got %q bytes, want %q", got, want)
			}
			if !bytes.Equal([]byte(got), payload) {
				t.Errorf("echoed body differs: sha256 %x, want %x", sha256.Sum256([]byte(got)), sha256.Sum256(payload))
			}
		})
	}
}

// TestLargeResponseIsStreamed: a 32 MiB answer reaches the client while the
// origin is still writing it, byte for byte, and the gateway does not hold
// it whole.
func TestLargeResponseIsStreamed(t *testing.T) {
	const size, chunk = 32 << 20, 64 << 10
	payload := make([]byte, size)
	rand.Read(payload)
	firstSeen := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(payload[:chunk])
		w.(http.Flusher).Flush()
		// The rest only once the client has the first bytes: a gateway that
		// buffered the whole answer would never deliver them.
		select {
		case <-firstSeen:
		case <-time.After(10 * time.Second):
			return
		}
		for off := chunk; off < size; off += chunk {
			if _, err := w.Write(payload[off : off+chunk]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	g := startGateway(t, testConfig(o.URL), nil, nil)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse

	resp, err := timedClient.Get(g.URL + "/static/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, chunk)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("reading the first chunk: %v", err)
	}
	close(firstSeen)
	h := sha256.New()
	h.Write(first)
	var peak uint64
	buf := make([]byte, 1<<20)
	n := int64(len(first))
	for i := 0; ; i++ {
		m, err := io.ReadFull(resp.Body, buf)
		h.Write(buf[:m])
		n += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", n, err)
		}
		if i%4 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if n != size {
		t.Fatalf("got %d bytes, want %d", n, size)
	}
	if got, want := h.Sum(nil), sha256.Sum256(payload); !bytes.Equal(got, want[:]) {
		t.Fatalf("body differs: sha256 %x, want %x", got, want)
	}
	// payload was allocated before base; a gateway holding the answer
	// would add another 32 MiB.
	if peak > base && peak-base > size/2 {
		t.Errorf("heap grew by %d MiB while streaming a %d MiB answer", (peak-base)>>20, size>>20)
	}
}

// wireOriginDialer gives the origin pool originDialer, as newOriginClient
// should.
func wireOriginDialer(g *Gateway) {
	if g.origin.Dial == nil {
		g.origin.Dial = originDialer(g.cfg.Origin.Timeout)
	}
}

// TestSlowReaderGetsTheWholeAnswer is a regression test: origin.timeout
// also bounded reading the body, so an answer that took the client longer
// than that to take in was cut off mid-way.
func TestSlowReaderGetsTheWholeAnswer(t *testing.T) {
	const size = 8 << 20
	payload := make([]byte, size)
	rand.Read(payload)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.Write(payload) })
	cfg := testConfig(o.URL)
	cfg.Origin.Timeout = 300 * time.Millisecond
	g := startProxy(t, cfg, wireOriginDialer)

	resp, err := timedClient.Get(g.URL + "/static/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	buf := make([]byte, 512<<10)
	var n int
	start := time.Now()
	for {
		m, err := io.ReadFull(resp.Body, buf)
		h.Write(buf[:m])
		n += m
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", n, err)
		}
		time.Sleep(50 * time.Millisecond) // 16 reads: about 800ms in all
	}
	if n != size {
		t.Fatalf("got %d bytes in %s, want %d", n, time.Since(start), size)
	}
	if got, want := h.Sum(nil), sha256.Sum256(payload); !bytes.Equal(got, want[:]) {
		t.Fatalf("body differs")
	}
}

// TestQuietOriginIsCutOffMidBody: an origin that stops sending mid-body
// does not hold the gateway. A small answer, read whole before the shopper
// hears anything, becomes a clear 504; a large one, streamed, ends cut off
// (per-read timeouts), since its header has already gone out.
func TestQuietOriginIsCutOffMidBody(t *testing.T) {
	for _, size := range []int{1000, 4 * smallAnswer} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(size))
				w.Write(make([]byte, 10))
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			cfg := testConfig(o.URL)
			cfg.Origin.Timeout = 300 * time.Millisecond
			g := startProxy(t, cfg, wireOriginDialer)
			start := time.Now()
			resp, err := timedClient.Get(g.URL + "/static/stuck")
			switch {
			case size <= smallAnswer:
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusGatewayTimeout {
					t.Errorf("status %d, want 504", resp.StatusCode)
				}
			case err == nil:
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil || n == int64(size) {
					t.Errorf("got %d bytes, err %v: want a cut-off answer", n, err)
				}
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("cut off after %s; origin.timeout is 300ms", took)
			}
		})
	}
}

// TestOriginFailures: an origin that cannot be reached is a 502, one slower
// than origin.timeout a 504; both a short text that says nothing of the
// gateway's insides.
func TestOriginFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	slow := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
		io.WriteString(w, "too late")
	})
	cases := []struct {
		name   string
		origin string
		code   int
	}{
		{"down", closed, http.StatusBadGateway},
		{"slow", slow.URL, http.StatusGatewayTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.origin)
			cfg.Origin.Timeout = 300 * time.Millisecond
			g := startGateway(t, cfg, nil, nil)
			start := time.Now()
			resp, body := newShopper(t).get(g.URL + "/static/x")
			if took := time.Since(start); took > 1500*time.Millisecond {
				t.Errorf("took %s with a 300ms origin timeout", took)
			}
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
			if len(body) > 200 {
				t.Errorf("body of %d bytes", len(body))
			}
			for _, leak := range []string{"fasthttp", "dial", "127.0.0.1", "timeout", "refused", "too late"} {
				if strings.Contains(strings.ToLower(body), leak) {
					t.Errorf("body %q mentions %q", body, leak)
				}
			}
			if s := resp.Header.Get("Server"); s != "" {
				t.Errorf("Server: %q", s)
			}
		})
	}
}

// TestNoFasthttpServerHeader: nothing the gateway answers itself names
// fasthttp; the origin's own Server header passes through untouched.
func TestNoFasthttpServerHeader(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "shop/1.0")
		io.WriteString(w, "<p>origin page </p>")
	})
	cfg := closedRoomConfig(o.URL)
	cfg.Limits.PerClient = config.Rate{RPS: 1, Burst: 2} // the third case is one too many
	g := startGateway(t, cfg, nil, nil)

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := testConfig("http://" + ln.Addr().String())
	ln.Close()
	gd := startGateway(t, down, nil, nil)

	cases := []struct {
		name, url, req string
		code           int
		server         string
	}{
		{"origin", g.URL + "/about", "", 200, "shop/1.0"},
		{"waiting page", g.URL + "/ps5", "", 200, ""},
		{"too many", g.URL + "/ps5", "", 429, ""},
		{"status", gd.URL + "/.anteroom/status?room=shop", "", 200, ""},
		{"not found", gd.URL + "/.anteroom/nothing", "", 404, ""},
		{"bad gateway", gd.URL + "/static/x", "", 502, ""},
		{"malformed", gd.URL, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, ""},
		{"headers too large", gd.URL, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", 431, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var server []string
			if tc.req != "" {
				r := rawDo(t, hostOf(tc.url), tc.req)
				code, server = r.resp.StatusCode, r.header("Server")
			} else {
				resp, _ := newShopper(t).get(tc.url)
				code, server = resp.StatusCode, resp.Header.Values("Server")
			}
			if code != tc.code {
				t.Errorf("status %d, want %d", code, tc.code)
			}
			if got := strings.Join(server, ","); got != tc.server {
				t.Errorf("Server: got %q, want %q", got, tc.server)
			}
		})
	}
}

// TestOversizedRequestsNeverReachTheOrigin: a header block over 16 KiB is
// a 431 and a body over 8 MiB a 413, and the origin hears of neither;
// requests just under the limits pass.
func TestOversizedRequestsNeverReachTheOrigin(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	cases := []struct {
		name, req string
		code      int
	}{
		{"headers 12 KiB", "GET /static/x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 12<<10) + "\r\nConnection: close\r\n\r\n", 200},
		{"headers 17 KiB", "GET /static/x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 17<<10) + "\r\n\r\n", 431},
		{"many headers", "GET /static/x HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Many: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 300) + "\r\n", 431},
		{"body 9 MiB", "POST /static/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(9<<20) + "\r\n\r\n", 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := o.count()
			r := rawDo(t, hostOf(g.URL), tc.req)
			if r.resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", r.resp.StatusCode, tc.code)
			}
			want := 0
			if tc.code == 200 {
				want = 1
			}
			if got := o.count() - before; got != want {
				t.Errorf("origin asked %d times, want %d", got, want)
			}
		})
	}
}

// TestSlowClientIsCutOff: a client that sends part of a request and stalls
// is disconnected once the read timeout passes, and the origin never hears
// of it.
func TestSlowClientIsCutOff(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startProxy(t, testConfig(o.URL), func(g *Gateway) { g.server.ReadTimeout = 300 * time.Millisecond })
	cases := []struct{ name, partial string }{
		{"half a request line", "GET /stat"},
		{"headers unfinished", "GET /static/x HTTP/1.1\r\nHost: x\r\n"},
		{"body unfinished", "POST /static/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", hostOf(g.URL))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, tc.partial)
			start := time.Now()
			conn.SetReadDeadline(start.Add(5 * time.Second))
			got, err := io.ReadAll(conn) // until the gateway hangs up
			if err != nil {
				t.Fatalf("still connected after %s: %v", time.Since(start), err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("cut off after %s, read timeout 300ms", took)
			}
			if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 408")) {
				t.Errorf("got %q, want a 408 or nothing", got)
			}
			if o.count() != 0 {
				t.Errorf("origin asked %d times", o.count())
			}
		})
	}
}

// TestPathIsMatchedAsSent: the gateway matches the normalised path and
// sends the origin exactly that path, so "/ps5/../admin" is /admin on both
// sides, and escapes that mean something survive the trip.
func TestPathIsMatchedAsSent(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, closedRoomConfig(o.URL), nil, nil)
	cases := []struct {
		target string
		want   string // request target at the origin; "" means the room took it
	}{
		{"/ps5/../admin", "/admin"},
		{"/ps5/%2e%2e/admin", "/admin"},
		{"/x/../ps5", ""},
		{"/x/..%2Fps5", ""},
		{"//ps5", ""},
		{"/ps5/./static/a.css", "/ps5/static/a.css"},
		{"/a%20b?q=1%202&r=a+b", "/a%20b?q=1%202&r=a+b"},
		{"/a%2520b", "/a%2520b"},
		{"/a%3Fb?c=d", "/a%3Fb?c=d"},
		{"/caf%C3%A9", "/caf%C3%A9"},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			before := o.count()
			rawDo(t, hostOf(g.URL), "GET "+tc.target+" HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
			if tc.want == "" {
				if o.count() != before {
					t.Errorf("reached the origin as %q; the room should have taken it", requestTarget(o.lastHead()))
				}
				return
			}
			if o.count() == before {
				t.Fatal("did not reach the origin")
			}
			if got := requestTarget(o.lastHead()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func requestTarget(head string) string {
	parts := strings.SplitN(head, " ", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// TestAbsoluteFormCannotDodgeTheRoom is a regression test: a request line
// naming a host ("GET http://elsewhere/ps5") was matched to rooms by that
// host while the origin got the Host header, so a room with hosts could be
// walked around. The request line's host now decides both (RFC 9112
// §3.2.2).
func TestAbsoluteFormCannotDodgeTheRoom(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := closedRoomConfig(o.URL)
	cfg.Rooms[0].Hosts = []string{"shop.example.com"}
	g := startGateway(t, cfg, nil, nil)
	cases := []struct {
		target, host string
		originHost   string // "" when the room takes it
	}{
		{"http://elsewhere.example/ps5", "shop.example.com", "elsewhere.example"},
		{"http://shop.example.com/ps5", "elsewhere.example", ""},
		{"http://SHOP.example.com:8080/ps5", "elsewhere.example", ""},
		{"/ps5", "elsewhere.example", "elsewhere.example"},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			before := o.count()
			rawDo(t, hostOf(g.URL), "GET "+tc.target+" HTTP/1.1\r\nHost: "+tc.host+"\r\nConnection: close\r\n\r\n")
			if tc.originHost == "" {
				if o.count() != before {
					t.Errorf("reached the origin with Host %q; the room should have taken it", headerValues(o.lastHead(), "Host"))
				}
				return
			}
			if o.count() == before {
				t.Fatal("did not reach the origin")
			}
			head := o.lastHead()
			if got := headerValues(head, "Host"); len(got) != 1 || got[0] != tc.originHost {
				t.Errorf("Host: got %q, want %q", got, tc.originHost)
			}
			if got, want := requestTarget(head), "/ps5"; got != want {
				t.Errorf("request target: got %q, want %q", got, want)
			}
		})
	}
}

// TestHostWithTrailingDotIsTheSameHost is a regression test: "Host:
// shop.example.com." names the same site, and went around its room.
func TestHostWithTrailingDotIsTheSameHost(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := closedRoomConfig(o.URL)
	cfg.Rooms[0].Hosts = []string{"shop.example.com"}
	g := startGateway(t, cfg, nil, nil)
	for _, host := range []string{"shop.example.com.", "SHOP.example.com.:80", "shop.example.com"} {
		before := o.count()
		rawDo(t, hostOf(g.URL), "GET /ps5 HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
		if o.count() != before {
			t.Errorf("Host %q: reached the origin", host)
		}
	}
}

// TestClientRateLimit: past its burst a client gets 429 with Retry-After,
// and the origin is not asked.
func TestClientRateLimit(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Limits.PerClient = config.Rate{RPS: 1, Burst: 2}
	g := startGateway(t, cfg, nil, nil)
	s := newShopper(t)
	for i, want := range []int{200, 200, 429} {
		before := o.count()
		resp, _ := s.get(g.URL + "/static/x")
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
		if want != 429 {
			continue
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After %q, want whole seconds >= 1", resp.Header.Get("Retry-After"))
		}
		if o.count() != before {
			t.Error("the origin was asked")
		}
	}
	// The bucket refills on the gateway's clock.
	g.clock.Advance(time.Second)
	if resp, _ := s.get(g.URL + "/static/x"); resp.StatusCode != http.StatusOK {
		t.Errorf("after a second: status %d, want 200", resp.StatusCode)
	}
}

// TestOriginRateLimit: past limits.origin_rps, requests get 503 with
// Retry-After instead of reaching the origin.
func TestOriginRateLimit(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Limits.OriginRPS = 1 // burst max(1, rps/10) = 1
	g := startGateway(t, cfg, nil, nil)
	s := newShopper(t)
	if resp, _ := s.get(g.URL + "/static/x"); resp.StatusCode != http.StatusOK {
		t.Fatalf("first: status %d, want 200", resp.StatusCode)
	}
	before := o.count()
	resp, _ := s.get(g.URL + "/static/y")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second: status %d, want 503", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", resp.Header.Get("Retry-After"))
	}
	if o.count() != before {
		t.Error("the origin was asked")
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to files.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "anteroom test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile, pool
}

// TestSchemesOnEitherSide is a regression test: the request kept the
// scheme of the client's connection, and the origin pool refuses a request
// for a scheme not its own, so an HTTPS gateway in front of a plain origin,
// or a plain one in front of an HTTPS origin, answered every request 502.
func TestSchemesOnEitherSide(t *testing.T) {
	plain := newOrigin(t, nil)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<p>origin page %s</p>", r.URL.Path)
	}))
	t.Cleanup(secure.Close)
	originCAs := x509.NewCertPool()
	originCAs.AddCert(secure.Certificate())
	certFile, keyFile, gatewayCAs := selfSigned(t)

	for _, tc := range []struct {
		name              string
		origin            string
		gatewayTLS, proto string
	}{
		{"https gateway, http origin", plain.URL, "yes", "https"},
		{"http gateway, https origin", secure.URL, "", "http"},
		{"https both", secure.URL, "yes", "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.origin)
			if tc.gatewayTLS != "" {
				cfg.TLS = config.TLS{CertFile: certFile, KeyFile: keyFile}
			}
			g := startProxy(t, cfg, func(g *Gateway) {
				if g.origin.IsTLS {
					g.origin.TLSConfig = &tls.Config{RootCAs: originCAs}
				}
			})
			url := g.URL + "/static/x"
			client := &http.Client{Timeout: 5 * time.Second}
			if tc.gatewayTLS != "" {
				url = strings.Replace(url, "http://", "https://", 1)
				client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: gatewayCAs}}
			}
			resp, err := client.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got, want := string(body), "<p>origin page /static/x</p>"; got != want {
				t.Fatalf("status %d: got %q, want %q", resp.StatusCode, got, want)
			}
			if tc.origin == plain.URL {
				if got := plain.last().Header.Get("X-Forwarded-Proto"); got != tc.proto {
					t.Errorf("X-Forwarded-Proto: got %q, want %q", got, tc.proto)
				}
			}
		})
	}
}

// TestIdleConnectionClosedByOrigin is a regression test: when the origin
// closed pooled connections while they were idle (as Node.js does after
// 5s), the next request on one failed with a 502. Now the stale pool is
// dropped and a request that may be repeated is asked again; a POST is
// never sent twice.
func TestIdleConnectionClosedByOrigin(t *testing.T) {
	o := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond) // concurrent requests take a connection each
		io.WriteString(w, "ok")
	}))
	o.Config.IdleTimeout = 100 * time.Millisecond
	o.Start()
	t.Cleanup(o.Close)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	s := newShopper(t)
	for round := range 3 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if resp, err := timedClient.Get(g.URL + "/static/warm"); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		time.Sleep(300 * time.Millisecond) // the origin hangs up on all four meanwhile
		for _, method := range []string{"GET", "POST"} {
			req, _ := http.NewRequest(method, g.URL+"/static/x", strings.NewReader("order=1"))
			if resp, _ := s.do(req); resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d: %s: status %d, want 200", round+1, method, resp.StatusCode)
			}
		}
	}

	// An origin that reads each request and hangs up without a word: a GET
	// is tried twice, a POST once.
	hangUp := newRawOrigin(t, "")
	g2 := startGateway(t, testConfig(hangUp.URL), nil, nil)
	for _, tc := range []struct {
		method string
		tries  int
	}{{"GET", 2}, {"POST", 1}} {
		before := hangUp.count()
		req, _ := http.NewRequest(tc.method, g2.URL+"/static/x", strings.NewReader("order=1"))
		resp, _ := s.do(req)
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("%s: status %d, want 502", tc.method, resp.StatusCode)
		}
		if got := hangUp.count() - before; got != tc.tries {
			t.Errorf("%s: origin got it %d times, want %d", tc.method, got, tc.tries)
		}
	}
}

// TestRequestWithoutHost: with no host the rooms cannot be matched, and the
// origin would choose a site itself; the gateway refuses.
func TestRequestWithoutHost(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	for _, req := range []string{
		"GET /static/x HTTP/1.0\r\n\r\n",
		"GET /static/x HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n",
	} {
		r := rawDo(t, hostOf(g.URL), req)
		if r.resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", req, r.resp.StatusCode)
		}
	}
	if o.count() != 0 {
		t.Errorf("origin asked %d times", o.count())
	}
}

// BenchmarkForwardNoRoom is the whole handler on a request that matches no
// room, proxied to a fasthttp origin on loopback; the answer is written out
// as the server would.
func BenchmarkForwardNoRoom(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	origin := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/html; charset=utf-8")
		ctx.SetBodyString("<p>origin page</p>")
	}}
	go origin.Serve(ln)
	b.Cleanup(func() { origin.Shutdown() })

	cfg := testConfig("http://" + ln.Addr().String())
	cfg.Rooms[0].Paths = []string{"/ps5", "/ps5/*"}
	cfg.Limits.OriginRPS = 1e9
	cfg.Limits.PerClient.RPS, cfg.Limits.PerClient.Burst = 1e9, 1e9
	g, err := New(cfg, Options{
		Store:     memstore.New(),
		Secrets:   [][]byte{testSecret},
		Log:       slog.New(slog.DiscardHandler),
		TickEvery: time.Hour,
	})
	if err != nil {
		b.Fatal(err)
	}
	wireOriginDialer(g)

	var req fasthttp.Request
	raw := "GET /product/1234?colour=white HTTP/1.1\r\n" +
		"Host: shop.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-GB,en;q=0.9\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Cookie: shop_cart=abc123; theme=dark\r\n" +
		"Connection: keep-alive\r\n\r\n"
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		b.Fatal(err)
	}
	ctx := new(fasthttp.RequestCtx)
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 40000}, nil)
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		req.CopyTo(&ctx.Request)
		g.handle(ctx)
		if code := ctx.Response.StatusCode(); code != fasthttp.StatusOK {
			b.Fatalf("status %d: %s", code, ctx.Response.Body())
		}
		if err := ctx.Response.BodyWriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	ctx.Response.Reset()
}

func TestOriginErrorAnswers(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		code       int
		retryAfter string
	}{
		{"timeout", fasthttp.ErrTimeout, 504, ""},
		{"dial timeout", fasthttp.ErrDialTimeout, 504, ""},
		{"net timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, 504, ""},
		{"pool exhausted", fasthttp.ErrNoFreeConns, 503, "1"},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, 502, ""},
		{"closed", fasthttp.ErrConnectionClosed, 502, ""},
		{"nonsense", errors.New("cannot parse response status line"), 502, ""},
	}
	g := &Gateway{log: slog.New(slog.DiscardHandler)}
	g.tele, g.errors = newTelemetry(), newErrorLog(g.log)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			ctx.Response.Header.Set("X-From-Origin", "partial")
			g.originError(&ctx, nil, tc.err)
			if got := ctx.Response.StatusCode(); got != tc.code {
				t.Errorf("status: got %d, want %d", got, tc.code)
			}
			if got := string(ctx.Response.Header.Peek("Retry-After")); got != tc.retryAfter {
				t.Errorf("Retry-After: got %q, want %q", got, tc.retryAfter)
			}
			if v := ctx.Response.Header.Peek("X-From-Origin"); len(v) > 0 {
				t.Error("a header of the failed answer was kept")
			}
			if body := string(ctx.Response.Body()); strings.Contains(body, tc.err.Error()) {
				t.Errorf("body %q shows the error", body)
			}
		})
	}
}

// TestOriginConnectionsAreReused: the origin pool keeps connections alive
// across requests instead of dialling for each.
func TestOriginConnectionsAreReused(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	o := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	o.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	o.Start()
	t.Cleanup(o.Close)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	for i := range 20 {
		if resp, _ := newShopper(t).get(g.URL + "/static/x"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("20 requests one after another took %d origin connections, want 1", conns)
	}
}

// TestIdleAndSlowReadingClientsAreCutOff: a keep-alive connection left idle
// is closed after the idle timeout, and a client that stops reading a large
// answer is cut off by the write timeout rather than holding the gateway.
func TestIdleAndSlowReadingClientsAreCutOff(t *testing.T) {
	big := make([]byte, 64<<20)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/static/big" {
			w.Write(big)
			return
		}
		io.WriteString(w, "ok")
	})
	g := startProxy(t, testConfig(o.URL), func(g *Gateway) {
		g.server.IdleTimeout = 300 * time.Millisecond
		g.server.WriteTimeout = 300 * time.Millisecond
	})

	t.Run("idle", func(t *testing.T) {
		conn, err := net.Dial("tcp", hostOf(g.URL))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /static/x HTTP/1.1\r\nHost: shop\r\n\r\n")
		br := bufio.NewReader(conn)
		if r := readRaw(t, br, "GET"); r.resp.StatusCode != http.StatusOK || r.resp.Close {
			t.Fatalf("status %d, close %v: want a kept-alive 200", r.resp.StatusCode, r.resp.Close)
		}
		start := time.Now()
		conn.SetReadDeadline(start.Add(5 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("got %v, want the gateway to hang up", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("closed after %s, idle timeout 300ms", took)
		}
	})

	t.Run("not reading", func(t *testing.T) {
		conn, err := net.Dial("tcp", hostOf(g.URL))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /static/big HTTP/1.1\r\nHost: shop\r\n\r\n")
		time.Sleep(time.Second) // reads nothing while the write timeout passes
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.Copy(io.Discard, conn)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("still connected after %d bytes", n)
		}
		if n >= int64(len(big)) {
			t.Errorf("got all %d bytes; want the answer cut off", n)
		}
	})
}

// TestHeadPassesThrough: a HEAD gets the origin's headers, its length
// included, and no body.
func TestHeadPassesThrough(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1234")
		w.Header().Set("ETag", `"v1"`)
	})
	g := startGateway(t, testConfig(o.URL), nil, nil)
	r := rawDo(t, hostOf(g.URL), "HEAD /static/x HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	if got := o.last().Method; got != http.MethodHead {
		t.Errorf("origin got %q, want HEAD", got)
	}
	for name, want := range map[string]string{"Content-Length": "1234", "Etag": `"v1"`} {
		if got := strings.Join(r.header(name), ","); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if len(r.body) != 0 {
		t.Errorf("body of %d bytes", len(r.body))
	}
}
