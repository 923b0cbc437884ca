package gateway

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserErrorPageLanguages opens the gateway's own 502 page in Chromium as a
// shopper asking for Arabic, then Japanese: the page is in that language, Arabic laid
// out right to left, and axe-core finds nothing wrong in light or dark mode.
// Screenshots go to $ANTEROOM_ARTIFACTS, if set.
func TestBrowserErrorPageLanguages(t *testing.T) {
	g := errorGateway(t, http.StatusBadGateway)
	b := newTabFor(t, true, 2*time.Minute)
	type look struct {
		Lang      string `json:"lang"`
		Dir       string `json:"dir"`
		Direction string `json:"direction"`
		Heading   string `json:"heading"`
		Link      string `json:"link"`
		// LinkRight says the try-again button sits at the right edge of the
		// text, as a mirrored layout puts it.
		LinkRight bool `json:"linkRight"`
	}
	const lookScript = `(() => {
  const q = s => document.querySelector(s);
  const main = q('main').getBoundingClientRect(), a = q('a.btn').getBoundingClientRect();
  return {lang: document.documentElement.lang, dir: document.documentElement.dir, direction: getComputedStyle(q('main')).direction,
    heading: q('h1').textContent, link: q('a.btn').textContent, linkRight: main.right - a.right < a.left - main.left};
})()`
	for _, tt := range []struct{ accept, lang, dir, heading, link string }{
		{"ar-SA,ar;q=0.9,en;q=0.5", "ar", "rtl", "تعذّر الوصول إلى المتجر", "حاول مرة أخرى"},
		{"ja-JP,ja;q=0.9", "ja", "ltr", "ショップに接続できません", "もう一度試す"},
	} {
		if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": tt.accept},
		}); err != nil {
			t.Fatal(err)
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			if resp := b.open(t, g.URL+"/static/x"); resp.Status != http.StatusBadGateway {
				t.Fatalf("%s: status %d, want 502", tt.lang, resp.Status)
			}
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[look](lookScript))
			if err != nil {
				t.Fatal(err)
			}
			if got.Lang != tt.lang || got.Dir != tt.dir || got.Direction != tt.dir || got.Heading != tt.heading || got.Link != tt.link {
				t.Errorf("%s %s: got %+v, want lang %s, dir %s, heading %q, link %q", tt.accept, scheme, got, tt.lang, tt.dir, tt.heading, tt.link)
			}
			if got.LinkRight != (tt.dir == "rtl") {
				t.Errorf("%s %s: try-again link on the right: %v; want the layout mirrored only right to left", tt.accept, scheme, got.LinkRight)
			}
			// The viewport, which holds the whole page: a full-page capture
			// of a short right-to-left page is taken off-centre.
			shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
			if err != nil || len(shot) == 0 {
				t.Fatalf("%s: screenshot: %v", tt.lang, err)
			}
			if dir := os.Getenv("ANTEROOM_ARTIFACTS"); dir != "" {
				name := fmt.Sprintf("error-page-%s-%s.png", tt.lang, scheme)
				if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
					t.Error(err)
				}
			}
			for _, v := range runAxe(t, b) {
				t.Errorf("%s/%s: axe %s (%s): %s\n  %s", tt.lang, scheme, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
			}
		}
	}
	// The 502 itself is logged by the browser as a failed load; anything else
	// (a CSP violation, a script error) is a problem.
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		if !strings.Contains(p, "status of 502") {
			t.Errorf("browser: %s", p)
		}
	}
}
