package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
)

// errorGateway serves a gateway whose answer to GET /static/x is the given
// error status: 429 (one request per client, spent), 503 (one request to the
// origin, spent) or 502 (an origin that hangs up).
func errorGateway(t *testing.T, code int) *testGateway {
	t.Helper()
	reply := okReply
	if code == http.StatusBadGateway {
		reply = "" // hangs up
	}
	o := newRawOrigin(t, reply)
	cfg := hardenedConfig(o.URL)
	switch code {
	case http.StatusTooManyRequests:
		cfg.Limits.PerClient = config.Rate{RPS: 1, Burst: 1}
	case http.StatusServiceUnavailable:
		cfg.Limits.OriginRPS = 1
	}
	g := startGateway(t, cfg, nil, nil)
	if code != http.StatusBadGateway {
		// The one request allowed; the clock stands still, so it stays spent.
		rawDo(t, hostOf(g.URL), "GET /static/x HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	}
	return g
}

// getWith asks GET /static/x with the given Accept and Accept-Language.
func getWith(t *testing.T, g *testGateway, accept, acceptLanguage string) rawResponse {
	t.Helper()
	req := "GET /static/x HTTP/1.1\r\nHost: shop\r\nAccept: " + accept + "\r\n"
	if acceptLanguage != "" {
		req += "Accept-Language: " + acceptLanguage + "\r\n"
	}
	return rawDo(t, hostOf(g.URL), req+"Connection: close\r\n\r\n")
}

// TestErrorPagesInShoppersLanguage: the gateway's own 429, 503 and 502 are
// said in the language the browser asks for, Arabic laid out right to left,
// and JSON keeps a machine code that is the same in every language.
func TestErrorPagesInShoppersLanguage(t *testing.T) {
	cases := []struct {
		code             int
		machine          string
		heading, message map[string]string // by language
	}{
		{http.StatusTooManyRequests, "rate_limited",
			map[string]string{"de": "Bitte etwas langsamer", "ja": "少し間をおいてください", "ar": "يُرجى التمهّل", "en": "Please slow down"},
			map[string]string{"de": "Zu viele Anfragen von Ihrer Adresse.", "ja": "お使いのアドレスからのリクエストが多すぎます。", "ar": "طلبات كثيرة جدًا من عنوانك.", "en": "Too many requests from your address."}},
		{http.StatusServiceUnavailable, "shop_busy",
			map[string]string{"de": "Der Shop ist sehr ausgelastet", "ja": "ショップが大変混み合っています", "ar": "المتجر مزدحم جدًا", "en": "The shop is very busy"},
			map[string]string{"de": "Bitte versuchen Sie es gleich noch einmal.", "ja": "しばらくしてからもう一度お試しください。", "ar": "يُرجى المحاولة مرة أخرى بعد لحظات.", "en": "Please try again in a moment."}},
		{http.StatusBadGateway, "shop_unreachable",
			map[string]string{"de": "Der Shop ist nicht erreichbar", "ja": "ショップに接続できません", "ar": "تعذّر الوصول إلى المتجر", "en": "The shop can&#39;t be reached"},
			map[string]string{"de": "Der Shop ist gerade nicht erreichbar.", "ja": "現在ショップに接続できません。", "ar": "تعذّر الوصول إلى المتجر الآن.", "en": "The shop cannot be reached right now."}},
	}
	tags := map[string]string{"de": "Fehler 5", "ja": "エラー 5", "ar": "خطأ ٥", "en": "Error 5"}
	for _, tc := range cases {
		g := errorGateway(t, tc.code)
		for _, lang := range []string{"de", "ja", "ar", "en"} {
			header := map[string]string{"de": "de-CH, de;q=0.9, en;q=0.5", "ja": "ja-JP", "ar": "ar-EG,ar;q=0.9", "en": "tlh, xx;q=0.5"}[lang]
			r := getWith(t, g, "text/html,*/*;q=0.8", header)
			body := string(r.body)
			if r.resp.StatusCode != tc.code {
				t.Fatalf("%d %s: status %d", tc.code, lang, r.resp.StatusCode)
			}
			dir := "ltr"
			if lang == "ar" {
				dir = "rtl"
			}
			wants := []string{`<html lang="` + lang + `" dir="` + dir + `">`, "<h1>" + tc.heading[lang] + "</h1>", tc.message[lang]}
			if tc.code != http.StatusTooManyRequests {
				wants = append(wants, tags[lang]) // the status in the language's digits
			}
			for _, want := range wants {
				if !strings.Contains(body, want) {
					t.Errorf("%d, Accept-Language %q: page lacks %q:\n%s", tc.code, header, want, body)
				}
			}
			if lang != "en" && strings.Contains(body, tc.message["en"]) {
				t.Errorf("%d %s: the English message is on the page", tc.code, lang)
			}
			if got := r.resp.Header.Get("Vary"); !strings.Contains(got, "Accept-Language") {
				t.Errorf("%d %s: Vary %q, want Accept-Language: caches must not give one language to all", tc.code, lang, got)
			}

			r = getWith(t, g, "application/json", header)
			var j struct{ Error, Code string }
			if err := json.Unmarshal(r.body, &j); err != nil || j.Code != tc.machine || !strings.Contains(j.Error, tc.message[lang]) {
				t.Errorf("%d %s JSON: got %s (%v), want code %q and the %s message", tc.code, lang, r.body, err, tc.machine, lang)
			}
			r = getWith(t, g, "*/*", header)
			if ct := r.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(r.body), tc.message[lang]) || !strings.HasSuffix(string(r.body), "\n") {
				t.Errorf("%d %s text: got %s %q", tc.code, lang, ct, r.body)
			}
		}
	}
}

// TestErrorPageHostileAcceptLanguage: whatever Accept-Language says, the
// error page comes at once, in English when nothing in it is spoken.
func TestErrorPageHostileAcceptLanguage(t *testing.T) {
	g := errorGateway(t, http.StatusBadGateway)
	tenThousand := strings.Repeat("x-klingon;q=0.5,", 10000)
	for name, tc := range map[string]struct{ header, want string }{
		"star":             {"*", "en"},
		"star with q":      {"*;q=1.0, de;q=0", "en"},
		"garbage":          {";;;===,,,q=", "en"},
		"bad q":            {"de;q=2, fr;q=-1, ja;q=abc", "en"},
		"all refused":      {"de;q=0, ja;q=0.000", "en"},
		"one spoken":       {"de;q=0, ko;q=0.1", "ko"},
		"huge tag":         {strings.Repeat("a", 8000), "en"},
		"ten thousand":     {tenThousand[:14000], "en"},
		"spoken past 256B": {tenThousand[:1600] + "de", "en"},
		"non-ASCII":        {"日本語, العربية", "en"},
		"not UTF-8":        {"d\xe9\xff, \xfe;q=1", "en"},
	} {
		start := time.Now()
		r := getWith(t, g, "text/html", tc.header)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %v", name, took)
		}
		if r.resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(r.body), `<html lang="`+tc.want+`"`) {
			t.Errorf("%s: got %d, want 502 in %s:\n%.300s", name, r.resp.StatusCode, tc.want, r.body)
		}
	}
}

