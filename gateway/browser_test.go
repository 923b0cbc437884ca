package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/anteroom/anteroom/gateway/config"
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
	return newTabFor(t, js, browserTestTimeout)
}

// newTabFor is newTab for a test that needs longer than browserTestTimeout.
func newTabFor(t *testing.T, js bool, timeout time.Duration) *tab {
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
	root, cancelRoot := context.WithTimeout(context.Background(), timeout)
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
			t.Logf("browser output:\n%s", out.quiet())
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
	Title    string   `json:"title"` // the tab's title
	HTML     string   `json:"html"`
	Text     string   `json:"text"`     // the rendered text, hidden parts left out
	State    string   `json:"state"`    // the waiting page's data-state; "" elsewhere
	Sections []string `json:"sections"` // data-show of the visible state sections
	Position string   `json:"position"` // the visible place in line; "" when hidden
	// PositionLive says the place in line is inside an aria-live region,
	// where screen readers would announce every poll (they should not).
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
    title: document.title,
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

// quiet returns the output without the complaints of a browser run in a
// container with no D-Bus, which say nothing about the test.
func (l *lockedBuffer) quiet() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var keep []string
	for line := range strings.Lines(l.buf.String()) {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "")
}

// browserConfig is testConfig for a browser: the room is polled every
// second, so that the tests are quick, and, as in the SPEC's example,
// /favicon.ico bypasses it. Browsers fetch it by themselves, and through
// the room a cookie-less fetch would take a ticket behind the page's back.
func browserConfig(originURL string) *config.Config {
	cfg := testConfig(originURL)
	cfg.Rooms[0].PollInterval = time.Second
	cfg.Rooms[0].Bypass = append(cfg.Rooms[0].Bypass, "/favicon.ico")
	return cfg
}

// busyRoom starts a gateway with a room of one, polled every second, whose
// only slot a Go shopper takes: a browser that comes next waits in line.
// The gateway's clock follows real time from here on. tune, if not nil,
// changes the room before the gateway starts.
func busyRoom(t *testing.T, clk *clock, tune func(*config.Room)) (*testGateway, *origin, *shopper) {
	t.Helper()
	o := newOrigin(t, nil)
	cfg := browserConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	if tune != nil {
		tune(&cfg.Rooms[0])
	}
	g := startGateway(t, cfg, nil, clk)
	holder := newShopper(t)
	if _, body := holder.get(g.URL + "/item"); !isShopPage(body) {
		t.Fatal("the first shopper should get the only slot")
	}
	runClock(t, g)
	return g, o, holder
}

// leaveRoom gives up the shopper's place or slot.
func leaveRoom(s *shopper, base string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/.anteroom/leave?room=shop", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	s.do(req)
}

// originRequests counts the origin's requests for path and returns the
// last of them.
func originRequests(o *origin, path string) (n int, last *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.requests {
		if r.URL.Path == path {
			n++
			last = r
		}
	}
	return n, last
}

// checkWaiting fails the test unless the browser shows the waiting page
// with the shopper at number pos.
func checkWaiting(t *testing.T, v view, pos string) {
	t.Helper()
	if v.State != "waiting" || !slices.Equal(v.Sections, []string{"waiting"}) {
		t.Fatalf("state %q, visible sections %q; want the waiting page\n%s", v.State, v.Sections, v.Text)
	}
	if v.Position != pos || !strings.Contains(v.Text, "Your place in line") {
		t.Errorf("position %q; want place %s in line\n%s", v.Position, pos, v.Text)
	}
	if want := "(" + pos + ") "; !strings.HasPrefix(v.Title, want) {
		t.Errorf("tab title %q, want it to start with the place, %q", v.Title, want)
	}
	if v.PositionLive {
		t.Error("the place in line is inside an aria-live region: screen readers would hear every poll")
	}
}

