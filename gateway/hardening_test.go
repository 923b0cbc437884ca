package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue/memstore"
)

// The hardening suite: every attack an outside review tried (issue 8),
// sent as raw bytes over a socket to a real gateway in front of an origin
// that records each request's header block exactly as it arrived. Each
// test asserts both what the origin received and what the client got.

// hardenedConfig is a room on /ps5 and /checkout with stock, its purchase
// path /checkout/submit, and a bypass for /static.
func hardenedConfig(originURL string) *config.Config {
	cfg := testConfig(originURL)
	cfg.Rooms[0].Paths = []string{"/ps5", "/ps5/*", "/checkout/*"}
	cfg.Rooms[0].Bypass = []string{"/static/*"}
	cfg.Rooms[0].Inventory.Stock = 100
	cfg.Rooms[0].Inventory.PurchasePaths = []string{"/checkout/submit"}
	return cfg
}

// sessionCookie is admitted into the gateway's only room and returns the
// "name=value" of its session cookie.
func sessionCookie(t *testing.T, g *testGateway) string {
	t.Helper()
	s := newShopper(t)
	resp, _ := s.get(g.URL + "/ps5")
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "anteroom_session_") && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("not admitted: status %d, cookies %v", resp.StatusCode, resp.Cookies())
	return ""
}

// smuggled are headers a client may never decide, each with the value
// "evil" (or an address no one has, or an order to anteroom). fasthttp
// itself refuses X-Forwarded-* and X-Real-Ip in a trailer section.
var smuggled = []string{
	"X-Anteroom-Room: evil",
	"X-Anteroom-Session: evil",
	"X-Anteroom-Purchase-Token: evil",
	"X-Anteroom-Command: revoke",
	"X-Anteroom-Debug: evil",
	"Forwarded: for=6.6.6.6;host=evil",
	"X-Shop-Custom: evil",
}

// assertClean fails if head, a header block the origin received, has a
// header field the client smuggled: a Forwarded header, an X-Anteroom-* or
// X-Forwarded-* one not of the gateway's making, or any field whose value
// is "evil".
func assertClean(t *testing.T, head string) {
	t.Helper()
	if head == "" {
		t.Fatal("the origin was not asked")
	}
	for _, line := range strings.Split(head, "\r\n")[1:] {
		k, v, _ := strings.Cut(line, ":")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case k == "forwarded", k == "x-real-ip", k == "x-anteroom-command", k == "x-anteroom-debug",
			v == "evil", strings.Contains(v, "6.6.6.6"),
			strings.HasPrefix(k, "x-anteroom-") && strings.Contains(v, "evil"):
			t.Errorf("smuggled header %q reached the origin:\n%s", line, head)
		}
	}
}

// Regression (issue 8, item 2): trailer fields of a chunked request reached
// the origin as ordinary headers. Every one is dropped now, announced by a
// Trailer header or not, on a bypassed path and for an admitted shopper.
func TestTrailersCannotSmuggleHeaders(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := hardenedConfig(o.URL)
	cfg.TrustedProxies = []string{"127.0.0.1"}
	g := startGateway(t, cfg, nil, nil)
	session := sessionCookie(t, g)
	trailer := strings.Join(smuggled, "\r\n") + "\r\n"
	names := make([]string, len(smuggled))
	for i, h := range smuggled {
		names[i], _, _ = strings.Cut(h, ":")
	}
	cases := []struct{ name, req string }{
		{"announced, bypassed path", "POST /static/x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\nTrailer: " + strings.Join(names, ", ") + "\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n" + trailer + "\r\n"},
		{"unannounced, bypassed path", "POST /static/x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n" + trailer + "\r\n"},
		{"admitted shopper", "POST /ps5/cart HTTP/1.1\r\nHost: shop\r\nCookie: " + session + "\r\nTransfer-Encoding: chunked\r\nTrailer: " + strings.Join(names, ", ") + "\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n" + trailer + "\r\n"},
		{"admitted shopper buying", "POST /checkout/submit HTTP/1.1\r\nHost: shop\r\nCookie: " + session + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n" + trailer + "\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := o.count()
			r := rawDo(t, hostOf(g.URL), tc.req)
			if r.resp.StatusCode != http.StatusOK || o.count() != before+1 {
				t.Fatalf("status %d, origin asked %d times; want 200 and once", r.resp.StatusCode, o.count()-before)
			}
			head := o.lastHead()
			assertClean(t, head)
			if got := headerValues(head, "Trailer"); len(got) > 0 {
				t.Errorf("origin got Trailer %q", got)
			}
			if strings.Contains(tc.name, "admitted") {
				if got := headerValues(head, "X-Anteroom-Session"); len(got) != 1 || len(got[0]) != 32 {
					t.Errorf("origin got X-Anteroom-Session %q, want the gateway's one session id", got)
				}
			}
			if got := headerValues(head, "X-Forwarded-For"); len(got) != 1 || got[0] != "127.0.0.1" {
				t.Errorf("origin got X-Forwarded-For %q, want [127.0.0.1]", got)
			}
		})
	}
	if strings.Contains(g.logs.String(), "revoking") {
		t.Error("a revoke smuggled in a trailer was obeyed")
	}
	// The trailers fasthttp refuses outright never reach the origin either.
	for _, h := range []string{"X-Forwarded-For: 6.6.6.6", "X-Forwarded-Host: evil", "X-Real-Ip: 6.6.6.6"} {
		before := o.count()
		r := rawDo(t, hostOf(g.URL), "POST /static/x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"+h+"\r\n\r\n")
		if r.resp.StatusCode != http.StatusBadRequest || o.count() != before {
			t.Errorf("trailer %s: status %d, origin asked %d times; want 400 and never", h, r.resp.StatusCode, o.count()-before)
		}
	}
}