// TestErrorPageRoomLanguage: inside a room the error page honours the room's
// page.language and page.strings, and does not vary by Accept-Language when
// the language is fixed.
func TestErrorPageRoomLanguage(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Limits.OriginRPS = 1
	cfg.Rooms[0].Page.Strings = map[string]map[string]string{"de": {"err_shop_busy": "Gerade ist viel los – gleich noch einmal, bitte."}}
	g := startGateway(t, cfg, nil, nil)
	s := newShopper(t)
	if resp, _ := s.get(g.URL + "/item"); resp.StatusCode != http.StatusOK {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	resp, body := s.get(g.URL+"/item", "Accept", "text/html", "Accept-Language", "de")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Gerade ist viel los – gleich noch einmal, bitte.") ||
		!strings.Contains(body, "<h1>Der Shop ist sehr ausgelastet</h1>") {
		t.Errorf("page.strings: got %d %q, want 503 with the room's German text", resp.StatusCode, body)
	}
	// Outside the room, the built-in words.
	resp, body = s.get(g.URL+"/static/x", "Accept", "text/html", "Accept-Language", "de")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Bitte versuchen Sie es gleich noch einmal.") {
		t.Errorf("bypass path: got %d %q, want the built-in German text", resp.StatusCode, body)
	}

	// Leaving the line is not an error: no "Error 200", the page's own label.
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/.anteroom/leave", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Language", "ar")
	resp, body = s.do(req)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>لقد غادرت الطابور</h1>") ||
		!strings.Contains(body, `<p class="tag">غرفة الانتظار</p>`) || strings.Contains(body, "خطأ") {
		t.Errorf("leaving in Arabic: got %d %q", resp.StatusCode, body)
	}

	cfg = testConfig(o.URL)
	cfg.Limits.OriginRPS = 1
	cfg.Rooms[0].Page.Language = "ja"
	g = startGateway(t, cfg, nil, nil)
	s = newShopper(t)
	s.get(g.URL + "/item")
	resp, body = s.get(g.URL+"/item", "Accept", "text/html", "Accept-Language", "de, ar;q=0.5")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `<html lang="ja" dir="ltr">`) || !strings.Contains(body, "ショップが大変混み合っています") {
		t.Errorf("page.language ja: got %d %q, want the Japanese page", resp.StatusCode, body)
	}
	if v := resp.Header.Get("Vary"); strings.Contains(v, "Accept-Language") {
		t.Errorf("page.language ja: Vary %q, but the page is the same for every shopper", v)
	}
}
