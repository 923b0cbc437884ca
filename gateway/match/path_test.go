package match

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	cases := []struct {
		raw, want, noParams string
		err                 error
	}{
		{"", "/", "/", nil},
		{"/", "/", "/", nil},
		{"/ps5", "/ps5", "/ps5", nil},
		{"/ps5/", "/ps5/", "/ps5/", nil},
		{"//checkout//submit", "/checkout/submit", "/checkout/submit", nil},
		{"/checkout%2Fsubmit", "/checkout/submit", "/checkout/submit", nil},
		{"/checkout%2fsubmit", "/checkout/submit", "/checkout/submit", nil},
		{`/checkout\submit`, "/checkout/submit", "/checkout/submit", nil},
		{"/checkout%5Csubmit", "/checkout/submit", "/checkout/submit", nil},
		{"/a/../checkout/submit", "/checkout/submit", "/checkout/submit", nil},
		{"/a/%2e%2e/checkout/submit", "/checkout/submit", "/checkout/submit", nil},
		{"/a/%2E./checkout/submit", "/checkout/submit", "/checkout/submit", nil},
		{"/a%2F..%2Fps5", "/ps5", "/ps5", nil},
		{"/../../ps5", "/ps5", "/ps5", nil},
		{"/ps5/.", "/ps5/", "/ps5/", nil},
		{"/ps5/x/..", "/ps5/", "/ps5/", nil},
		{"/./ps5/./x", "/ps5/x", "/ps5/x", nil},
		{"/ps%35", "/ps5", "/ps5", nil},
		{"/%7Euser", "/~user", "/~user", nil},
		{"/ps5;jsessionid=1", "/ps5;jsessionid=1", "/ps5", nil},
		{"/checkout/submit;x", "/checkout/submit;x", "/checkout/submit", nil},
		{"/static/..;/ps5", "/static/..;/ps5", "/ps5", nil},
		{"/;x/ps5", "/;x/ps5", "/ps5", nil},
		{"/a;b/c;d/", "/a;b/c;d/", "/a/c/", nil},
		{"/ps5%3Bx", "/ps5%3Bx", "/ps5%3Bx", nil}, // an escaped ";" is a character, not a parameter
		{"/a%3b", "/a%3B", "/a%3B", nil},
		{"/caf%c3%a9", "/caf%C3%A9", "/caf%C3%A9", nil},
		{"/café", "/caf%C3%A9", "/caf%C3%A9", nil},
		{"/a b", "/a%20b", "/a%20b", nil},
		{`/a"<>`, "/a%22%3C%3E", "/a%22%3C%3E", nil},
		{"/a%25b", "/a%25b", "/a%25b", nil}, // no double decoding
		{"/a%252Fb", "/a%252Fb", "/a%252Fb", nil},
		{"/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,=", nil},
		{"/a%", "", "", ErrBadEscape},
		{"/a%2", "", "", ErrBadEscape},
		{"/a%zz", "", "", ErrBadEscape},
		{"/a%00", "", "", ErrControl},
		{"/a%0d%0aX-Evil:1", "", "", ErrControl},
		{"/a\x00", "", "", ErrControl},
		{"/a%7f", "", "", ErrControl},
	}
	for _, c := range cases {
		got, err := Path(nil, []byte(c.raw), false)
		if !errors.Is(err, c.err) {
			t.Errorf("Path(%q): err %v, want %v", c.raw, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		if string(got) != c.want {
			t.Errorf("Path(%q) = %q, want %q", c.raw, got, c.want)
		}
		np, err := Path(nil, []byte(c.raw), true)
		if err != nil || string(np) != c.noParams {
			t.Errorf("Path(%q, stripParams) = %q, %v, want %q", c.raw, np, err, c.noParams)
		}
	}
}

func TestPathAppends(t *testing.T) {
	got, err := Path([]byte("keep"), []byte("/a/../b"), false)
	if err != nil || string(got) != "keep/b" {
		t.Fatalf("got %q, %v, want %q", got, err, "keep/b")
	}
	// ".." never climbs into what dst held before.
	got, _ = Path([]byte("keep"), []byte("/../../b"), false)
	if string(got) != "keep/b" {
		t.Fatalf("got %q, want %q", got, "keep/b")
	}
}

func mustPatterns(t *testing.T, ps []string, fold bool) []Pattern {
	t.Helper()
	out, err := ParsePatterns(ps, fold)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRequestForms(t *testing.T) {
	ps := mustPatterns(t, []string{"/checkout/submit", "/ps5", "/ps5/*"}, false)
	folded := mustPatterns(t, []string{"/checkout/submit", "/ps5", "/ps5/*"}, true)
	bypass := mustPatterns(t, []string{"/static/*"}, false)
	var r Request
	cases := []struct {
		raw            string
		any, anyFolded bool
		bypass         bool
	}{
		{"/checkout/submit", true, true, false},
		{"/checkout/submit/", true, true, false},
		{"/checkout/submit;x", true, true, false},
		{"/checkout/submit;x/", true, true, false},
		{"/CHECKOUT/submit", false, true, false},
		{"/checkout%2Fsubmit", true, true, false},
		{"/PS5", false, true, false},
		{"/ps5;jsessionid=1", true, true, false},
		{"/ps50", false, false, false},
		{"/static/app.js", false, false, true},
		{"/static;x/app.js", false, false, false}, // not every reading is a static file
		{"/static/..;/ps5", true, true, false},
		{"/static/..;/checkout/submit", true, true, false},
	}
	for _, c := range cases {
		if err := r.Set([]byte(c.raw)); err != nil {
			t.Fatalf("Set(%q): %v", c.raw, err)
		}
		if got := r.Any(ps, false) >= 0; got != c.any {
			t.Errorf("%q: Any = %v, want %v", c.raw, got, c.any)
		}
		if got := r.Any(folded, true) >= 0; got != c.anyFolded {
			t.Errorf("%q: Any folded = %v, want %v", c.raw, got, c.anyFolded)
		}
		if got := r.All(bypass, false); got != c.bypass {
			t.Errorf("%q: All(bypass) = %v, want %v", c.raw, got, c.bypass)
		}
	}
}

func TestParsePattern(t *testing.T) {
	good := []struct {
		in   string
		fold bool
		want string
	}{
		{"/", false, "/"},
		{"/*", false, "/*"},
		{"/ps5", false, "/ps5"},
		{"/ps5/*", false, "/ps5/*"},
		{"/PS5/*", true, "/ps5/*"},
		{"/caf%C3%A9", false, "/caf%C3%A9"},
	}
	for _, c := range good {
		p, err := ParsePattern(c.in, c.fold)
		if err != nil || p.String() != c.want {
			t.Errorf("ParsePattern(%q) = %q, %v, want %q", c.in, p, err, c.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "must not be empty"},
		{"ps5", `must start with "/"`},
		{"/a/*/b", `"*" only as a trailing "/*"`},
		{"/ps5*", `"*" only as a trailing "/*"`},
		{"/a?b", "without query"},
		{"/a b", "spaces"},
		{"/ps5;x", `must not contain ";"`},
		{"/ps5/", `write "/ps5"`},
		{"//ps5", `write "/ps5"`},
		{"/a/../ps5", `write "/ps5"`},
		{"/%70s5/*", `write "/ps5/*"`},
		{"/a%zz", "not a valid path"},
		{`/a\b`, `write "/a/b"`},
	}
	for _, c := range bad {
		_, err := ParsePattern(c.in, false)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParsePattern(%q): err %v, want one saying %q", c.in, err, c.msg)
		}
	}
}

func TestParseHost(t *testing.T) {
	good := map[string]string{
		"shop.example.com":  "shop.example.com",
		"Shop.Example.COM":  "shop.example.com",
		"shop.example.com.": "shop.example.com",
		"192.0.2.1":         "192.0.2.1",
		"[2001:DB8::1]":     "2001:db8::1",
		"::1":               "::1",
	}
	for in, want := range good {
		if got, err := ParseHost(in); err != nil || got != want {
			t.Errorf("ParseHost(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"shop.example.com:8080": `write "shop.example.com"`,
		"[::1]:8443":            `write "::1"`,
		"":                      "must be a host name",
		"http://shop":           "must be a host name",
		"shop/x":                "must be a host name",
		"sh op":                 "must be a host name",
	}
	for in, msg := range bad {
		if _, err := ParseHost(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseHost(%q): err %v, want one saying %q", in, err, msg)
		}
	}
}

func TestRequestHost(t *testing.T) {
	cases := map[string]string{
		"shop.example.com":      "shop.example.com",
		"SHOP.example.com:8080": "SHOP.example.com",
		"shop.example.com.":     "shop.example.com",
		"shop.example.com.:443": "shop.example.com",
		"[::1]:8080":            "::1",
		"[::1]":                 "::1",
	}
	for in, want := range cases {
		if got := RequestHost([]byte(in)); string(got) != want {
			t.Errorf("RequestHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzPath checks what every caller relies on, for any input: the result is
// canonical (Path of it is itself, with or without parameters stripped),
// starts with "/", has no empty, "." or ".." segment, and holds only bytes a
// path may carry raw.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"/", "//a//b/", "/a/../b", "/a%2F..%2Fb", `/a\..\b`, "/static/..;/ps5", "/%2e%2e/x", "/caf%c3%a9", "/a;b/..;c/d", "/%", "/a%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, strip := range []bool{false, true} {
			got, err := Path(nil, []byte(raw), strip)
			if err != nil {
				if !errors.Is(err, ErrBadEscape) && !errors.Is(err, ErrControl) {
					t.Fatalf("Path(%q): unexpected error %v", raw, err)
				}
				return
			}
			if len(got) == 0 || got[0] != '/' {
				t.Fatalf("Path(%q) = %q: does not start with /", raw, got)
			}
			// The fast path agrees with the rewrite it skips.
			if slow, _ := rewrite(nil, []byte(raw), strip); !bytes.Equal(slow, got) {
				t.Fatalf("Path(%q) = %q, but the rewrite makes %q", raw, got, slow)
			}
			again, err := Path(nil, got, strip)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("Path(%q) = %q, but Path of that = %q, %v", raw, got, again, err)
			}
			segs := strings.Split(string(TrimSlash(got))[1:], "/")
			for _, s := range segs {
				if (s == "" && len(got) > 1) || s == "." || s == ".." {
					t.Fatalf("Path(%q) = %q: segment %q", raw, got, s)
				}
				if strip && strings.Contains(s, ";") {
					t.Fatalf("Path(%q, strip) = %q: parameter left", raw, got)
				}
			}
			for i := 0; i < len(got); i++ {
				c := got[i]
				if c != '/' && c != '%' && !isPathByte(c) {
					t.Fatalf("Path(%q) = %q: raw byte %q", raw, got, c)
				}
			}
		}
	})
}