// TestBrowserWaitsAndLandsOnShop: a browser that finds the room full waits
// on the page, which polls; when the slot frees, the page's own polling
// takes it to the shop, with no console error and no CSP violation.
func TestBrowserWaitsAndLandsOnShop(t *testing.T) {
	g, o, holder := busyRoom(t, nil, nil)
	b := newTab(t, true)

	resp := b.open(t, g.URL+"/item")
	if csp, _ := resp.Headers["Content-Security-Policy"].(string); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("waiting page CSP %q, want a strict one: the check for violations relies on it", csp)
	}
	v := b.look(t)
	checkWaiting(t, v, "1")
	if v.Refresh {
		t.Error("the <noscript> refresh is live although JavaScript runs")
	}

	// The page keeps the shopper's place by polling, not by reloading.
	b.waitFor(t, 10*time.Second, "two status polls", func(v view) bool {
		return b.pollCount() >= 2 && v.State == "waiting" && v.Position == "1"
	})
	if n, _ := originRequests(o, "/item"); n != 1 {
		t.Fatalf("the origin got %d requests for /item while the browser waited, want only the holder's", n)
	}

	leaveRoom(holder, g.URL)
	b.waitFor(t, 20*time.Second, "the shop page at /item", func(v view) bool {
		return v.Path == "/item" && isShopPage(v.HTML)
	})
	if docs := b.documents(); !slices.Equal(docs, []string{"/item", "/item"}) {
		t.Errorf("documents loaded %q, want the waiting page then the shop, no reloads", docs)
	}
	if _, r := originRequests(o, "/item"); r == nil || r.Header.Get("X-Anteroom-Session") == "" {
		t.Error("the origin did not get the browser's /item with a session")
	}
	b.checkClean(t)
}

// TestBrowserWithoutJavaScriptLandsOnShop: with scripts off, the page
// reloads itself through its <noscript> refresh, and lands on the shop once
// the slot frees.
func TestBrowserWithoutJavaScriptLandsOnShop(t *testing.T) {
	g, o, holder := busyRoom(t, nil, nil)
	b := newTab(t, false)

	b.open(t, g.URL+"/item")
	v := b.look(t)
	checkWaiting(t, v, "1")
	if !v.Refresh {
		t.Fatal("no live <noscript> refresh: are scripts really off, or is the refresh gone?")
	}
	b.waitFor(t, 10*time.Second, "the page to reload itself", func(v view) bool {
		return len(b.documents()) >= 3 && v.State == "waiting" && v.Position == "1"
	})
	if n, _ := originRequests(o, "/item"); n != 1 {
		t.Fatalf("the origin got %d requests for /item while the browser waited, want only the holder's", n)
	}

	leaveRoom(holder, g.URL)
	b.waitFor(t, 20*time.Second, "the shop page at /item", func(v view) bool {
		return v.Path == "/item" && isShopPage(v.HTML)
	})
	if n := b.pollCount(); n != 0 {
		t.Errorf("%d status polls with scripts off", n)
	}
	if _, r := originRequests(o, "/item"); r == nil || r.Header.Get("X-Anteroom-Session") == "" {
		t.Error("the origin did not get the browser's /item with a session")
	}
	b.checkClean(t)
}

// countdownRE matches the page's countdown, hh:mm:ss.
var countdownRE = regexp.MustCompile(`^(\d\d):(\d\d):(\d\d)$`)

