package gateway

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dashView is what the dashboard shows of room shop.
type dashView struct {
	Login   bool   `json:"login"` // the token form is shown
	State   string `json:"state"`
	Waiting string `json:"waiting"`
	Active  string `json:"active"`
	Stock   string `json:"stock"`
	// Points is the number of samples in the room's chart; Inked counts
	// the chart canvas's pixels that are not blank.
	Points int `json:"points"`
	Inked  int `json:"inked"`
	// Overflow says the page is wider than the screen.
	Overflow bool `json:"overflow"`
}

const dashScript = `(() => {
  const q = s => document.querySelector(s);
  const f = n => { const e = q('[data-room="shop"] [data-field="' + n + '"]'); return e ? e.textContent : ''; };
  const u = window.anteroomCharts && window.anteroomCharts.shop;
  let inked = 0;
  const c = q('[data-room="shop"] .chart canvas');
  if (c && c.width > 0) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) inked++; }
  }
  return {
    login: getComputedStyle(q('#login')).display !== 'none',
    state: f('state'), waiting: f('waiting'), active: f('active'), stock: f('stock_left'),
    points: u ? u.data[0].length : 0,
    inked: inked,
    overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
  };
})()`

// dashWait reads the dashboard until ok accepts it.
func dashWait(t *testing.T, b *tab, timeout time.Duration, what string, ok func(dashView) bool) dashView {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last dashView
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[dashView](dashScript))
		cancel()
		if err == nil {
			if ok(v) {
				return v
			}
			last = v
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, still waiting for %s; the dashboard shows %+v (err %v)", timeout, what, last, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserDashboard opens the dashboard in headless Chromium: it asks
// for the token, then shows the figures the API gives, follows them within
// the 2 s it promises, draws the last minutes in a chart, and fits a phone.
func TestBrowserDashboard(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := stockConfig(o.URL, 40)
	cfg.Rooms[0].MaxActiveUsers = 4
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	ctx := context.Background()
	for i := range 30 {
		if i < 7 {
			newShopper(t).get(g.URL + "/item")
		}
		g.clock.Advance(historyEvery)
		g.Tick(ctx)
		g.sampleRooms(g.clock.Now())
	}
	a := startAdmin(t, g, "s3cret")
	var api roomJSON
	a.getJSON("/api/v1/rooms/shop", &api)
	if api.Waiting != 3 || api.Active != 4 {
		t.Fatalf("API: waiting %d, active %d; want 3 and 4", api.Waiting, api.Active)
	}

	b := newTab(t, true)
	if _, err := chromedp.Run(b.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	b.open(t, a.base+"/")
	dashWait(t, b, 10*time.Second, "the token form", func(v dashView) bool { return v.Login })
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS("#token"), "s3cret"),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	v := dashWait(t, b, 10*time.Second, "the API's figures", func(v dashView) bool {
		return v.Waiting == strconv.Itoa(api.Waiting) && v.Active == strconv.Itoa(api.Active) && v.Points > 0 && v.Inked > 0
	})
	if v.State != "open" || v.Stock != "40 / 40" {
		t.Errorf("dashboard: state %q, stock %q; want open and 40 / 40", v.State, v.Stock)
	}
	if v.Points != 30 {
		t.Errorf("chart points: %d, want the 30 samples taken", v.Points)
	}
	if v.Overflow {
		t.Error("the dashboard is wider than a 390 px phone screen")
	}
	if dir := os.Getenv("ANTEROOM_ARTIFACTS"); dir != "" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "dashboard-phone.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The figures follow the sale within the 2 s the page promises.
	for range 2 {
		newShopper(t).get(g.URL + "/item")
	}
	g.clock.Advance(time.Second)
	g.Tick(ctx)
	changed := time.Now()
	dashWait(t, b, 5*time.Second, "5 waiting", func(v dashView) bool { return v.Waiting == "5" })
	if d := time.Since(changed); d > 3*time.Second {
		t.Errorf("the page took %s to show the change, want at most 2 s (plus a refresh's own time)", d)
	}
	g.roomList()[0].engine.Pause()
	dashWait(t, b, 5*time.Second, "the paused state", func(v dashView) bool { return v.State == "paused" })

	// The token is kept for the tab: a reload does not ask again.
	b.open(t, a.base+"/")
	dashWait(t, b, 10*time.Second, "the figures after a reload", func(v dashView) bool { return !v.Login && v.Waiting == "5" })
	b.checkClean(t)
}
