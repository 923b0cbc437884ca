package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/anteroom/anteroom/static"
)

// The tests in this file look at the waiting page as shoppers with assistive
// technology and in other languages meet it: axe-core's checks on every state, what
// a screen reader is told as the line moves, and the page in Arabic and Japanese.

// pageServer serves the built-in page rendered from d at "/", its assets, and at
// /status the answer status gives to the n-th poll (counting from 0), with the
// gateway's CSP plus extraStyle (the CSP source of d.Style, if any).
func pageServer(t *testing.T, d static.PageData, extraStyle string, status func(n int) string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var polls atomic.Int32
	csp := pageCSP
	if extraStyle != "" {
		csp = strings.Replace(pageCSP, "style-src 'self'", "style-src 'self' "+extraStyle, 1)
	}
	d.StatusURL = "/status"
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		var b bytes.Buffer
		if err := static.Render(&b, d); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/.anteroom/assets/", func(w http.ResponseWriter, r *http.Request) {
		data, ctype, ok := static.Asset(strings.TrimPrefix(r.URL.Path, "/.anteroom/assets/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Write(data)
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		n := int(polls.Add(1)) - 1
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, status(n))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &polls
}

// pngLogo is a one-pixel PNG.
const pngLogo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// axeViolation is one failed axe-core rule, with the elements that fail it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// runAxe runs the vendored axe-core on the page open in b and returns its
// violations. It fails the test unless axe checked the text's colour contrast, so
// that a run that checked nothing cannot pass.
func runAxe(t *testing.T, b *tab) []axeViolation {
	t.Helper()
	src, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
		t.Fatalf("loading axe-core: %v", err)
	}
	type result struct {
		Violations []axeViolation `json:"violations"`
		Passes     []string       `json:"passes"`
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[result](`axe.run(document).then(r => ({
  violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.html)})),
  passes: r.passes.map(p => p.id)}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	if !slices.Contains(r.Passes, "color-contrast") && !slices.ContainsFunc(r.Violations, func(v axeViolation) bool { return v.ID == "color-contrast" }) {
		t.Fatalf("axe-core did not check colour contrast (passed: %q)", r.Passes)
	}
	return r.Violations
}

// TestBrowserPageAccessible runs axe-core in Chromium on every state of the page, in
// English and in Arabic (right to left), in light mode, in dark mode, and with a
// shop's accent colour: zero violations.
func TestBrowserPageAccessible(t *testing.T) {
	style, styleSrc, err := static.AccentStyle("#ffcc00") // a yellow that must be darkened on white
	if err != nil {
		t.Fatal(err)
	}
	texts, err := static.NewTexts("", nil)
	if err != nil {
		t.Fatal(err)
	}
	// 35 pages, each checked in full: more than one browser test's usual time.
	b := newTabFor(t, true, 4*time.Minute)
	states := []string{static.StateWaiting, static.StatePrequeue, static.StateAdmitted, static.StateSoldOut,
		static.StateClosed, static.StatePaused, static.StateUnavailable}
	for _, run := range []struct {
		lang, scheme string
		accent       bool
	}{
		{"en", "light", false}, {"ar", "light", false}, {"en", "dark", false}, {"ar", "dark", true}, {"en", "light", true},
	} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: run.scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, state := range states {
			d := static.PageData{
				Title: "PS5 drop", Room: "shop", State: state, Position: 12, Ahead: 11, Ticket: 53,
				ETALow: 180, ETAHigh: 300, Progress: 42, PollAfterMS: 60000, OpensInSeconds: 754, Redirect: "/item",
				Notice: "One console per customer.", HomeURL: "https://shop.example/", Logo: pngLogo,
				Text: texts.For([]byte(run.lang)),
			}
			switch state {
			case static.StateUnavailable:
				d.Message = "We can't reach our queue service right now. You keep your place; this page will carry on by itself."
			case static.StateSoldOut:
				d.Message = "Sold out: every unit has been bought or is being bought. If a purchase falls through, this page will tell you."
			}
			extra := ""
			if run.accent {
				d.Style, extra = style, styleSrc
			}
			srv, _ := pageServer(t, d, extra, func(int) string {
				return `{"room":"shop","state":"` + state + `","position":53,"ahead":11,"poll_after_ms":60000}`
			})
			b.open(t, srv.URL+"/")
			name := fmt.Sprintf("%s/%s/%s/accent=%v", run.lang, run.scheme, state, run.accent)
			if v := b.look(t); v.State != state {
				t.Fatalf("%s: the page shows state %q", name, v.State)
			}
			for _, v := range runAxe(t, b) {
				t.Errorf("%s: axe %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
			}
		}
	}
	b.checkClean(t)
}

// TestBrowserAnnouncesOnlyChanges: the place and the wait are not inside a live
// region; a small one of their own is told of a change of state, a move of a tenth
// or more since it last spoke, or a wait that reads differently, and of nothing else.
func TestBrowserAnnouncesOnlyChanges(t *testing.T) {
	d := static.PageData{Title: "PS5 drop", Room: "shop", State: static.StateWaiting, Position: 100, Ahead: 99, Ticket: 150,
		ETALow: 600, ETAHigh: 900, Progress: 5, PollAfterMS: 1000}
	answers := []string{
		`{"state":"waiting","position":150,"ahead":95,"eta_seconds":[600,900],"poll_after_ms":1000}`, // 4 %: quiet
		`{"state":"waiting","position":150,"ahead":89,"eta_seconds":[600,900],"poll_after_ms":1000}`, // 10 %: said
		`{"state":"waiting","position":150,"ahead":88,"eta_seconds":[300,600],"poll_after_ms":1000}`, // new wait: said
		`{"state":"waiting","position":150,"ahead":87,"eta_seconds":[300,600],"poll_after_ms":1000}`, // quiet
		`{"state":"paused","position":150,"ahead":87,"eta_seconds":[300,600],"poll_after_ms":1000}`,  // new state: said
	}
	srv, polls := pageServer(t, d, "", func(n int) string { return answers[min(n, len(answers)-1)] })
	b := newTab(t, true)
	b.open(t, srv.URL+"/")
	type regions struct {
		Live     []string `json:"live"`
		PlaceIn  bool     `json:"placeIn"`
		ETAIn    bool     `json:"etaIn"`
		Recorder bool     `json:"recorder"`
	}
	r, err := chromedp.Run(b.ctx, chromedp.Evaluate[regions](`(() => {
  const say = document.querySelector('[data-field="say"]');
  window.said = [];
  new MutationObserver(() => window.said.push(say.textContent)).observe(say, {childList: true, characterData: true, subtree: true});
  return {
    live: Array.from(document.querySelectorAll('[aria-live]')).map(e => e.getAttribute('data-field') || e.firstElementChild.getAttribute('data-field')),
    placeIn: !!document.querySelector('[data-field="position"]').closest('[aria-live]'),
    etaIn: !!document.querySelector('[data-field="eta"]').closest('[aria-live]'),
    recorder: true,
  };
})()`))
	if err != nil {
		t.Fatal(err)
	}
	if r.PlaceIn || r.ETAIn || len(r.Live) != 2 || r.Live[0] != "say" || r.Live[1] != "message" {
		t.Fatalf("live regions %q (place inside one: %v, wait inside one: %v); want only the announcer and the message", r.Live, r.PlaceIn, r.ETAIn)
	}
	deadline := time.Now().Add(20 * time.Second)
	for polls.Load() < int32(len(answers)+2) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d polls in 20s", polls.Load())
		}
		time.Sleep(200 * time.Millisecond)
	}
	said, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.said`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Your place in line: 90. Estimated wait: about 10–15 minutes.",
		"Your place in line: 89. Estimated wait: about 5–10 minutes.",
		"The line is paused Your place in line: 88. Estimated wait: about 5–10 minutes.",
	}
	if strings.Join(said, "\n") != strings.Join(want, "\n") {
		t.Errorf("announced:\n  %s\nwant:\n  %s", strings.Join(said, "\n  "), strings.Join(want, "\n  "))
	}
	b.checkClean(t)
}

// TestBrowserLanguages opens the waiting page through the gateway as a shopper whose
// browser asks for Arabic, then Japanese: the page is in that language, Arabic is laid
// out right to left and mirrored, and numbers and the wait read the same after the
// script's polls as the gateway wrote them. Screenshots go to $ANTEROOM_ARTIFACTS, if
// set.
func TestBrowserLanguages(t *testing.T) {
	g, _, _ := busyRoom(t, nil, nil)
	b := newTab(t, true)
	type look struct {
		Dir       string `json:"dir"`
		Lang      string `json:"lang"`
		Direction string `json:"direction"`
		Text      string `json:"text"`
		Title     string `json:"title"`
		Position  string `json:"position"`
		ETA       string `json:"eta"`
		// LabelRight says the progress label is right of its percentage, as a
		// mirrored layout puts it.
		LabelRight bool `json:"labelRight"`
	}
	const lookScript = `(() => {
  const q = s => document.querySelector(s);
  const label = q('.bar label').getBoundingClientRect(), pct = q('[data-field="percent"]').getBoundingClientRect();
  return {dir: document.documentElement.dir, lang: document.documentElement.lang, direction: getComputedStyle(q('main')).direction,
    text: document.body.innerText, title: document.title, position: q('[data-field="position"]').textContent,
    eta: q('[data-field="eta"]').textContent, labelRight: label.left > pct.left};
})()`
	for _, tt := range []struct {
		accept, lang, dir, place, say string
	}{
		{"ar-SA,ar;q=0.9,en;q=0.5", "ar", "rtl", "١", "مكانك في الطابور"},
		{"ja-JP,ja;q=0.9", "ja", "ltr", "1", "列でのあなたの順番"},
	} {
		if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": tt.accept},
		}); err != nil {
			t.Fatal(err)
		}
		b.open(t, g.URL+"/item")
		first, err := chromedp.Run(b.ctx, chromedp.Evaluate[look](lookScript))
		if err != nil {
			t.Fatal(err)
		}
		if first.Lang != tt.lang || first.Dir != tt.dir || first.Direction != tt.dir {
			t.Errorf("%s: lang %q dir %q direction %q, want %s %s", tt.accept, first.Lang, first.Dir, first.Direction, tt.lang, tt.dir)
		}
		if !strings.Contains(first.Text, tt.say) || first.Position != tt.place || !strings.HasPrefix(first.Title, "("+tt.place+") ") {
			t.Errorf("%s: place %q, title %q; want %q and %q in the text\n%s", tt.accept, first.Position, first.Title, tt.place, tt.say, first.Text)
		}
		if first.LabelRight != (tt.dir == "rtl") {
			t.Errorf("%s: progress label right of its figure: %v; want the layout mirrored only right to left", tt.accept, first.LabelRight)
		}
		// The script rewrites the figures after each poll: they must not change language.
		before := b.pollCount()
		b.waitFor(t, 10*time.Second, "two polls", func(view) bool { return b.pollCount() >= before+2 })
		after, err := chromedp.Run(b.ctx, chromedp.Evaluate[look](lookScript))
		if err != nil {
			t.Fatal(err)
		}
		if after.Position != first.Position || after.ETA != first.ETA || after.Title != first.Title {
			t.Errorf("%s: after polls place %q wait %q title %q; the gateway wrote %q %q %q", tt.accept,
				after.Position, after.ETA, after.Title, first.Position, first.ETA, first.Title)
		}
		// Quality 100 makes a PNG.
		shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil || len(shot) == 0 {
			t.Fatalf("%s: screenshot: %v", tt.lang, err)
		}
		if dir := os.Getenv("ANTEROOM_ARTIFACTS"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, "waiting-page-"+tt.lang+".png"), shot, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	b.checkClean(t)
}
