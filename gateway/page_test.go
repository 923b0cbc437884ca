package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/static"
)

// fullRoom starts a gateway whose one slot a first shopper takes, so that the next
// arrivals wait; tune changes the room first.
func fullRoom(t *testing.T, tune func(*config.Room)) *testGateway {
	t.Helper()
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	if tune != nil {
		tune(&cfg.Rooms[0])
	}
	g := startGateway(t, cfg, nil, nil)
	if _, body := newShopper(t).get(g.URL + "/item"); !isShopPage(body) {
		t.Fatal("the first shopper should get the only slot")
	}
	return g
}

var (
	placeRE  = regexp.MustCompile(`<strong data-field="position">([^<]*)</strong>`)
	ticketRE = regexp.MustCompile(`<span data-field="ticket">([^<]*)</span>`)
)

// TestPageShowsPlaceNotTicket: the big figure is the place in line, which falls as
// people ahead leave; the ticket number stays as it was, labelled.
func TestPageShowsPlaceNotTicket(t *testing.T) {
	g := fullRoom(t, nil)
	first, second := newShopper(t), newShopper(t)
	first.get(g.URL + "/item")
	_, page := second.get(g.URL + "/item")
	place, ticket := placeRE.FindStringSubmatch(page), ticketRE.FindStringSubmatch(page)
	if place == nil || place[1] != "2" || ticket == nil || !strings.Contains(page, "(2) shop</title>") {
		t.Fatalf("second in line: place %q, ticket %q; want place 2 in the figure and the title\n%s", place, ticket, page)
	}
	leaveRoom(first, g.URL)
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	_, page = second.get(g.URL + "/item")
	if got := placeRE.FindStringSubmatch(page); got == nil || got[1] != "1" {
		t.Errorf("after the one ahead left: place %q, want 1", got)
	}
	if got := ticketRE.FindStringSubmatch(page); got == nil || got[1] != ticket[1] {
		t.Errorf("after the one ahead left: ticket %q, want it unchanged, %q", got, ticket[1])
	}
	if !strings.Contains(page, "(1) shop</title>") {
		t.Error("the title does not lead with the new place")
	}
}

func TestPageLanguage(t *testing.T) {
	g := fullRoom(t, func(r *config.Room) {
		r.Page.Strings = map[string]map[string]string{"de": {"waiting_h": "Du bist dabei <3"}}
	})
	for _, tt := range []struct {
		accept string
		want   []string
	}{
		{"", []string{`<html lang="en" dir="ltr">`, "Your place in line"}},
		{"de-AT,de;q=0.9,en;q=0.5", []string{`<html lang="de" dir="ltr">`, "<h2>Du bist dabei &lt;3</h2>", "Ihr Platz in der Warteschlange"}},
		{"ar-EG,ar;q=0.9", []string{`<html lang="ar" dir="rtl">`, "مكانك في الطابور"}},
		{"ja", []string{`<html lang="ja" dir="ltr">`, "列でのあなたの順番"}},
		{"xx", []string{`<html lang="en" dir="ltr">`}},
	} {
		resp, page := newShopper(t).get(g.URL+"/item", "Accept-Language", tt.accept)
		for _, want := range tt.want {
			if !strings.Contains(page, want) {
				t.Errorf("Accept-Language %q: page lacks %q", tt.accept, want)
			}
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Language" {
			t.Errorf("Accept-Language %q: Vary %q, want Accept-Language", tt.accept, got)
		}
	}

	_, arPage := newShopper(t).get(g.URL+"/item", "Accept-Language", "ar")
	if !regexp.MustCompile(`data-field="position">[٠-٩]+</strong>`).MatchString(arPage) {
		t.Errorf("ar: the place is not written in Arabic-Indic digits\n%s", arPage)
	}

	fixed := fullRoom(t, func(r *config.Room) { r.Page.Language = "fr" })
	resp, page := newShopper(t).get(fixed.URL+"/item", "Accept-Language", "de")
	if !strings.Contains(page, `<html lang="fr" dir="ltr">`) || !strings.Contains(page, "Votre place dans la file") {
		t.Errorf("page.language fr: the page is not in French\n%s", page)
	}
	if got := resp.Header.Get("Vary"); got != "" {
		t.Errorf("page.language fr: Vary %q, want none: the page does not vary", got)
	}
}

