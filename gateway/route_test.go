package gateway

import (
	"testing"

	"github.com/anteroom/anteroom/gateway/match"
)

// testRouter builds a router over rooms given as name, hosts, paths,
// bypass; a second name, "fold", makes the room case-insensitive.
func testRouter(tb testing.TB, rooms ...[4][]string) *router {
	tb.Helper()
	rt := &router{}
	for _, r := range rooms {
		fold := len(r[0]) > 1 && r[0][1] == "fold"
		paths, err := match.ParsePatterns(r[2], fold)
		if err != nil {
			tb.Fatal(err)
		}
		bypass, err := match.ParsePatterns(r[3], fold)
		if err != nil {
			tb.Fatal(err)
		}
		rm := &room{name: r[0][0], paths: paths, bypass: bypass, fold: fold}
		for _, h := range r[1] {
			name, err := match.ParseHost(h)
			if err != nil {
				tb.Fatal(err)
			}
			rm.hosts = append(rm.hosts, []byte(name))
		}
		rt.rooms = append(rt.rooms, rm)
	}
	return rt
}

// routePath routes host and a raw path as handle does.
func routePath(tb testing.TB, rt *router, host, raw string) (*room, bool) {
	tb.Helper()
	var p match.Request
	if err := p.Set([]byte(raw)); err != nil {
		tb.Fatalf("%q: %v", raw, err)
	}
	return rt.route([]byte(host), &p)
}

func TestRoute(t *testing.T) {
	rt := testRouter(t,
		[4][]string{{"ps5"}, nil, {"/ps5", "/ps5/*"}, {"/ps5/static/*", "/ps5/favicon.ico"}},
		[4][]string{{"ps5-pro"}, nil, {"/ps5/pro/*"}, nil},
		[4][]string{{"checkout"}, nil, {"/checkout/*"}, nil},
		[4][]string{{"drop"}, {"drop.example.com", "Shop.Example.com"}, {"/*"}, {"/assets/*"}},
		[4][]string{{"exact"}, nil, {"/ps5/pro"}, nil},
		[4][]string{{"v6"}, {"::1"}, {"/v6/*"}, nil},
		[4][]string{{"iis", "fold"}, {"iis.example"}, {"/Shop/*"}, {"/Shop/Static/*"}},
	)
	cases := []struct {
		host, path string
		room       string // "" for none
		bypass     bool
	}{
		{"any.example", "/", "", false},
		{"any.example", "/ps5", "ps5", false},
		{"any.example", "/ps5/", "ps5", false},
		{"any.example", "/ps5/x", "ps5", false},
		{"any.example", "/ps50", "", false},
		{"any.example", "/PS5", "", false}, // paths are case-sensitive
		{"any.example", "/ps5/static/app.js", "ps5", true},
		{"any.example", "/ps5/static", "ps5", false},
		{"any.example", "/ps5/favicon.ico", "ps5", true},
		{"any.example", "/ps5/pro/x", "ps5-pro", false}, // longer prefix wins
		{"any.example", "/ps5/pro", "exact", false},     // exact beats the shorter prefix
		{"any.example", "/ps5/pro/", "ps5-pro", false},
		{"any.example", "/checkout", "", false},
		{"any.example", "/checkout/pay", "checkout", false},
		{"drop.example.com", "/anything", "drop", false},
		{"drop.example.com", "/ps5/x", "drop", false}, // a room with hosts beats any-host rooms
		{"DROP.example.COM:8443", "/x", "drop", false},
		{"drop.example.com.", "/x", "drop", false},
		{"drop.example.com.:443", "/x", "drop", false},
		{"shop.example.com", "/x", "drop", false},
		{"drop.example.com", "/assets/a.css", "drop", true},
		{"drop.example.co", "/x", "", false},
		{"sub.drop.example.com", "/x", "", false},
		{"[::1]:8080", "/v6/x", "v6", false},
		{"[::1]", "/v6/x", "v6", false},
		{"", "/ps5", "ps5", false},
		// Regression: spellings many origins route to the same handler.
		{"any.example", "/ps5;jsessionid=1", "ps5", false},
		{"any.example", "/ps%35", "ps5", false},
		{"any.example", "//ps5", "ps5", false},
		{"any.example", "/x/../ps5", "ps5", false},
		{"any.example", "/ps5/static/..;/x", "ps5", false},
		{"any.example", "/ps5/static;x/app.js", "ps5", false}, // not every reading is static
		{"any.example", "/ps5/static/app.js;v=2", "ps5", true},
		{"any.example", "/ps5/favicon.ico/", "ps5", false},
		{"any.example", "/checkout%2Fpay", "checkout", false},
		{"iis.example", "/SHOP/x", "iis", false},
		{"iis.example", "/shop/static/a.css", "iis", true},
		{"iis.example", "/other", "", false},
	}
	for _, tc := range cases {
		r, bypass := routePath(t, rt, tc.host, tc.path)
		got := ""
		if r != nil {
			got = r.name
		}
		if got != tc.room || bypass != tc.bypass {
			t.Errorf("%s%s: got %q bypass %v, want %q bypass %v", tc.host, tc.path, got, bypass, tc.room, tc.bypass)
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	rt := testRouter(b,
		[4][]string{{"ps5"}, nil, {"/ps5", "/ps5/*", "/checkout/*"}, {"/ps5/static/*", "/favicon.ico"}},
		[4][]string{{"phone"}, {"phones.example.com"}, {"/*"}, {"/assets/*"}},
		[4][]string{{"drop"}, {"shop.example.com"}, {"/drop/*"}, nil},
	)
	host, raw := []byte("shop.example.com:443"), []byte("/product/1234/reviews")
	var p match.Request
	b.ReportAllocs()
	for b.Loop() {
		p.Set(raw)
		rt.route(host, &p)
	}
}
