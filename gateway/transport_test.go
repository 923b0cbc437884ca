package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// scriptedOrigin is an origin that reads each request's header block and
// then lets a script write whatever it likes on the connection — the
// answers no well-behaved server would give. n counts requests across all
// connections, from 1; the script returns false to hang up.
type scriptedOrigin struct {
	URL      string
	requests atomic.Int64
	conns    atomic.Int64
}

func newScriptedOrigin(t *testing.T, script func(c net.Conn, n int64) bool) *scriptedOrigin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &scriptedOrigin{URL: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			o.conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					c.SetDeadline(time.Now().Add(10 * time.Second))
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						if line == "\r\n" {
							break
						}
					}
					if !script(c, o.requests.Add(1)) {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		// The gateway's pool may still hold idle connections: end them.
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return o
}

// TestHostileOriginAnswers: whatever an origin sends, the shopper gets its
// answer exactly as framed, or a clear 502 or 504 — never bytes the origin
// sent outside its answer's framing, never a field of its trailer, and
// never an answer meant for another request.
func TestHostileOriginAnswers(t *testing.T) {
	const smuggled = "HTTP/1.1 200 OK\r\nX-Smuggled: yes\r\nContent-Length: 8\r\n\r\nsmuggled"
	cases := []struct {
		name   string
		answer string // written whole, after which the origin keeps the connection
		close  bool   // hang up after the answer
		code   int    // what the shopper gets
		body   string // when code is 200
	}{
		{"content-length longer than the body, then close",
			"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b", true, 502, ""},
		{"content-length shorter than the body",
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + smuggled, false, 200, "hello"},
		// More extra bytes than the gateway's read buffer holds: those
		// still on the connection would be the next request's answer, had
		// the connection been reused.
		{"content-length far shorter than the body",
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + strings.Repeat("x", 40<<10) + smuggled, false, 200, "hello"},
		{"content-length and chunked both",
			"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + smuggled, false, 200, "hello"},
		{"two different content-lengths",
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 13\r\n\r\nhello" + smuggled, false, 502, ""},
		{"negative content-length",
			"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello", false, 502, ""},
		{"chunked with a trailer",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Anteroom-Command, X-Evil\r\n\r\n" +
				"5\r\nhello\r\n0\r\nX-Anteroom-Command: revoke\r\nX-Evil: evil\r\n\r\n", false, 200, "hello"},
		// fasthttp refuses a header announcing a trailer field that may
		// not be one (Set-Cookie, Content-Length, Host, ...).
		{"a trailer announcing Set-Cookie",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Set-Cookie\r\n\r\n" +
				"5\r\nhello\r\n0\r\nSet-Cookie: anteroom_session_shop=evil\r\n\r\n", false, 502, ""},
		{"chunked, closed mid-chunk",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nnot a hundred bytes", true, 200, ""},
		{"a bad chunk size",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", false, 200, ""},
		{"a body on a 204",
			"HTTP/1.1 204 No Content\r\n\r\n" + smuggled, false, 204, ""},
		{"a body on a 304",
			"HTTP/1.1 304 Not Modified\r\nContent-Length: 8\r\n\r\n" + "smuggled", false, 304, ""},
		{"not HTTP",
			"SSH-2.0-OpenSSH_9.2\r\n\r\n", false, 502, ""},
		{"a bare LF in the header",
			"HTTP/1.1 200 OK\nX-A: 1\n\nhello", true, 502, ""},
		{"an interim 100 then the answer",
			"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200, "hello"},
		{"interim answers without end",
			strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", maxInterim+2), false, 502, ""},
		{"headers larger than the read buffer",
			"HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 40<<10) + "\r\nContent-Length: 5\r\n\r\nhello", false, 502, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newScriptedOrigin(t, func(c net.Conn, n int64) bool {
				if n == 1 {
					io.WriteString(c, tc.answer)
					return !tc.close
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
				return true
			})
			cfg := testConfig(o.URL)
			cfg.Origin.Timeout = 500 * time.Millisecond
			g := startProxy(t, cfg, nil)
			addr := hostOf(g.URL)

			resp, raw, body, err := rawAnswer(addr, "GET /static/a HTTP/1.1\r\nHost: shop\r\n\r\n")
			switch {
			case err != nil && tc.code == 200 && tc.body == "":
				// A streamed answer whose body breaks: the shopper's
				// answer is cut off, which the client sees.
			case err != nil:
				t.Fatalf("reading the answer: %v (so far %q)", err, raw)
			case resp.StatusCode != tc.code:
				t.Fatalf("status %d, want %d; answer %q", resp.StatusCode, tc.code, raw)
			case tc.code == 200 && tc.body == "":
				t.Fatalf("a broken body came through whole: %q", raw)
			case tc.code == 200 && string(body) != tc.body:
				t.Errorf("body %q, want %q", body, tc.body)
			case tc.code >= 500 && len(body) > 200:
				t.Errorf("error body of %d bytes", len(body))
			}
			for _, leak := range []string{"smuggled", "X-Smuggled", "evil", "X-Anteroom", "Early Hints", "OpenSSH", "Trailer"} {
				if strings.Contains(strings.ToLower(raw), strings.ToLower(leak)) {
					t.Errorf("the shopper saw %q: %q", leak, raw)
				}
			}

			// The next request is answered by the origin, for itself.
			_, raw2, body2, err := rawAnswer(addr, "GET /static/b HTTP/1.1\r\nHost: shop\r\n\r\n")
			if err != nil {
				t.Fatalf("second request: %v (so far %q)", err, raw2)
			}
			if string(body2) != "second" {
				t.Errorf("second answer %q, want the origin's second answer", raw2)
			}
			if got := o.requests.Load(); got != 2 {
				t.Errorf("origin asked %d times, want 2", got)
			}
		})
	}
}

// rawAnswer sends request on a new connection to addr and reads the answer
// as a client would: the parsed response, every byte read, and the body.
func rawAnswer(addr, request string) (*http.Response, string, []byte, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, "", nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		return nil, "", nil, err
	}
	var seen bytes.Buffer
	br := bufio.NewReader(io.TeeReader(conn, &seen))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, seen.String(), nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		// Read on briefly: anything after the answer would be the
		// origin's extra bytes reaching the shopper.
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		io.Copy(io.Discard, br)
	}
	return resp, seen.String(), body, err
}

// TestSlowOriginHeaders: an origin that sends its status line and then
// nothing more is cut off at origin.timeout with a 504, not waited on.
func TestSlowOriginHeaders(t *testing.T) {
	o := newScriptedOrigin(t, func(c net.Conn, n int64) bool {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
		time.Sleep(3 * time.Second)
		return false
	})
	cfg := testConfig(o.URL)
	cfg.Origin.Timeout = 300 * time.Millisecond
	g := startProxy(t, cfg, nil)
	start := time.Now()
	resp, raw, _, err := rawAnswer(hostOf(g.URL), "GET /static/a HTTP/1.1\r\nHost: shop\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("status %d, want 504: %q", resp.StatusCode, raw)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s with a 300ms origin timeout", took)
	}
}

// TestHugeOriginBodyIsStreamed: an answer that claims a terabyte streams to
// the shopper, bounded in memory, and when the origin stops the shopper's
// answer ends cut off; the connection is not reused.
func TestHugeOriginBodyIsStreamed(t *testing.T) {
	const sent = 8 << 20
	o := newScriptedOrigin(t, func(c net.Conn, n int64) bool {
		if n > 1 {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
			return true
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n")
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for i := 0; i < sent/len(chunk); i++ {
			if _, err := c.Write(chunk); err != nil {
				return false
			}
		}
		return false
	})
	g := startProxy(t, testConfig(o.URL), nil)
	resp, err := timedClient.Get(g.URL + "/static/huge")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ContentLength != 1<<40 {
		t.Fatalf("status %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil || n != sent {
		t.Errorf("got %d bytes, err %v: want %d bytes and a cut-off answer", n, err, sent)
	}
	_, _, body, err := rawAnswer(hostOf(g.URL), "GET /static/b HTTP/1.1\r\nHost: shop\r\n\r\n")
	if err != nil || string(body) != "second" {
		t.Errorf("second answer %q, err %v", body, err)
	}
	if c := o.conns.Load(); c != 2 {
		t.Errorf("origin saw %d connections, want 2: the cut-off one is not reused", c)
	}
}

// TestSmallAnswersReuseTheConnection: answers read whole give their
// connection back to the pool; no new connection per request.
func TestSmallAnswersReuseTheConnection(t *testing.T) {
	o := newScriptedOrigin(t, func(c net.Conn, n int64) bool {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		return true
	})
	g := startProxy(t, testConfig(o.URL), nil)
	for i := 0; i < 20; i++ {
		if _, _, body, err := rawAnswer(hostOf(g.URL), "GET /static/a HTTP/1.1\r\nHost: shop\r\n\r\n"); err != nil || string(body) != "hello" {
			t.Fatalf("answer %d: %q, %v", i, body, err)
		}
	}
	if c := o.conns.Load(); c != 1 {
		t.Errorf("origin saw %d connections for 20 sequential requests, want 1", c)
	}
}

// TestAdmittedRequestDoesNotAllocate checks the claim BENCHMARKS.md makes:
// an admitted shopper's request, with the origin's small answer read
// whole, allocates nothing in the gateway (the in-memory origin's own
// allocations included).
func TestAdmittedRequestDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	g, req := admittedRequest(t)
	var ctx fasthttp.RequestCtx
	ctx.Init(req, benchAddr, nil)
	serve := func() {
		serveOnce(g, &ctx, req)
		if ctx.Response.StatusCode() != 200 || string(ctx.Response.Body()) != "<p>origin page</p>" {
			t.Fatalf("got %d %q", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	serve() // fill the pools
	if allocs := testing.AllocsPerRun(500, serve); allocs > 0 {
		t.Errorf("an admitted request allocates %v times, want 0", allocs)
	}
}

// BenchmarkOriginAnswer is the round trip alone, for answers of each kind:
// read whole (small, with a length), and streamed (large, or chunked). The
// origin is a fasthttp server on an in-memory listener.
func BenchmarkOriginAnswer(b *testing.B) {
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool
	}{
		{"whole/1KiB", 1 << 10, false},
		{"streamed/256KiB", 256 << 10, false},
		{"streamed/chunked-1KiB", 1 << 10, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			body := bytes.Repeat([]byte("x"), tc.size)
			ln := fasthttputil.NewInmemoryListener()
			origin := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
				if tc.chunked {
					ctx.SetBodyStream(bytes.NewReader(body), -1)
					return
				}
				ctx.SetBody(body)
			}}
			go origin.Serve(ln)
			b.Cleanup(func() { origin.Shutdown(); ln.Close() })
			hc, err := newOriginClient(testConfig("http://origin.test").Origin)
			if err != nil {
				b.Fatal(err)
			}
			hc.Dial = func(string) (net.Conn, error) { return ln.Dial() }
			var req fasthttp.Request
			req.SetRequestURI("http://origin.test/x")
			var resp fasthttp.Response
			b.SetBytes(int64(tc.size))
			b.ReportAllocs()
			for b.Loop() {
				if err := roundTripOrigin(hc, &req, &resp, time.Now().Add(time.Second), time.Second); err != nil {
					b.Fatal(err)
				}
				if err := resp.BodyWriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
				resp.Reset() // ends a stream: the connection goes back
			}
		})
	}
}
