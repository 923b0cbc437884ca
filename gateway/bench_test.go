package gateway

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/redisstore"
	"github.com/anteroom/anteroom/token"
)

// benchGateway is a gateway whose origin is a fasthttp server on an
// in-memory listener, driven by calling its handler directly, so the
// benchmarks measure the gateway's own work.
func benchGateway(b *testing.B, maxActive int) *Gateway {
	b.Helper()
	return benchGatewayOn(b, maxActive, memstore.New())
}

// benchStores runs a benchmark on the memory store and on a real Redis:
// the hot paths must not touch the store, so the two should match.
func benchStores(b *testing.B, run func(b *testing.B, store queue.Store)) {
	b.Run("store=memory", func(b *testing.B) { run(b, memstore.New()) })
	b.Run("store=redis", func(b *testing.B) {
		s, err := redisstore.New(context.Background(), redisstore.Options{Addrs: []string{redistest.Start(b).Addr}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		run(b, s)
	})
}

func benchGatewayOn(b testing.TB, maxActive int, store queue.Store) *Gateway {
	b.Helper()
	ln := fasthttputil.NewInmemoryListener()
	origin := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/html")
		ctx.SetBodyString("<p>origin page</p>")
	}}
	go origin.Serve(ln)
	b.Cleanup(func() { origin.Shutdown(); ln.Close() })

	cfg := testConfig("http://origin.test")
	cfg.Limits.PerClient.RPS, cfg.Limits.PerClient.Burst = 1e9, 1e9
	cfg.Limits.OriginRPS = 1e9
	cfg.Rooms[0].MaxActiveUsers = maxActive
	cfg.Rooms[0].NewUsersPerMinute = 1_000_000
	cfg.Rooms[0].Burst = 1_000_000
	g, err := New(cfg, Options{
		Store:     store,
		Secrets:   [][]byte{testSecret},
		Log:       slog.New(slog.DiscardHandler),
		TickEvery: time.Hour,
	})
	if err != nil {
		b.Fatal(err)
	}
	g.origin.Dial = func(string) (net.Conn, error) { return ln.Dial() }
	g.Tick(context.Background())
	return g
}

var benchAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

// serveOnce runs one request through the gateway's handler.
func serveOnce(g *Gateway, ctx *fasthttp.RequestCtx, req *fasthttp.Request) {
	ctx.Request.Reset()
	ctx.Response.Reset()
	req.CopyTo(&ctx.Request)
	g.handle(ctx)
}

// admittedRequestOn is a gateway on store and an admitted shopper's
// request to it, read from the wire as the server reads it: fasthttp keeps
// the Cookie header raw until someone asks it to parse the cookies.
func admittedRequestOn(tb testing.TB, store queue.Store) (*Gateway, *fasthttp.Request) {
	tb.Helper()
	g := benchGatewayOn(tb, 1000, store)
	now := time.Now()
	tok, err := g.keys.Load().ring.SignSession(token.Session{Room: "shop", ID: "0123456789abcdef0123456789abcdef", IssuedAt: now, Expires: now.Add(time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	req := new(fasthttp.Request)
	raw := "GET /item HTTP/1.1\r\nHost: shop.test\r\nCookie: lang=en; anteroom_session_shop=" + tok + "\r\n\r\n"
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		tb.Fatal(err)
	}
	return g, req
}

func admittedRequest(tb testing.TB) (*Gateway, *fasthttp.Request) {
	return admittedRequestOn(tb, memstore.New())
}

// BenchmarkSessionCheck is the admitted shopper's request: cookie found,
// session verified (from the cache), proxied to the origin, whose small
// answer is read whole (transport.go).
func BenchmarkSessionCheck(b *testing.B) {
	benchStores(b, func(b *testing.B, store queue.Store) {
		g, req := admittedRequestOn(b, store)
		var ctx fasthttp.RequestCtx
		ctx.Init(req, benchAddr, nil)
		b.ReportAllocs()
		for b.Loop() {
			serveOnce(g, &ctx, req)
			if ctx.Response.StatusCode() != 200 || string(ctx.Response.Body()) != "<p>origin page</p>" {
				b.Fatalf("got %d %q", ctx.Response.StatusCode(), ctx.Response.Body())
			}
		}
	})
}

// BenchmarkTicketIssue is a newcomer at a full room: a ticket is joined,
// signed and set, and the waiting page rendered.
func BenchmarkTicketIssue(b *testing.B) {
	g := benchGateway(b, 1)
	var req fasthttp.Request
	req.SetRequestURI("http://shop.test/item")
	req.Header.SetHost("shop.test")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, benchAddr, nil)
	serveOnce(g, &ctx, &req) // takes the only slot
	b.ReportAllocs()
	for b.Loop() {
		serveOnce(g, &ctx, &req)
		if len(ctx.Response.Header.PeekCookie("anteroom_ticket_shop")) == 0 {
			b.Fatal("no ticket issued")
		}
	}
}

// BenchmarkTicketIssueJSON is the same for an app asking for JSON.
func BenchmarkTicketIssueJSON(b *testing.B) {
	g := benchGateway(b, 1)
	var req fasthttp.Request
	req.SetRequestURI("http://shop.test/item")
	req.Header.SetHost("shop.test")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, benchAddr, nil)
	serveOnce(g, &ctx, &req)
	req.Header.Set("Accept", "application/json")
	b.ReportAllocs()
	for b.Loop() {
		serveOnce(g, &ctx, &req)
	}
}

// BenchmarkStatusAnswer is a waiting shopper's poll of /.anteroom/status.
func BenchmarkStatusAnswer(b *testing.B) {
	benchStores(b, func(b *testing.B, store queue.Store) {
		g := benchGatewayOn(b, 1, store)
		var req fasthttp.Request
		req.SetRequestURI("http://shop.test/item")
		req.Header.SetHost("shop.test")
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, benchAddr, nil)
		serveOnce(g, &ctx, &req)
		serveOnce(g, &ctx, &req) // the second shopper waits
		ticket := ctx.Response.Header.PeekCookie("anteroom_ticket_shop")
		var c fasthttp.Cookie
		if err := c.ParseBytes(ticket); err != nil {
			b.Fatal(err)
		}
		// From the wire, as the server reads it (see BenchmarkSessionCheck).
		raw := "GET /.anteroom/status?room=shop&return=%2Fitem HTTP/1.1\r\nHost: shop.test\r\nAccept: application/json\r\nCookie: anteroom_ticket_shop=" + string(c.Value()) + "\r\n\r\n"
		req.Reset()
		if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			serveOnce(g, &ctx, &req)
			if ctx.Response.StatusCode() != 200 {
				b.Fatalf("got %d %q", ctx.Response.StatusCode(), ctx.Response.Body())
			}
		}
	})
}