// countdownSeconds reads the page's countdown; -1 if it shows none.
func countdownSeconds(v view) int {
	m := countdownRE.FindStringSubmatch(v.Countdown)
	if m == nil {
		return -1
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	s, _ := strconv.Atoi(m[3])
	return h*3600 + mi*60 + s
}

// TestBrowserPrequeueCountsDownToOpening: before opens_at the page shows
// the pre-queue and a countdown that ticks in step with the gateway; at the
// opening it lets the browser in by itself.
func TestBrowserPrequeueCountsDownToOpening(t *testing.T) {
	clk := newClock()
	opens := clk.Now().Add(time.Hour)
	o := newOrigin(t, nil)
	cfg := browserConfig(o.URL)
	cfg.Rooms[0].OpensAt = opens
	g := startGateway(t, cfg, nil, clk)
	b := newTab(t, true)

	// The gateway's clock stands still until the first look, so that a
	// slow browser start cannot eat into the countdown being checked.
	b.open(t, g.URL+"/item")
	v := b.look(t)
	runClock(t, g)
	if v.State != "prequeue" || !slices.Equal(v.Sections, []string{"prequeue"}) {
		t.Fatalf("state %q, visible sections %q; want the pre-queue\n%s", v.State, v.Sections, v.Text)
	}
	if v.Position != "1" {
		t.Errorf("position %q, want 1: the pre-queue is in arrival order", v.Position)
	}
	first := countdownSeconds(v)
	if first < 3590 || first > 3600 {
		t.Fatalf("countdown %q, want about 01:00:00", v.Countdown)
	}
	// It ticks down by itself, and the polls keep it where the gateway is.
	v = b.waitFor(t, 10*time.Second, "the countdown to tick through two polls", func(v view) bool {
		n := countdownSeconds(v)
		return b.pollCount() >= 2 && n >= 0 && n <= first-2 && v.State == "prequeue"
	})
	if n, want := countdownSeconds(v), int(opens.Sub(clk.Now())/time.Second); n < want-2 || n > want+2 {
		t.Errorf("countdown %q, the gateway has %ds to go", v.Countdown, want)
	}
	if n, _ := originRequests(o, "/item"); n != 0 {
		t.Fatalf("the origin got %d requests for /item before the opening", n)
	}

	// Skip to just before the opening: the page follows the gateway, and
	// at the opening the only shopper in the pre-queue goes in.
	clk.Advance(opens.Sub(clk.Now()) - 3*time.Second)
	b.waitFor(t, 10*time.Second, "the countdown's last seconds", func(v view) bool {
		n := countdownSeconds(v)
		return n >= 0 && n <= 3
	})
	b.waitFor(t, 20*time.Second, "the shop page at /item", func(v view) bool {
		return v.Path == "/item" && isShopPage(v.HTML)
	})
	if docs := b.documents(); !slices.Equal(docs, []string{"/item", "/item"}) {
		t.Errorf("documents loaded %q, want the waiting page then the shop", docs)
	}
	b.checkClean(t)
}

// TestBrowserEarlyArrivalJoinsPrequeue: a shopper who comes before
// prequeue_from gets a countdown and no ticket; when the pre-queue begins,
// the page reloads by itself to join it, rather than waiting for the
// opening to queue behind everyone who came later.
func TestBrowserEarlyArrivalJoinsPrequeue(t *testing.T) {
	clk := newClock()
	o := newOrigin(t, nil)
	cfg := browserConfig(o.URL)
	cfg.Rooms[0].PrequeueFrom = clk.Now().Add(3 * time.Second)
	cfg.Rooms[0].OpensAt = clk.Now().Add(time.Hour)
	g := startGateway(t, cfg, nil, clk)
	b := newTab(t, true)

	// The gateway's clock stands still until the first look: a slow
	// browser start must not let the pre-queue begin before the page shows.
	b.open(t, g.URL+"/item")
	v := b.look(t)
	runClock(t, g)
	if v.State != "prequeue" || v.Position != "" {
		t.Fatalf("state %q, position %q; want the pre-queue page with no place yet", v.State, v.Position)
	}
	if n := countdownSeconds(v); n < 1 || n > 3 {
		t.Errorf("countdown %q, want the seconds to the pre-queue's start", v.Countdown)
	}
	v = b.waitFor(t, 15*time.Second, "a place in the pre-queue", func(v view) bool {
		return v.State == "prequeue" && v.Position == "1"
	})
	if n := countdownSeconds(v); n < 3500 || n > 3600 {
		t.Errorf("countdown %q, want the time to the opening", v.Countdown)
	}
	if docs := b.documents(); !slices.Equal(docs, []string{"/item", "/item"}) {
		t.Errorf("documents loaded %q, want one reload to join", docs)
	}
	b.checkClean(t)
}

// TestBrowserLostTicketRejoins: a page whose ticket cookie is gone learns
// from the status that it has no place, and reloads to get a ticket.
func TestBrowserLostTicketRejoins(t *testing.T) {
	g, _, _ := busyRoom(t, nil, nil)
	b := newTab(t, true)
	// With a #fragment, a reload to the same URL would not load at all.
	b.open(t, g.URL+"/item#reviews")
	checkWaiting(t, b.look(t), "1")

	b.dropTicket(t, g.URL)
	v := b.waitFor(t, 10*time.Second, "the page to rejoin the line", func(v view) bool {
		return len(b.documents()) >= 2 && v.State == "waiting" && v.Position != "" && v.Position != "1"
	})
	// Ticket 1 has not been given up, so the new one is behind it.
	checkWaiting(t, v, "2")
	if docs := b.documents(); len(docs) != 2 {
		t.Errorf("documents loaded %q, want one reload", docs)
	}
	b.checkClean(t)
}

// dropTicket deletes the browser's ticket cookie, as if it had run out.
func (b *tab) dropTicket(t *testing.T, base string) {
	t.Helper()
	if _, err := chromedp.Call(b.ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "anteroom_ticket_shop", URL: base + "/"}); err != nil {
		t.Fatalf("deleting the ticket cookie: %v", err)
	}
}

