package static

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestErrorMessagesTranslated: every message has its own machine code and a
// text in every language, none of them left in English.
func TestErrorMessagesTranslated(t *testing.T) {
	seen := map[string]ErrorMessage{}
	for m := range numErrorMessages {
		c := m.Code()
		if c == "" || c == "error" {
			t.Errorf("message %d has no code", m)
		}
		if other, ok := seen[c]; ok {
			t.Errorf("messages %d and %d share the code %q", other, m, c)
		}
		seen[c] = m
	}
	if got := ErrorMessage(200).Code(); got != "error" {
		t.Errorf("an unknown message's code: got %q", got)
	}
	for _, l := range Languages {
		text := catalogue[l]
		for m := range numErrorMessages {
			if s := text.ErrorMessage(m); strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s has no text", l, m.Code())
			} else if l != "en" && s == english.ErrorMessage(m) {
				t.Errorf("%s: %s is the English text %q", l, m.Code(), s)
			}
		}
		for _, k := range errorKeys {
			if l != "en" && k != "err_tag" && text.Word(k) == english.Word(k) {
				t.Errorf("%s: %s is the English text %q", l, k, text.Word(k))
			}
		}
	}
}

func TestErrorData(t *testing.T) {
	tests := []struct {
		lang    string
		code    int
		msg     ErrorMessage
		heading string
		tag     string
		message string
	}{
		{"en", 503, MsgShopBusy, "The shop is very busy", "Error 503", "The shop is very busy right now. Please try again in a moment."},
		{"en", 502, MsgShopUnreachable, "The shop can't be reached", "Error 502", "The shop cannot be reached right now. Please try again shortly."},
		{"en", 500, MsgPageFailed, "Something went wrong", "Error 500", "The waiting page could not be shown; please reload."},
		{"en", 418, MsgMalformed, "This request can't be answered", "Error 418", "Malformed request."},
		{"en", 431, MsgHeadersTooLarge, "The request is too large", "Error 431", "Request headers too large."},
		{"en", 200, MsgLeftLine, "You have left the line", "Waiting room", "You have left the line. Thank you for your patience."},
		{"de", 429, MsgRateLimited, "Bitte etwas langsamer", "Fehler 429", "Zu viele Anfragen von Ihrer Adresse. Bitte etwas langsamer; Ihr Platz bleibt erhalten."},
		{"ar", 503, MsgShopBusy, "المتجر مزدحم جدًا", "خطأ ٥٠٣", "المتجر مزدحم جدًا الآن. يُرجى المحاولة مرة أخرى بعد لحظات."},
		{"ja", 504, MsgShopTimeout, "ショップの応答に時間がかかっています", "エラー 504", "ショップの応答に時間がかかりすぎました。もう一度お試しください。"},
		{"ko", 200, MsgLeftLine, "대기열에서 나왔습니다", "대기실", "대기열에서 나왔습니다. 기다려 주셔서 감사합니다."},
	}
	for _, tt := range tests {
		d := catalogue[tt.lang].ErrorData(tt.code, tt.msg)
		if d.Heading != tt.heading || d.Tag() != tt.tag || d.Message != tt.message || d.Lang != tt.lang || d.Code != tt.code {
			t.Errorf("%s %d: got %q / %q / %q (%s), want %q / %q / %q", tt.lang, tt.code, d.Heading, d.Tag(), d.Message, d.Lang, tt.heading, tt.tag, tt.message)
		}
	}
	var none *Text // a request no texts were looked up for: English
	if got := none.ErrorMessage(MsgNotFound); got != "Not found." {
		t.Errorf("nil texts: got %q", got)
	}
}

func TestErrorPageInEveryLanguage(t *testing.T) {
	for _, l := range Languages {
		text := catalogue[l]
		d := text.ErrorData(503, MsgShopBusy)
		d.Again = "/ps5?x=1"
		page := errorPageOf(t, d)
		dir := "ltr"
		if l == "ar" {
			dir = "rtl"
		}
		for _, want := range []string{
			`<html lang="` + l + `" dir="` + dir + `">`,
			"<title>" + escapeString(d.Heading) + "</title>",
			"<h1>" + escapeString(d.Heading) + "</h1>",
			"<p>" + escapeString(d.Message) + "</p>",
			`href="/ps5?x=1">` + escapeString(text.Word("err_again")) + "</a>",
		} {
			if !bytes.Contains(page, []byte(want)) {
				t.Errorf("%s: page lacks %q:\n%s", l, want, page)
			}
		}
	}
	// A page built by hand, without a language, is English.
	page := errorPageOf(t, ErrorData{Code: 500, Heading: "Oops", Message: "Try later."})
	if !bytes.Contains(page, []byte(`<html lang="en" dir="ltr">`)) || !bytes.Contains(page, []byte("Error 500")) {
		t.Errorf("hand-built page:\n%s", page)
	}
}

