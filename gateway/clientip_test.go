package gateway

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// requestFrom is a RequestCtx for a request read from raw, arriving from peer.
func requestFrom(t testing.TB, peer, raw string) *fasthttp.RequestCtx {
	t.Helper()
	var req fasthttp.Request
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(peer)
	ctx := new(fasthttp.RequestCtx)
	ctx.Init(&req, net.TCPAddrFromAddrPort(ap), nil)
	return ctx
}

func TestClientIP(t *testing.T) {
	trusted, err := parseTrusted([]string{"127.0.0.1/32", "10.0.0.0/8", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{trusted: trusted}
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"untrusted peer, no header", "192.0.2.1:1000", nil, "192.0.2.1"},
		{"untrusted peer names someone", "192.0.2.1:1000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"trusted peer, no header", "127.0.0.1:1000", nil, "127.0.0.1"},
		{"trusted peer names the client", "127.0.0.1:1000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client's own claim is skipped", "127.0.0.1:1000", []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are skipped", "127.0.0.1:1000", []string{"6.6.6.6, 203.0.113.9, 10.1.2.3, 10.9.9.9"}, "203.0.113.9"},
		{"only trusted hops", "127.0.0.1:1000", []string{"10.1.2.3, 10.9.9.9"}, "10.1.2.3"},
		{"spaces", "127.0.0.1:1000", []string{"6.6.6.6 ,  203.0.113.9"}, "203.0.113.9"},
		{"empty entry names nobody", "127.0.0.1:1000", []string{"203.0.113.9, "}, "127.0.0.1"},
		{"garbage", "127.0.0.1:1000", []string{"not an address"}, "127.0.0.1"},
		{"garbage past a trusted hop", "127.0.0.1:1000", []string{"nonsense, 10.1.2.3"}, "10.1.2.3"},
		{"garbage further left is not reached", "127.0.0.1:1000", []string{"nonsense, 203.0.113.9"}, "203.0.113.9"},
		{"port", "127.0.0.1:1000", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"IPv6", "127.0.0.1:1000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv6 in brackets with port", "127.0.0.1:1000", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"IPv6 in brackets", "127.0.0.1:1000", []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"IPv6 zone dropped", "127.0.0.1:1000", []string{"fe80::1%eth0"}, "fe80::1"},
		{"IPv4-mapped", "127.0.0.1:1000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"trusted IPv6 peer", "[fd00::1]:1000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped peer", "[::ffff:127.0.0.1]:1000", []string{"203.0.113.9"}, "203.0.113.9"},
		// A proxy that adds its own header rather than extending the
		// client's: the last header is the nearest hop.
		{"several headers", "127.0.0.1:1000", []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{"several headers, trusted last", "127.0.0.1:1000", []string{"6.6.6.6, 203.0.113.9", "10.0.0.1"}, "203.0.113.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := "GET / HTTP/1.1\r\nHost: shop\r\n"
			for _, v := range tc.xff {
				raw += "X-Forwarded-For: " + v + "\r\n"
			}
			ctx := requestFrom(t, tc.peer, raw+"\r\n")
			if got := g.clientIP(ctx).String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	g.trusted = nil
	ctx := requestFrom(t, "127.0.0.1:1", "GET / HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
	if got, want := g.clientIP(ctx).String(), "127.0.0.1"; got != want {
		t.Errorf("no trusted proxies: got %q, want %q", got, want)
	}
}

func FuzzParseForwardedFor(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "[2001:db8::1]:80", "fe80::1%eth0", " 1.2.3.4:5 ", "[", "]", "[]:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseForwardedFor([]byte(s))
		if ok && (!a.IsValid() || a.Zone() != "" || a.Is4In6()) {
			t.Errorf("%q: got %v", s, a)
		}
	})
}