// Regression (issue 8, item 5): spellings of a room's path that origins
// such as Spring, Tomcat, IIS and Rails route to the room's handler reached
// the origin without a ticket. The room here has not opened, so a request
// it takes gets the waiting page and never reaches the origin.
func TestPathSpellingsCannotSkipTheRoom(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := closedRoomConfig(o.URL)
	cfg.Rooms[0].CaseInsensitive = true
	g := startGateway(t, cfg, nil, nil)
	for _, path := range []string{
		"/ps5", "/PS5", "/Ps5/x", "/ps5;jsessionid=1", "/ps5/", "//ps5", "/ps%35", "/%70s5/x",
		"/x/../ps5", "/x/%2e%2e/ps5", "/x%2F..%2Fps5", `/x\..\ps5`, "/ps5/static;x/app.js",
		"/ps5/static/..;/buy", "/ps5/favicon.ico/", "/ps5;a/static/x", "/PS5/STATIC/..;/x",
	} {
		t.Run(path, func(t *testing.T) {
			before := o.count()
			r := rawDo(t, hostOf(g.URL), "GET "+path+" HTTP/1.1\r\nHost: shop\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
			if o.count() != before {
				t.Fatalf("reached the origin as %q", requestTarget(o.lastHead()))
			}
			if r.resp.StatusCode != http.StatusOK || !strings.Contains(string(r.body), "<main") {
				t.Errorf("status %d, want the waiting page", r.resp.StatusCode)
			}
		})
	}
	// What the room bypasses still passes, and only in spellings that mean
	// the same to every origin.
	for _, path := range []string{"/ps5/static/app.js", "/ps5/static/app.js;v=2", "/ps5/STATIC/app.js", "/ps5//static/./app.js"} {
		before := o.count()
		r := rawDo(t, hostOf(g.URL), "GET "+path+" HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
		if r.resp.StatusCode != http.StatusOK || o.count() != before+1 {
			t.Errorf("%s: status %d, origin asked %d times; want the bypass", path, r.resp.StatusCode, o.count()-before)
		}
	}
}

// Regression (issue 8, item 5): purchase-path spellings reached the origin
// with a session but no hold. Each takes a hold now (the origin gets a
// purchase token), and the origin is asked for the canonical path.
func TestPathSpellingsCannotSkipTheHold(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := hardenedConfig(o.URL)
	cfg.Rooms[0].CaseInsensitive = true
	cfg.Rooms[0].MaxActiveUsers = 100
	g := startGateway(t, cfg, nil, nil)
	cases := map[string]string{
		"/checkout/submit":              "/checkout/submit",
		"/checkout/submit/":             "/checkout/submit/",
		"/checkout/submit;x":            "/checkout/submit;x",
		"/CHECKOUT/submit":              "/CHECKOUT/submit",
		"/checkout%2Fsubmit":            "/checkout/submit",
		"/checkout//submit":             "/checkout/submit",
		"/checkout/x/../submit":         "/checkout/submit",
		"/checkout/%73ubmit":            "/checkout/submit",
		"/checkout/..;/checkout/submit": "/checkout/..;/checkout/submit",
		"/checkout/submit?x=1":          "/checkout/submit?x=1",
	}
	for path, sent := range cases {
		t.Run(path, func(t *testing.T) {
			session := sessionCookie(t, g) // one unit per session (inventory.per_session)
			before := o.count()
			r := rawDo(t, hostOf(g.URL), "POST "+path+" HTTP/1.1\r\nHost: shop\r\nCookie: "+session+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			if r.resp.StatusCode != http.StatusOK || o.count() != before+1 {
				t.Fatalf("status %d, origin asked %d times; want 200 and once", r.resp.StatusCode, o.count()-before)
			}
			head := o.lastHead()
			if got := headerValues(head, "X-Anteroom-Purchase-Token"); len(got) != 1 {
				t.Errorf("origin got no purchase token: no hold was taken")
			}
			if got := requestTarget(head); got != sent {
				t.Errorf("origin was asked for %q, want %q", got, sent)
			}
			// Nor does a second spelling buy a second unit.
			for other := range cases {
				if other == path {
					continue
				}
				r := rawDo(t, hostOf(g.URL), "POST "+other+" HTTP/1.1\r\nHost: shop\r\nCookie: "+session+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
				if r.resp.StatusCode != http.StatusConflict {
					t.Errorf("then %s: status %d, want 409 (one unit per session)", other, r.resp.StatusCode)
				}
				break
			}
			if o.count() != before+1 {
				t.Errorf("origin asked %d times, want once", o.count()-before)
			}
		})
	}
}

// Regression (issue 8, item 3): a room whose hosts named a port never
// matched. Ports are refused in hosts now; a request with any port, case
// or trailing dot matches the host.
func TestHostInAnySpellingMatchesTheRoom(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := closedRoomConfig(o.URL)
	cfg.Rooms[0].Hosts = []string{"Shop.Example.com."}
	g := startGateway(t, cfg, nil, nil)
	for _, host := range []string{"shop.example.com", "shop.example.com:8080", "SHOP.EXAMPLE.COM.", "shop.example.com.:443"} {
		before := o.count()
		r := rawDo(t, hostOf(g.URL), "GET /ps5 HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
		if o.count() != before || r.resp.StatusCode != http.StatusOK {
			t.Errorf("Host %s: status %d, origin asked %d times; want the waiting page", host, r.resp.StatusCode, o.count()-before)
		}
	}
	// An absolute request line names the host, whatever Host says.
	before := o.count()
	rawDo(t, hostOf(g.URL), "GET http://shop.example.com:8080//ps5 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n")
	if o.count() != before {
		t.Errorf("absolute-form request skipped the room: origin got %q", o.lastHead())
	}
	bad := *cfg
	bad.Rooms = append([]config.Room(nil), cfg.Rooms...)
	bad.Rooms[0].Hosts = []string{"shop.example.com:8080"}
	if problems := bad.Validate(); len(problems) == 0 {
		t.Error("a host with a port validated")
	}
}

// Regression (issue 8, item 4): with on_failure: open and the store down,
// a purchase path was forwarded with no hold and no token.
func TestStoreDownNeverForwardsAPurchase(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := hardenedConfig(o.URL)
	cfg.Store.OnFailure = config.OnFailureOpen
	store := &flakyStore{Store: memstore.New()}
	g := startGateway(t, cfg, store, nil)
	// Fill the room so that a newcomer would have to join the line.
	cfg.Rooms[0].MaxActiveUsers = 10
	for range 10 {
		sessionCookie(t, g)
	}
	store.down.Store(true)
	g.Tick(context.Background())
	before := o.count()
	r := rawDo(t, hostOf(g.URL), "POST /checkout/submit HTTP/1.1\r\nHost: shop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	if r.resp.StatusCode != http.StatusServiceUnavailable || len(r.header("Retry-After")) != 1 {
		t.Errorf("status %d, Retry-After %q; want 503 with Retry-After", r.resp.StatusCode, r.header("Retry-After"))
	}
	if o.count() != before {
		t.Errorf("a purchase without a hold reached the origin: %q", o.lastHead())
	}
	// Other pages still go through, as on_failure: open says.
	r = rawDo(t, hostOf(g.URL), "GET /ps5 HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	if r.resp.StatusCode != http.StatusOK || o.count() != before+1 {
		t.Errorf("status %d: on_failure: open did not let a page through", r.resp.StatusCode)
	}
}

// Regression (issue 8, item 8): the origin's X-Anteroom-* answer headers
// reached shoppers; none does now, in any case, with or without a room.
func TestOriginAnteroomHeadersNeverReachShoppers(t *testing.T) {
	reply := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Anteroom-Purchase-Token: secret\r\nX-Anteroom-Session: secret\r\nX-Anteroom-Debug: secret\r\nx-anteroom-room: secret\r\nX-ANTEROOM-CUSTOM: secret\r\nX-Anteroom-Purchase: keep\r\nX-Other: fine\r\n\r\nok"
	o := newRawOrigin(t, reply)
	g := startGateway(t, hardenedConfig(o.URL), nil, nil)
	session := sessionCookie(t, g)
	for _, req := range []string{
		"GET /static/x HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
		"GET /elsewhere HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
		"GET /ps5 HTTP/1.1\r\nHost: shop\r\nCookie: " + session + "\r\nConnection: close\r\n\r\n",
		"POST /checkout/submit HTTP/1.1\r\nHost: shop\r\nCookie: " + session + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	} {
		r := rawDo(t, hostOf(g.URL), req)
		if strings.Contains(strings.ToLower(r.head), "x-anteroom") || strings.Contains(r.head, "secret") {
			t.Errorf("%s: the shopper got\n%s", strings.SplitN(req, "\r\n", 2)[0], r.head)
		}
		if got := r.header("X-Other"); len(got) != 1 {
			t.Errorf("the origin's own header went missing: %q", got)
		}
	}
}

// Regression (issue 8, item 9): POST /.anteroom/leave had no cross-site
// check, so any site could make a shopper's browser give up their place.
func TestLeaveRefusesCrossSiteRequests(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, hardenedConfig(o.URL), nil, nil)
	host := hostOf(g.URL)
	cases := []struct {
		name, headers string
		code          int
	}{
		{"cross-site", "Sec-Fetch-Site: cross-site\r\n", http.StatusForbidden},
		{"same-site", "Sec-Fetch-Site: same-site\r\n", http.StatusForbidden},
		{"other origin", "Origin: http://evil.example\r\n", http.StatusForbidden},
		{"null origin", "Origin: null\r\n", http.StatusForbidden},
		{"https origin for http", "Origin: https://" + host + "\r\n", http.StatusForbidden},
		{"origin with other port", "Origin: http://127.0.0.1:1\r\n", http.StatusForbidden},
		{"same origin", "Sec-Fetch-Site: same-origin\r\nOrigin: http://" + host + "\r\n", http.StatusOK},
		{"no browser headers", "", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			session := sessionCookie(t, g)
			shop := func() string {
				rawDo(t, host, "GET /ps5 HTTP/1.1\r\nHost: shop\r\nCookie: "+session+"\r\nConnection: close\r\n\r\n")
				return strings.Join(headerValues(o.lastHead(), "X-Anteroom-Session"), ",")
			}
			sid := shop()
			r := rawDo(t, host, "POST /.anteroom/leave?room=shop HTTP/1.1\r\nHost: "+host+"\r\nCookie: "+session+"\r\n"+tc.headers+"Content-Length: 0\r\nConnection: close\r\n\r\n")
			if r.resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", r.resp.StatusCode, tc.code)
			}
			// The session goes on unless the leave was accepted.
			if stillIn := shop() == sid; stillIn != (tc.code != http.StatusOK) {
				t.Errorf("session still admitted: %v, want %v", stillIn, tc.code != http.StatusOK)
			}
		})
	}
}

// Regression (issue 8, item 10): only the first Cookie header was read, so
// a session in a second one was queued again.
func TestSessionInAnyCookieHeader(t *testing.T) {
	o := newRawOrigin(t, okReply)
	cfg := hardenedConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)
	session := sessionCookie(t, g) // the room is full from now on
	for _, cookies := range []string{
		"Cookie: shop=1\r\nCookie: " + session + "\r\n",
		"Cookie: a=1; b=2\r\nCookie: c=3\r\nCookie: x=y; " + session + "\r\n",
		"Cookie: " + strings.Replace(session, "=", "=bogus", 1) + "; " + session + "\r\n",
	} {
		before := o.count()
		r := rawDo(t, hostOf(g.URL), "GET /ps5 HTTP/1.1\r\nHost: shop\r\n"+cookies+"Connection: close\r\n\r\n")
		if r.resp.StatusCode != http.StatusOK || o.count() != before+1 {
			t.Errorf("%q: status %d, origin asked %d times; want the shop", cookies, r.resp.StatusCode, o.count()-before)
			continue
		}
		if strings.Contains(o.lastHead(), "anteroom_") {
			t.Errorf("anteroom's cookies reached the origin: %q", headerValues(o.lastHead(), "Cookie"))
		}
	}
	// A thousand bogus copies buy no more than a few signature checks, and
	// a real one behind them is not looked for.
	bogus := strings.Repeat(strings.Replace(session, "=", "=x", 1)+"; ", 500)
	before := o.count()
	rawDo(t, hostOf(g.URL), "GET /ps5 HTTP/1.1\r\nHost: shop\r\nCookie: "+bogus+session+"\r\nConnection: close\r\n\r\n")
	if o.count() != before {
		t.Error("a session behind 500 bogus copies was looked for")
	}
}

// Regression (issue 8, item 11): CONNECT and "OPTIONS *" were rewritten and
// forwarded.
func TestConnectAndOptionsStarStayHere(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, hardenedConfig(o.URL), nil, nil)
	r := rawDo(t, hostOf(g.URL), "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n")
	if r.resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("CONNECT: status %d, want 405", r.resp.StatusCode)
	}
	r = rawDo(t, hostOf(g.URL), "OPTIONS * HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	if r.resp.StatusCode != http.StatusNoContent || len(r.header("Allow")) != 1 {
		t.Errorf("OPTIONS *: status %d, Allow %q; want 204 with Allow", r.resp.StatusCode, r.header("Allow"))
	}
	if o.count() != 0 {
		t.Errorf("the origin was asked: %q", o.lastHead())
	}
	// OPTIONS on a path is the shop's to answer.
	rawDo(t, hostOf(g.URL), "OPTIONS /static/x HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	if o.count() != 1 {
		t.Error("OPTIONS /static/x did not reach the origin")
	}
}

