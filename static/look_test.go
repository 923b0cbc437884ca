package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadLogo(t *testing.T) {
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(sampleLogo), "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	good := map[string][]byte{
		"logo.png": png,
		"logo.svg": []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">` +
			`<defs><linearGradient id="g"><stop offset="0" stop-color="#c00"/></linearGradient></defs>` +
			`<style>.a{fill:url(#g)}</style><rect class="a" width="10" height="10"/><use xlink:href="#g"/></svg>`),
	}
	for name, data := range good {
		uri, err := LoadLogo(writeFile(t, name, data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		mime := map[string]string{"logo.png": "image/png", "logo.svg": "image/svg+xml"}[name]
		if want := "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data); string(uri) != want {
			t.Errorf("%s: got %.60q, want %.60q", name, uri, want)
		}
	}

	svg := func(body string) []byte {
		return []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">` + body + `</svg>`)
	}
	bad := map[string]struct {
		data []byte
		want string
	}{
		"script":         {svg(`<script>alert(1)</script>`), "<script> element"},
		"script-case":    {svg(`<SCRIPT>alert(1)</SCRIPT>`), "<SCRIPT> element"},
		"onload":         {svg(`<rect onload="alert(1)"/>`), "event handler"},
		"onclick-upper":  {svg(`<rect OnClick="alert(1)"/>`), "event handler"},
		"external-href":  {svg(`<image href="https://evil.example/x.png"/>`), "refers outside itself"},
		"xlink-js":       {svg(`<a xlink:href="javascript:alert(1)" xmlns:xlink="http://www.w3.org/1999/xlink"/>`), "refers outside itself"},
		"foreign":        {svg(`<foreignObject><div/></foreignObject>`), "<foreignObject> element"},
		"style-import":   {svg(`<style>@import "https://evil.example/x.css";</style>`), "<style> refers outside"},
		"style-url":      {svg(`<rect style="fill:url(https://evil.example/x)"/>`), "style refers outside"},
		"entity":         {[]byte(`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>`), "entities"},
		"stylesheet-pi":  {append([]byte(`<?xml-stylesheet href="https://evil.example/x.css"?>`), svg("")...), "links a stylesheet"},
		"not-xml":        {[]byte("<svg><rect></svg>"), "not well-formed"},
		"gif":            {[]byte("GIF89a\x01\x00\x01\x00"), "must be a PNG or an SVG"},
		"html":           {[]byte("<html><script>alert(1)</script></html>"), "must be a PNG or an SVG"},
		"empty":          {nil, "must be a PNG or an SVG"},
		"too-big-png":    {append(append([]byte{}, pngMagic...), make([]byte, MaxLogoBytes)...), "more than 16384 bytes"},
		"too-big-svg":    {svg(strings.Repeat(`<rect width="1" height="1"/>`, 1000)), "more than 16384 bytes"},
		"iframe-in-defs": {svg(`<defs><iframe src="https://evil.example/"/></defs>`), "<iframe> element"},
	}
	for name, tt := range bad {
		path := writeFile(t, name, tt.data)
		_, err := LoadLogo(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tt.want)
		}
	}
	if _, err := LoadLogo(filepath.Join(t.TempDir(), "missing.png")); err == nil {
		t.Error("missing file: no error")
	}
}

