package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The tests in this file open the waiting page in a real headless Chromium,
// against the real gateway and a real origin on loopback, and check what a
// shopper would see and that the page gets them to the shop by itself. They
// skip when chromium is not installed, except in CI (CI=true), where a
// missing browser fails them: CI must never pass by skipping.

// browserTestTimeout bounds one browser test, browser start-up included.
const browserTestTimeout = 45 * time.Second

// chromiumPath finds the browser, or skips (fails in CI) without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium not found (%v); CI must run the browser tests: apt-get install -y chromium", err)
	}
	t.Skipf("chromium not found (%v); to run the browser tests: apt-get install -y chromium", err)
	return ""
}

// runClock makes the gateway's fake clock follow real time while the
// browser test runs, ticking the rooms every 100ms as Serve would: the page
// polls on the browser's real clock and must see fresh state.
func runClock(t *testing.T, g *testGateway) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				g.clock.Advance(100 * time.Millisecond)
				g.Tick(ctx)
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// tab is one page of a headless Chromium started for one test. It records
// what the page did: the documents it loaded, its status polls, and
// whatever a shopper's console would show as an error.
type tab struct {
	ctx context.Context

	mu       sync.Mutex
	docs     []string // paths of the documents loaded, in order
	polls    int      // requests to /.anteroom/status
	problems []string // exceptions, console errors, CSP violations, blocked loads
}

// newTab starts a fresh browser with its own profile; with js false, the
// page's scripts do not run, as for a shopper who turned JavaScript off.
func newTab(t *testing.T, js bool) *tab {
	t.Helper()
	exe := chromiumPath(t)
	profile := t.TempDir()
	var out lockedBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&out),
	)
	// The whole browser lives under this deadline: a stuck test ends.
	root, cancelRoot := context.WithTimeout(context.Background(), browserTestTimeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	b := &tab{}
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(b.record))
	b.ctx = ctx
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		chromedp.Cancel(cctx)
		cancelTab()
		cancelAlloc()
		cancelRoot()
		if t.Failed() {
			t.Logf("browser output:\n%s", out.String())
		}
	})
	// The first command starts the browser.
	if js {
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("starting chromium: %v", err)
		}
	} else if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("starting chromium without JavaScript: %v", err)
	}
	return b
}

// record notes one event of the tab. It runs on chromedp's reading
// goroutine, so it only appends.
func (b *tab) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			return
		}
		switch {
		case e.Type == network.ResourceTypeDocument:
			b.docs = append(b.docs, u.Path)
		case u.Path == "/.anteroom/status":
			b.polls++
		}
	case *network.EventLoadingFailed:
		if e.BlockedReason != "" {
			b.problems = append(b.problems, fmt.Sprintf("load blocked (%s): %s", e.BlockedReason, e.ErrorText))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		// CSP violations are "security" entries of the browser log.
		if e.Entry.Level == log.EntryLevelError || e.Entry.Source == log.EntrySourceSecurity {
			b.problems = append(b.problems, fmt.Sprintf("console %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

func (b *tab) pollCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.polls
}

func (b *tab) documents() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.docs)
}

// checkClean fails the test if the page threw, logged an error or broke its
// Content-Security-Policy.
func (b *tab) checkClean(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser: %s", p)
	}
}

// open navigates to u and waits for it to load.
func (b *tab) open(t *testing.T, u string) *network.Response {
	t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	return resp
}

// view is what the shopper sees.
type view struct {
	Path     string   `json:"path"`
	HTML     string   `json:"html"`
	Text     string   `json:"text"`     // the rendered text, hidden parts left out
	State    string   `json:"state"`    // the waiting page's data-state; "" elsewhere
	Sections []string `json:"sections"` // data-show of the visible state sections
	Position string   `json:"position"` // the visible place in line; "" when hidden
	// PositionLive says the place in line is inside an aria-live region,
	// so screen readers announce it as it changes.
	PositionLive bool   `json:"positionLive"`
	Countdown    string `json:"countdown"` // the visible countdown; "" when hidden
	// Refresh says a <meta http-equiv=refresh> inside <noscript> is part of
	// the document, as it is only when scripting is off.
	Refresh bool `json:"refresh"`
}

