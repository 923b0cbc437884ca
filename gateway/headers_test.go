package gateway

import (
	"bufio"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// requestHopHeaders are sent by the client in TestHopByHopHeadersStayOnTheirHop;
// none may reach the origin.
var requestHopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
	"Upgrade", "Proxy-Authorization", "X-Custom", "X-Second",
}

// TestHopByHopHeadersStayOnTheirHop: hop-by-hop headers, and the headers
// a Connection header names, are dropped in both directions; the rest pass.
func TestHopByHopHeadersStayOnTheirHop(t *testing.T) {
	reply := "HTTP/1.1 200 OK\r\n" +
		"Server: shop/1.0\r\n" +
		"Connection: X-Resp-Custom\r\n" +
		"Connection: keep-alive, X-Resp-Second\r\n" +
		"X-Resp-Custom: secret\r\n" +
		"X-Resp-Second: secret\r\n" +
		"Keep-Alive: timeout=5\r\n" +
		"Proxy-Connection: keep-alive\r\n" +
		"Proxy-Authenticate: Basic realm=x\r\n" +
		"Upgrade: h2c\r\n" +
		"Te: trailers\r\n" +
		"Trailer: X-Checksum\r\n" +
		"X-Resp-Kept: yes\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Length: 5\r\n\r\nhello"
	o := newRawOrigin(t, reply)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	req := "GET /static/x HTTP/1.1\r\n" +
		"Host: shop\r\n" +
		"Connection: X-Custom, close\r\n" +
		"Connection: X-Second\r\n" +
		"Keep-Alive: timeout=100\r\n" +
		"Proxy-Connection: keep-alive\r\n" +
		"TE: trailers\r\n" +
		"Trailer: X-Checksum\r\n" +
		"Upgrade: websocket\r\n" +
		"Proxy-Authorization: Basic c2VjcmV0\r\n" +
		"X-Custom: secret\r\n" +
		"X-Second: secret\r\n" +
		"X-Kept: yes\r\n\r\n"
	r := rawDo(t, hostOf(g.URL), req)
	if r.resp.StatusCode != 200 || string(r.body) != "hello" {
		t.Fatalf("got %d %q, want 200 %q", r.resp.StatusCode, r.body, "hello")
	}

	head := o.lastHead()
	for _, name := range requestHopHeaders {
		if vs := headerValues(head, name); len(vs) > 0 {
			t.Errorf("request header %s: %q reached the origin", name, vs)
		}
	}
	if got, want := strings.Join(headerValues(head, "X-Kept"), ","), "yes"; got != want {
		t.Errorf("X-Kept: got %q, want %q", got, want)
	}

	for _, name := range []string{"Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Upgrade", "Te", "Trailer", "X-Resp-Custom", "X-Resp-Second", "Transfer-Encoding"} {
		if vs := r.header(name); len(vs) > 0 {
			t.Errorf("response header %s: %q reached the client", name, vs)
		}
	}
	// The client asked to close: that, and only that, is the gateway's own
	// Connection header.
	if got, want := strings.Join(r.header("Connection"), ","), "close"; got != want {
		t.Errorf("Connection: got %q, want %q", got, want)
	}
	for name, want := range map[string]string{"X-Resp-Kept": "yes", "Server": "shop/1.0", "Content-Length": "5"} {
		if got := strings.Join(r.header(name), ","); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if n := len(r.header("Date")); n > 1 {
		t.Errorf("%d Date headers", n)
	}
}

// TestConnectionCloseInAListIsHonoured: "Connection: X-Custom, close"
// still closes the client's connection after the answer.
func TestConnectionCloseInAListIsHonoured(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, testConfig(o.URL), nil, nil)
	r := rawDo(t, hostOf(g.URL), "GET /static/x HTTP/1.1\r\nHost: shop\r\nConnection: X-Custom, close\r\n\r\n")
	if !r.resp.Close {
		t.Errorf("Connection %q: the gateway would keep the connection", r.header("Connection"))
	}
}