func TestPageConfigErrors(t *testing.T) {
	src := `
origin: { url: "http://127.0.0.1:9" }
rooms:
  - name: shop
    paths: ["/*"]
    max_active_users: 1
    new_users_per_minute: 60
    page:
      language: klingon
      strings:
        de:
          wating_h: "x"
          eta_min.other: "bald"
        xx: { tag: "x" }
      logo_file: /nonexistent/logo.png
      accent_color: "blue"
      message: "two\nlines"
      home_url: "javascript:alert(1)"
`
	_, err := config.Parse([]byte(src), "anteroom.yaml")
	if err == nil {
		t.Fatal("Parse: no error")
	}
	all := err.Error()
	for _, want := range []string{
		`line 9: rooms[0].page.language: must be one of en, de`,
		`line 12: rooms[0].page.strings.de.wating_h: unknown text "wating_h"`,
		`line 13: rooms[0].page.strings.de.eta_min.other: text "eta_min.other" must contain {n}`,
		`line 14: rooms[0].page.strings.xx: must be one of en`,
		`line 15: rooms[0].page.logo_file: reading logo: open /nonexistent/logo.png`,
		`line 16: rooms[0].page.accent_color: must be a colour like "#1d4ed8"`,
		`line 17: rooms[0].page.message: must be one line of plain text`,
		`line 18: rooms[0].page.home_url: must be an absolute http or https URL`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q; got:\n%s", want, all)
		}
	}
}

// TestPageLook: the shop's logo, accent, message and home link reach the page, and
// the CSP allows the accent's one <style> element by its hash, and nothing else.
func TestPageLook(t *testing.T) {
	logo := filepath.Join(t.TempDir(), "logo.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#c00"/></svg>`), 0o644); err != nil {
		t.Fatal(err)
	}
	g := fullRoom(t, func(r *config.Room) {
		r.Page.LogoFile, r.Page.AccentColor = logo, "#ff0"
		r.Page.Message, r.Page.HomeURL = "One per customer <3", "https://shop.example/"
	})
	resp, page := newShopper(t).get(g.URL + "/item")
	for _, want := range []string{`<img class="logo" src="data:image/svg&#43;xml;base64,`, `<p class="notice">One per customer &lt;3</p>`, "<style>:root{--accent:#"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	css := regexp.MustCompile(`<style>(.*?)</style>`).FindStringSubmatch(page)
	if css == nil {
		t.Fatal("no <style> element")
	}
	sum := sha256.Sum256([]byte(css[1]))
	csp := resp.Header.Get("Content-Security-Policy")
	if want := "style-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP %q is not strict", csp)
	}
}

// TestEngineMessagesAreTranslatable: the engine's fixed messages are the English
// texts the page translates (static/lang msg_* keys), so they reach shoppers in their
// language; a reworded message in queue/ fails here.
func TestEngineMessagesAreTranslatable(t *testing.T) {
	g := fullRoom(t, nil)
	e := g.rooms.Load().list[0].engine
	texts, err := static.NewTexts("", nil)
	if err != nil {
		t.Fatal(err)
	}
	en := texts.For(nil)
	for key, msg := range map[string]string{
		"msg_unavailable": e.UnavailableStatus().Message,
		"msg_sold_out":    e.SoldOutStatus().Message,
	} {
		if msg != en.Word(key) {
			t.Errorf("engine says %q; static/lang/en.json %s is %q", msg, key, en.Word(key))
		}
	}
}