// viewScript reads a view from the page. DevTools runs it even when the
// page's own scripts are disabled.
const viewScript = `(() => {
  const q = s => document.querySelector(s);
  const shown = el => !!el && !el.closest('[hidden]');
  const root = q('#anteroom'), pos = q('[data-field="position"]'), cd = q('[data-field="countdown"]');
  return {
    path: location.pathname,
    html: document.documentElement.outerHTML,
    text: document.body ? document.body.innerText : '',
    state: root ? root.getAttribute('data-state') : '',
    sections: Array.from(document.querySelectorAll('section[data-show]')).filter(shown).map(s => s.getAttribute('data-show')),
    position: shown(pos) ? pos.textContent : '',
    positionLive: !!pos && !!pos.closest('[aria-live="polite"]'),
    countdown: shown(cd) ? cd.textContent : '',
    refresh: !!q('head > noscript > meta[http-equiv="refresh"]'),
  };
})()`

// look reads the page once.
func (b *tab) look(t *testing.T) view {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[view](viewScript))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return v
}

// waitFor reads the page every 100ms until ok accepts what it shows, and
// fails the test after timeout. Unlike chromedp.Poll it carries on across
// navigations, which is what the waiting page is expected to make.
func (b *tab) waitFor(t *testing.T, timeout time.Duration, what string, ok func(view) bool) view {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tk := time.NewTicker(100 * time.Millisecond)
	defer tk.Stop()
	var last view
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[view](viewScript))
		cancel()
		if err == nil {
			if ok(v) {
				return v
			}
			last, lastErr = v, nil
		} else {
			lastErr = err // mid-navigation: try again
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, still waiting for %s; the page was %s (state %q, sections %q, position %q, countdown %q; err %v)\ndocuments %q, %d polls\n%s",
				timeout, what, last.Path, last.State, last.Sections, last.Position, last.Countdown, lastErr, b.documents(), b.pollCount(), last.Text)
		}
		select {
		case <-tk.C:
		case <-b.ctx.Done():
			t.Fatalf("waiting for %s: %v", what, context.Cause(b.ctx))
		}
	}
}

// lockedBuffer collects the browser's output from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestBrowserWaitsAndLandsOnShop(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	cfg.Rooms[0].PollInterval = time.Second
	g := startGateway(t, cfg, nil, nil)
	holder := newShopper(t)
	if _, body := holder.get(g.URL + "/item"); !isShopPage(body) {
		t.Fatal("the first shopper should get the only slot")
	}
	runClock(t, g)
	b := newTab(t, true)

	resp := b.open(t, g.URL+"/item")
	if csp, _ := resp.Headers["Content-Security-Policy"].(string); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("waiting page CSP %q, want a strict one (the check for violations below relies on it)", csp)
	}
	v := b.look(t)
	if v.State != "waiting" || !slices.Equal(v.Sections, []string{"waiting"}) {
		t.Fatalf("state %q, visible sections %q; want the waiting page", v.State, v.Sections)
	}
	if v.Position != "1" || !strings.Contains(v.Text, "You are number 1 in line") {
		t.Errorf("position %q, text %q; want number 1 in line", v.Position, v.Text)
	}
	if !v.PositionLive {
		t.Error("the place in line is not inside an aria-live region")
	}
	if v.Refresh {
		t.Error("the <noscript> refresh is live although JavaScript runs")
	}

	// The page keeps the shopper's place by polling, not by reloading.
	b.waitFor(t, 10*time.Second, "two status polls", func(v view) bool {
		return b.pollCount() >= 2 && v.State == "waiting" && v.Position == "1"
	})
	if n := o.count(); n != 1 {
		t.Fatalf("the origin got %d requests while the browser waited, want only the holder's", n)
	}

	holder.do(mustRequest(t, http.MethodPost, g.URL+"/.anteroom/leave?room=shop"))
	v = b.waitFor(t, 20*time.Second, "the shop page at /item", func(v view) bool {
		return v.Path == "/item" && isShopPage(v.HTML)
	})
	if docs := b.documents(); !slices.Equal(docs, []string{"/item", "/item"}) {
		t.Errorf("documents loaded %q, want the waiting page then the shop, no reloads", docs)
	}
	if r := o.last(); r == nil || r.URL.Path != "/item" || r.Header.Get("X-Anteroom-Session") == "" {
		t.Errorf("the origin's last request %v, want /item with a session", r)
	}
	b.checkClean(t)
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