// Regression (issue 8, item 18): the gateway's 502/503/504 were plain text
// to browsers. A browser gets a page in the waiting page's look, an API
// client JSON, anything else text.
func TestGatewayErrorsSpeakTheClientsLanguage(t *testing.T) {
	o := newRawOrigin(t, "") // hangs up: 502
	g := startGateway(t, hardenedConfig(o.URL), nil, nil)
	cases := []struct{ accept, ctype, has string }{
		{"text/html,application/xhtml+xml,*/*;q=0.8", "text/html", "<h1>The shop can&#39;t be reached</h1>"},
		{"application/json", "application/json", `{"error":"The shop cannot be reached right now. Please try again shortly.","code":"shop_unreachable"}`},
		{"*/*", "text/plain", "The shop cannot be reached"},
	}
	for _, tc := range cases {
		r := rawDo(t, hostOf(g.URL), "GET /static/x HTTP/1.1\r\nHost: shop\r\nAccept: "+tc.accept+"\r\nConnection: close\r\n\r\n")
		if r.resp.StatusCode != http.StatusBadGateway {
			t.Errorf("Accept %s: status %d, want 502", tc.accept, r.resp.StatusCode)
		}
		if ct := r.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) || !strings.Contains(string(r.body), tc.has) {
			t.Errorf("Accept %s: %s %q, want %s with %q", tc.accept, ct, r.body, tc.ctype, tc.has)
		}
	}
	r := rawDo(t, hostOf(g.URL), "GET /static/x?a=%22%3E%3Cscript%3E HTTP/1.1\r\nHost: shop\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
	if !strings.Contains(string(r.body), `href="/static/x?a=%22%3E%3Cscript%3E"`) || strings.Contains(string(r.body), "<script>") {
		t.Errorf("the try-again link is not the request, escaped: %s", r.body)
	}
	if csp := r.resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("error page without the page's CSP: %q", csp)
	}
}