// TestBrowserClosedRoomStopsPolling: a page told that the room has closed
// says so and stops asking; closing is final.
func TestBrowserClosedRoomStopsPolling(t *testing.T) {
	clk := newClock()
	closes := clk.Now().Add(time.Hour)
	g, _, _ := busyRoom(t, clk, func(r *config.Room) {
		r.ClosesAt = closes
		r.SessionDuration = 2 * time.Hour // the holder keeps the slot past closing
	})
	b := newTab(t, true)
	b.open(t, g.URL+"/item")
	checkWaiting(t, b.look(t), "1")

	// Past closes_at a ticket still waits its turn; a shopper without one
	// is told the room has closed.
	clk.Advance(closes.Sub(clk.Now()))
	b.dropTicket(t, g.URL)
	b.waitFor(t, 10*time.Second, "the closed page", func(v view) bool {
		return v.State == "closed" && slices.Equal(v.Sections, []string{"closed"})
	})
	polls := b.pollCount()
	// Three poll intervals: a page still polling would have asked again.
	if _, err := chromedp.Run(b.ctx, chromedp.Sleep(3500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n := b.pollCount(); n != polls {
		t.Errorf("%d status polls after the room closed, want none", n-polls)
	}
	if docs := b.documents(); len(docs) != 1 {
		t.Errorf("documents loaded %q, want no reload", docs)
	}
	b.checkClean(t)
}

// TestBrowserSoldOutPollsSlowly: a page told the room is sold out says so
// and keeps asking, but seldom: stock comes back only as holds expire.
// Rather than sell the stock out through the queue, a stand-in in front of
// the gateway answers the status polls; the page and its assets are the
// gateway's.
func TestBrowserSoldOutPollsSlowly(t *testing.T) {
	g, _, _ := busyRoom(t, nil, nil)
	var answer atomic.Value
	answer.Store(`{"room":"shop","state":"waiting","position":1,"ahead":0,"eta_seconds":[0,0],"progress":0,"poll_after_ms":1000,"opens_in_seconds":0,"redirect":""}`)
	target, err := url.Parse(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.anteroom/status" {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer.Load().(string))
	}))
	t.Cleanup(front.Close)
	b := newTab(t, true)
	b.open(t, front.URL+"/item")
	checkWaiting(t, b.look(t), "1")
	b.waitFor(t, 10*time.Second, "a status poll", func(v view) bool { return b.pollCount() >= 1 })

	answer.Store(`{"room":"shop","state":"sold_out","position":0,"ahead":0,"eta_seconds":[0,0],"progress":0,"poll_after_ms":1000,"opens_in_seconds":0,"redirect":""}`)
	v := b.waitFor(t, 10*time.Second, "the sold-out page", func(v view) bool {
		return v.State == "sold_out" && slices.Equal(v.Sections, []string{"sold_out"})
	})
	if v.Position != "" || !strings.Contains(v.Text, "Sold out") {
		t.Errorf("position %q, text %q; want the sold-out notice alone", v.Position, v.Text)
	}
	polls := b.pollCount()
	// Three of the room's poll intervals: the page must ask less often.
	if _, err := chromedp.Run(b.ctx, chromedp.Sleep(3500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n := b.pollCount(); n != polls {
		t.Errorf("%d status polls within 3.5s of selling out, want none", n-polls)
	}
	if docs := b.documents(); len(docs) != 1 {
		t.Errorf("documents loaded %q, want no reload", docs)
	}
	b.checkClean(t)
}

// TestBrowserTabSeesProblems checks the checker: a page that breaks the
// gateway's Content-Security-Policy, throws and logs an error must be
// reported, or the clean bills of health above would mean nothing.
func TestBrowserTabSeesProblems(t *testing.T) {
	g, _, _ := busyRoom(t, nil, nil)
	resp, _ := newShopper(t).get(g.URL + "/item")
	csp := resp.Header.Get("Content-Security-Policy")
	if csp == "" {
		t.Fatal("the waiting page has no Content-Security-Policy")
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		if r.URL.Path == "/bad.js" {
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, "console.error('logged error'); notDefined();")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>bad</title><p style="color: red">inline style</p>`+
			`<script>inlineScript()</script><script src="/bad.js"></script>`)
	}))
	t.Cleanup(bad.Close)
	b := newTab(t, true)
	b.open(t, bad.URL+"/")
	b.waitFor(t, 5*time.Second, "the page's problems to be reported", func(view) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.problems) >= 4
	})
	b.mu.Lock()
	all := strings.Join(b.problems, "\n")
	b.mu.Unlock()
	for _, want := range []string{"style-src", "script-src", "notDefined", "logged error"} {
		if !strings.Contains(all, want) {
			t.Errorf("no report mentions %q; reports:\n%s", want, all)
		}
	}
}
