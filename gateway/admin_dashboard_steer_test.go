package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserDashboardPauses: the Pause button on the dashboard, in
// headless Chromium, pauses the room through the API (the engine stops
// admitting and a newcomer is told so), the card then shows it paused,
// and Resume undoes it; both are audited with the browser's address.
func TestBrowserDashboardPauses(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	g.Tick(context.Background())
	a := startAdmin(t, g, "s3cret")

	b := newTab(t, true)
	b.open(t, a.base+"/")
	dashWait(t, b, 10*time.Second, "the token form", func(v dashView) bool { return v.Login })
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS("#token"), "s3cret"),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	dashWait(t, b, 10*time.Second, "the room open", func(v dashView) bool { return !v.Login && v.State == "open" })

	click := func(button string) {
		t.Helper()
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`[data-room="shop"] button.`+button), chromedp.NodeVisible)); err != nil {
			t.Fatalf("clicking %s: %v", button, err)
		}
	}
	click("pause")
	deadline := time.Now().Add(5 * time.Second)
	for !g.roomList()[0].engine.Paused() {
		if time.Now().After(deadline) {
			t.Fatal("the Pause button did not pause the room")
		}
		time.Sleep(20 * time.Millisecond)
	}
	dashWait(t, b, 5*time.Second, "the paused state", func(v dashView) bool { return v.State == "paused" })
	if _, body := newShopper(t).get(g.URL + "/"); isShopPage(body) || !strings.Contains(body, "The line is paused") {
		t.Errorf("a newcomer after the dashboard's pause was not told the line is paused:\n%.300s", body)
	}
	if !strings.Contains(g.logs.String(), `what=paused old=false new=true from=127.0.0.1:`) {
		t.Errorf("the dashboard's pause was not audited:\n%s", g.logs.String())
	}

	click("resume")
	dashWait(t, b, 5*time.Second, "the open state again", func(v dashView) bool { return v.State == "open" })
	if g.roomList()[0].engine.Paused() {
		t.Error("the Resume button did not resume the room")
	}
	b.checkClean(t)
}