// TestAccentContrast: whatever colour a shop picks, the bar keeps 3:1 against its
// track and the card, and links and the button's text keep 4.5:1, in light and dark
// mode.
func TestAccentContrast(t *testing.T) {
	for _, s := range []string{"#1d4ed8", "#ffff00", "#fff", "#000", "#777777", "#e11d48", "#22c55e", "#0ea5e9", "#FFA500", "#808000", "#151b26"} {
		c, err := parseColor(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		light, dark := accentColors(c)
		for _, check := range []struct {
			what     string
			a, b     rgb
			min      float64
			darkMode bool
		}{
			{"light accent on the card", light, lightCard, minTextContrast, false},
			{"light accent on the track", light, lightTrack, minControlContrast, false},
			{"white button text on the light accent", rgb{0xff, 0xff, 0xff}, light, minTextContrast, false},
			{"dark accent on the card", dark, darkCard, minTextContrast, true},
			{"dark accent on the track", dark, darkTrack, minControlContrast, true},
			{"dark button text on the dark accent", darkText, dark, minTextContrast, true},
		} {
			if got := contrast(check.a, check.b); got < check.min {
				t.Errorf("%s: %s (%s on %s) has contrast %.2f, want at least %.1f", s, check.what, check.a, check.b, got, check.min)
			}
		}
	}
	// A colour that already passes is kept as it is.
	if light, _ := accentColors(rgb{0x1d, 0x4e, 0xd8}); light != (rgb{0x1d, 0x4e, 0xd8}) {
		t.Errorf("#1d4ed8 changed to %s in light mode", light)
	}

	style, src, err := AccentStyle("#FF0")
	if err != nil {
		t.Fatal(err)
	}
	css := strings.TrimSuffix(strings.TrimPrefix(string(style), "<style>"), "</style>")
	sum := sha256.Sum256([]byte(css))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; src != want {
		t.Errorf("CSP source %s, want %s (the hash of the element's text)", src, want)
	}
	if !strings.HasPrefix(css, ":root{--accent:#") || strings.HasPrefix(css, ":root{--accent:#ffff00") {
		t.Errorf("yellow kept as the light accent, unreadable on white: %s", css)
	}
	for _, bad := range []string{"", "red", "#12", "#1234567", "#ggg", "1d4ed8", "#1d4ed8;}body{display:none", "url(x)"} {
		if _, _, err := AccentStyle(bad); err == nil {
			t.Errorf("AccentStyle(%q): no error", bad)
		}
	}
}

// TestCSSContrast reads waiting.css's own colours: the progress track's edge against
// the card (WCAG 1.4.11, 3:1), text and links (4.5:1), in light and dark mode; and
// holds the colours contrast.go assumes to those of the stylesheet.
func TestCSSContrast(t *testing.T) {
	css, _, _ := Asset("waiting.css")
	blocks := regexp.MustCompile(`(?s):root \{(.*?)\}`).FindAllSubmatch(css, -1)
	if len(blocks) != 2 {
		t.Fatalf("want a light and a dark :root block, found %d", len(blocks))
	}
	for i, mode := range []string{"light", "dark"} {
		vars := map[string]rgb{}
		for _, m := range regexp.MustCompile(`--([a-z-]+): (#[0-9a-fA-F]{3,6})`).FindAllSubmatch(blocks[i][1], -1) {
			c, err := parseColor(string(m[2]))
			if err != nil {
				t.Fatal(err)
			}
			vars[string(m[1])] = c
		}
		for _, check := range []struct {
			a, b string
			min  float64
		}{
			{"edge", "card", minControlContrast},
			{"accent", "line", minControlContrast},
			{"accent", "card", minTextContrast},
			{"fg", "card", minTextContrast},
			{"muted", "card", minTextContrast},
			{"on-accent", "accent", minTextContrast},
			{"warn-fg", "warn-bg", minTextContrast},
		} {
			a, okA := vars[check.a]
			b, okB := vars[check.b]
			if !okA || !okB {
				t.Errorf("%s: --%s or --%s missing", mode, check.a, check.b)
				continue
			}
			if got := contrast(a, b); got < check.min {
				t.Errorf("%s: --%s %s on --%s %s: contrast %.2f, want at least %.1f", mode, check.a, a, check.b, b, got, check.min)
			}
		}
		card, track := lightCard, lightTrack
		if mode == "dark" {
			card, track = darkCard, darkTrack
			if vars["on-accent"] != darkText {
				t.Errorf("dark: --on-accent %s, contrast.go assumes %s", vars["on-accent"], darkText)
			}
		}
		if vars["card"] != card || vars["line"] != track {
			t.Errorf("%s: --card %s --line %s, contrast.go assumes %s and %s", mode, vars["card"], vars["line"], card, track)
		}
	}
}

func TestRenderLook(t *testing.T) {
	style, _, err := AccentStyle("#e11d48")
	if err != nil {
		t.Fatal(err)
	}
	for _, state := range []string{StateWaiting, StateSoldOut, StateClosed} {
		d := waitingData()
		d.State, d.Notice, d.HomeURL, d.Logo, d.Style = state, `Limit one per customer <b>&</b>`, "https://shop.example/?a=1&b=2", sampleLogo, style
		fast, tmpl := renderBoth(t, d)
		if !bytes.Equal(fast, tmpl) {
			t.Fatalf("%s: Render differs from html/template %s", state, firstDifference(fast, tmpl))
		}
		page := string(fast)
		for _, want := range []string{
			string(style),
			`<img class="logo" src="data:image/png;base64,iVBORw0KGgo`,
			`<p class="notice">Limit one per customer &lt;b&gt;&amp;&lt;/b&gt;</p>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", state, want)
			}
		}
		// "Back to the shop" is in the sold-out and closed sections, the visible one.
		home := `<a class="btn" href="https://shop.example/?a=1&amp;b=2">Back to the shop</a>`
		visible := regexp.MustCompile(`(?s)<section data-show="` + state + `">.*?</section>`).FindString(page)
		if got := strings.Contains(visible, home); got != (state != StateWaiting) {
			t.Errorf("%s: home link in the visible section: %v", state, got)
		}
	}
	for _, hostile := range []PageData{
		{HomeURL: "javascript:alert(1)", Logo: "javascript:alert(1)"},
		{HomeURL: "//evil.example/", Logo: `data:text/html,<script>alert(1)</script>`},
		{HomeURL: "https://x.example/\"><script>", Logo: `data:image/svg+xml;base64,"><script>`},
	} {
		d := waitingData()
		d.State, d.HomeURL, d.Logo = StateClosed, hostile.HomeURL, hostile.Logo
		fast, tmpl := renderBoth(t, d)
		if !bytes.Equal(fast, tmpl) {
			t.Fatalf("%+v: Render differs from html/template %s", hostile, firstDifference(fast, tmpl))
		}
		for _, bad := range []string{"javascript:", "evil.example", "<script>", "data:text"} {
			if bytes.Contains(fast, []byte(bad)) {
				t.Errorf("%+v: page contains %q", hostile, bad)
			}
		}
	}
}

func TestCheckHomeURLAndNotice(t *testing.T) {
	for _, ok := range []string{"https://shop.example/", "http://shop.example:8080/a?b=c#d"} {
		if err := CheckHomeURL(ok); err != nil {
			t.Errorf("CheckHomeURL(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"javascript:alert(1)", "/relative", "//shop.example/", "ftp://shop.example/", "https://", "https://shop.example/\n", "https://shop.example/ x", "data:text/html,x"} {
		if err := CheckHomeURL(bad); err == nil {
			t.Errorf("CheckHomeURL(%q): no error", bad)
		}
	}
	if err := CheckNotice("Limit one per customer. Thank you!"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"two\nlines", "tab\there", strings.Repeat("x", MaxNoticeLen+1)} {
		if err := CheckNotice(bad); err == nil {
			t.Errorf("CheckNotice(%.20q): no error", bad)
		}
	}
}