// The smuggling shapes of the review, kept in this suite: a request whose
// framing is ambiguous is refused, never passed on for the origin to read
// its own way.
func TestAmbiguousFramingIsRefused(t *testing.T) {
	o := newRawOrigin(t, okReply)
	g := startGateway(t, hardenedConfig(o.URL), nil, nil)
	for name, req := range map[string]string{
		"CL and TE":          "POST /static/x HTTP/1.1\r\nHost: shop\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /ps5 HTTP/1.1\r\nHost: shop\r\n\r\n",
		"two CLs":            "POST /static/x HTTP/1.1\r\nHost: shop\r\nContent-Length: 0\r\nContent-Length: 30\r\n\r\nGET /ps5 HTTP/1.1\r\nHost: shop\r\n\r\n",
		"TE not chunked":     "POST /static/x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
		"TE with a space":    "POST /static/x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /ps5 HTTP/1.1\r\nHost: shop\r\n\r\n",
		"bare LF in chunk":   "POST /static/x HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
		"space before colon": "GET /static/x HTTP/1.1\r\nHost: shop\r\nX-Anteroom-Room : evil\r\n\r\n",
		"obs-fold":           "GET /static/x HTTP/1.1\r\nHost: shop\r\nX-Ok: a\r\n X-Anteroom-Room: evil\r\n\r\n",
		"NUL in path":        "GET /static/x%00 HTTP/1.1\r\nHost: shop\r\n\r\n",
		"bad escape":         "GET /static/%zz HTTP/1.1\r\nHost: shop\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			before := o.count()
			conn := rawDo(t, hostOf(g.URL), req)
			if conn.resp.StatusCode == http.StatusOK {
				assertClean(t, o.lastHead())
				if o.count() != before+1 {
					t.Errorf("one request became %d at the origin", o.count()-before)
				}
				return
			}
			if conn.resp.StatusCode != http.StatusBadRequest && conn.resp.StatusCode != http.StatusNotImplemented {
				t.Errorf("status %d, want 400 (or a clean 200)", conn.resp.StatusCode)
			}
			if o.count() != before {
				t.Errorf("a refused request reached the origin: %q", o.lastHead())
			}
		})
	}
}