func TestStripRequestHop(t *testing.T) {
	var req fasthttp.Request
	raw := "GET / HTTP/1.1\r\nHost: x\r\n" +
		"Connection: X-A, close\r\n" +
		"Connection: x-b\r\n" +
		"X-A: 1\r\nX-B: 1\r\n" +
		"Keep-Alive: timeout=1\r\n" +
		"Proxy-Connection: keep-alive\r\n" +
		"TE: trailers\r\n" +
		"Upgrade: websocket\r\n" +
		"Proxy-Authorization: Basic x\r\n" +
		"X-C: kept\r\n\r\n"
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		t.Fatal(err)
	}
	var s hopScratch
	stripRequestHop(&req.Header, &s)
	var left []string
	for k := range req.Header.All() {
		left = append(left, string(k))
	}
	if got, want := strings.Join(left, ","), "Host,X-C"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if req.Header.ConnectionClose() {
		t.Error("the client's Connection: close would go to the origin")
	}
}

func TestStripResponseHop(t *testing.T) {
	var resp fasthttp.Response
	raw := "HTTP/1.1 200 OK\r\n" +
		"Connection: X-A\r\n" +
		"Connection: close, x-b\r\n" +
		"X-A: 1\r\nX-B: 1\r\n" +
		"Keep-Alive: timeout=1\r\n" +
		"Proxy-Authenticate: Basic\r\n" +
		"Upgrade: h2c\r\n" +
		"X-C: kept\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Length: 0\r\n\r\n"
	if err := resp.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		t.Fatal(err)
	}
	var s hopScratch
	stripResponseHop(&resp.Header, &s)
	var left []string
	for k := range resp.Header.All() {
		left = append(left, string(k))
	}
	if got, want := strings.Join(left, ","), "Content-Length,Content-Type,X-C"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if resp.Header.ConnectionClose() {
		t.Error("the origin's Connection: close would go to the client")
	}
}

func TestConnectionTokens(t *testing.T) {
	cases := []struct{ value, want string }{
		{"", ""},
		{"close", ""},
		{"keep-alive", ""},
		{"Keep-Alive, Upgrade", "Upgrade"},
		{" X-A ,, x-b,close ", "X-A,x-b"},
	}
	for _, tc := range cases {
		names, _ := connectionTokens(nil, nil, []byte(tc.value))
		var got []string
		for _, n := range names {
			got = append(got, string(n))
		}
		if g := strings.Join(got, ","); g != tc.want {
			t.Errorf("%q: got %q, want %q", tc.value, g, tc.want)
		}
	}
}

// BenchmarkStripHeaders rewrites a browser-like request the way forward
// does, minus the round trip.
func BenchmarkStripHeaders(b *testing.B) {
	var tmpl fasthttp.Request
	tmpl.Header.SetMethod("GET")
	tmpl.SetRequestURI("/product/ps5?colour=white")
	tmpl.Header.SetHost("shop.example.com")
	for _, kv := range [][2]string{
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"},
		{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"Accept-Language", "en-GB,en;q=0.9"},
		{"Accept-Encoding", "gzip, deflate, br"},
		{"Connection", "keep-alive"},
		{"Cookie", "shop_cart=abc123; anteroom_session_ps5=eyJhbGciOi.eyJzdWIiOi.sig; theme=dark"},
		{"X-Forwarded-For", "6.6.6.6"},
		{"Upgrade-Insecure-Requests", "1"},
	} {
		tmpl.Header.Add(kv[0], kv[1])
	}
	var req fasthttp.Request
	f := new(forwarded)
	b.ReportAllocs()
	for b.Loop() {
		tmpl.CopyTo(&req)
		stripRequestHop(&req.Header, &f.hop)
		f.cookie = stripOwnCookies(&req.Header, f.cookie)
	}
}
