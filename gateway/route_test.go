package gateway

import (
	"testing"
)

// testRouter builds a router over rooms given as name, hosts, paths, bypass.
func testRouter(rooms ...[4][]string) *router {
	rt := &router{}
	for _, r := range rooms {
		rm := &room{name: r[0][0], paths: parsePatterns(r[2]), bypass: parsePatterns(r[3])}
		for _, h := range r[1] {
			rm.hosts = append(rm.hosts, []byte(h))
		}
		rt.rooms = append(rt.rooms, rm)
	}
	return rt
}

func TestRoute(t *testing.T) {
	rt := testRouter(
		[4][]string{{"ps5"}, nil, {"/ps5", "/ps5/*"}, {"/ps5/static/*", "/ps5/favicon.ico"}},
		[4][]string{{"ps5-pro"}, nil, {"/ps5/pro/*"}, nil},
		[4][]string{{"checkout"}, nil, {"/checkout/*"}, nil},
		[4][]string{{"drop"}, {"drop.example.com", "Shop.Example.com"}, {"/*"}, {"/assets/*"}},
		[4][]string{{"exact"}, nil, {"/ps5/pro"}, nil},
		[4][]string{{"v6"}, {"::1"}, {"/v6/*"}, nil},
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
	}
	for _, tc := range cases {
		r, bypass := rt.route([]byte(tc.host), []byte(tc.path))
		got := ""
		if r != nil {
			got = r.name
		}
		if got != tc.room || bypass != tc.bypass {
			t.Errorf("%s%s: got %q bypass %v, want %q bypass %v", tc.host, tc.path, got, bypass, tc.room, tc.bypass)
		}
	}
}

func TestCanonicalHost(t *testing.T) {
	cases := map[string]string{
		"shop.example.com":       "shop.example.com",
		"shop.example.com:8080":  "shop.example.com",
		"shop.example.com.":      "shop.example.com",
		"shop.example.com.:8080": "shop.example.com",
		"[2001:db8::1]:443":      "2001:db8::1",
		"[2001:db8::1]":          "2001:db8::1",
		"127.0.0.1:80":           "127.0.0.1",
		"":                       "",
	}
	for in, want := range cases {
		if got := string(canonicalHost([]byte(in))); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	rt := testRouter(
		[4][]string{{"ps5"}, nil, {"/ps5", "/ps5/*", "/checkout/*"}, {"/ps5/static/*", "/favicon.ico"}},
		[4][]string{{"phone"}, {"phones.example.com"}, {"/*"}, {"/assets/*"}},
		[4][]string{{"drop"}, {"shop.example.com"}, {"/drop/*"}, nil},
	)
	host, path := []byte("shop.example.com:443"), []byte("/product/1234/reviews")
	b.ReportAllocs()
	for b.Loop() {
		rt.route(host, path)
	}
}