// Regression (issue 8, item 8, found while fixing it): a streamed answer's
// trailer section, read only after the header rules ran, passed the
// origin's X-Anteroom-* fields to the shopper. Answer trailers are dropped.
func TestOriginTrailersNeverReachShoppers(t *testing.T) {
	reply := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Anteroom-Session, X-Anteroom-Purchase-Token\r\n\r\n2\r\nok\r\n0\r\nX-Anteroom-Session: secret\r\nX-Anteroom-Purchase-Token: secret\r\nX-Anteroom-Command: revoke\r\nServer-Timing: db;dur=1\r\n\r\n"
	o := newRawOrigin(t, reply)
	g := startGateway(t, hardenedConfig(o.URL), nil, nil)
	session := sessionCookie(t, g)
	for _, req := range []string{
		"GET /static/x HTTP/1.1\r\nHost: shop\r\n\r\n",
		"GET /ps5 HTTP/1.1\r\nHost: shop\r\nCookie: " + session + "\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", hostOf(g.URL))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, req)
		r := readRaw(t, bufio.NewReader(conn), req)
		conn.Close()
		if string(r.body) != "ok" {
			t.Errorf("body %q, want ok", r.body)
		}
		if len(r.resp.Trailer) > 0 || len(r.header("Trailer")) > 0 {
			t.Errorf("the shopper got trailers %v (announced %q)", r.resp.Trailer, r.header("Trailer"))
		}
	}
	// The session is still alive: a revoke sent after the body is not one.
	before := o.count()
	r := rawDo(t, hostOf(g.URL), "GET /ps5 HTTP/1.1\r\nHost: shop\r\nCookie: "+session+"\r\nConnection: close\r\n\r\n")
	if r.resp.StatusCode != http.StatusOK || o.count() != before+1 {
		t.Errorf("status %d: the session did not survive a trailer revoke", r.resp.StatusCode)
	}
}