func errorPageOf(t testing.TB, d ErrorData) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteErrorPage(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// errorPageByTemplate is the page as html/template writes it, uncached.
func errorPageByTemplate(t testing.TB, d ErrorData) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := errorPage.Execute(&b, d.normalized()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestErrorPageLinkAsTemplate: a cached page with the request's own path put
// in its link is byte for byte what html/template writes, whatever the path.
func TestErrorPageLinkAsTemplate(t *testing.T) {
	for _, again := range []string{
		"/ps5", "/ps5?x=1&y=2", `/static/x?a="><script>alert(1)</script>`, "/a b/ü/%zz/%41", "/+&#'<>",
		"javascript:alert(1)", "//evil.example/", "/\\evil", "/x\x00y", "", "/" + strings.Repeat("é", 300),
	} {
		for _, l := range []string{"en", "ar"} {
			d := catalogue[l].ErrorData(503, MsgShopBusy)
			d.Again = again
			for range 2 { // rendered, then from the cache
				if got, want := errorPageOf(t, d), errorPageByTemplate(t, d); !bytes.Equal(got, want) {
					t.Fatalf("%s, path %q: got\n%s\nwant\n%s", l, again, got, want)
				}
			}
		}
	}
}

// FuzzErrorPageLink: any path gives the page html/template would write.
func FuzzErrorPageLink(f *testing.F) {
	f.Add("/ps5?x=1")
	f.Add(`/"'<>&+%zz`)
	f.Add("/\u00e9\u202e")
	f.Fuzz(func(t *testing.T, again string) {
		d := catalogue["de"].ErrorData(502, MsgShopUnreachable)
		d.Again = again
		if got, want := errorPageOf(t, d), errorPageByTemplate(t, d); !bytes.Equal(got, want) {
			t.Errorf("path %q: got\n%s\nwant\n%s", again, got, want)
		}
	})
}

func escapeString(s string) string { return string(appendEscapedString(nil, s)) }

// TestErrorPageCache: a page without a link is rendered once and then costs
// no allocation; the cache stays bounded whatever callers pass.
func TestErrorPageCache(t *testing.T) {
	var sink bytes.Buffer
	for _, again := range []string{"", "/ps5?x=1&y=%22"} {
		d := catalogue["ja"].ErrorData(502, MsgShopUnreachable)
		d.Again = again
		errorPageOf(t, d)
		if again != "" && raceEnabled {
			continue // sync.Pool drops items at random under the race detector
		}
		if n := testing.AllocsPerRun(100, func() {
			sink.Reset()
			WriteErrorPage(&sink, d)
		}); n != 0 {
			t.Errorf("link %q: a cached page costs %v allocations", again, n)
		}
	}

	errorPages.Lock()
	saved := errorPages.m
	errorPages.m = nil
	errorPages.Unlock()
	defer func() {
		errorPages.Lock()
		errorPages.m = saved
		errorPages.Unlock()
	}()
	for i := range maxCachedErrorPages + 100 {
		d := catalogue[Languages[i%len(Languages)]].ErrorData(500+i%5, ErrorMessage(i%int(numErrorMessages)))
		d.Message = fmt.Sprint(i)
		if i%2 == 0 {
			d.Again = "/x"
		}
		errorPageOf(t, d)
	}
	errorPages.RLock()
	n := len(errorPages.m)
	errorPages.RUnlock()
	if n != maxCachedErrorPages {
		t.Errorf("cache holds %d pages, want the bound %d", n, maxCachedErrorPages)
	}
}

// TestSessionLimitTranslated: the engine's per-shopper purchase limit message
// has its number in it; the page says it in its language, with its digits.
func TestSessionLimitTranslated(t *testing.T) {
	for _, tt := range []struct {
		lang, msg string
		n         uint64
		want      string
	}{
		{"de", "You have already bought the most one shopper may: 3.", 3, "Sie haben bereits die Höchstmenge pro Person gekauft: 3."},
		{"ar", "You have already bought the most one shopper may: 12.", 12, "لقد اشتريت بالفعل الحد الأقصى المسموح به للشخص الواحد: ١٢."},
		{"fr", "You have already bought the most one shopper may: 1234.", 1234, "Vous avez déjà acheté le maximum autorisé par personne\u00a0: 1\u00a0234."},
		{"en", "You have already bought the most one shopper may: 2.", 2, "You have already bought the most one shopper may: 2."},
		// Not the engine's message for that count: left as it is.
		{"de", "You have already bought the most one shopper may: two.", 2, ""},
		{"de", "You have already bought the most one shopper may: .", 3, ""},
		{"de", "You have already bought the most one shopper may: 99999999999999999999999.", 3, ""},
		{"de", "You have already bought the most one shopper may: 3. And more.", 3, ""},
		{"de", "You have already bought the most one shopper may: 3.", 4, ""},
		{"de", "You have already bought the most one shopper may: 3.", 0, ""},
	} {
		d := waitingData()
		d.Text, d.Message, d.MessageCount = catalogue[tt.lang], tt.msg, tt.n
		want := tt.want
		if want == "" {
			want = tt.msg
		}
		if got := normalize(d).Message; got != want {
			t.Errorf("%s %q (%d): got %q, want %q", tt.lang, tt.msg, tt.n, got, want)
		}
	}
}

// TestHostileAcceptLanguageIsQuick: a header of 10 000 tags, or garbage, is
// matched in bounded time, whatever it holds, and falls back to English.
func TestHostileAcceptLanguageIsQuick(t *testing.T) {
	ts, err := NewTexts("", nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "x-t%d;q=0.%d,", i, i%10)
	}
	tenThousand := b.String() + "de"
	start := time.Now()
	for i := range 200 {
		// Each one new, so that none comes from the cache of headers seen.
		for _, h := range []string{tenThousand[i:], strings.Repeat("*", 50000+i), strings.Repeat(";q=", 20000+i)} {
			if got := ts.For([]byte(h)).ErrorData(503, MsgShopBusy).Lang; got != "en" {
				t.Fatalf("header %.40q…: got %s, want en", h, got)
			}
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("600 hostile headers took %v", took)
	}
}
