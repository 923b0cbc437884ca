package static

import (
	"encoding/json"
	"html"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// TestEveryLanguageHasEveryText reads each lang/*.json as it is, so that a missing or
// misspelt key fails here rather than showing a shopper an empty line; a phrase with a
// count must have every plural category the language's whole numbers fall in.
func TestEveryLanguageHasEveryText(t *testing.T) {
	entries, err := files.ReadDir("lang")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(Languages) {
		t.Errorf("lang/ has %d files, Languages lists %d", len(entries), len(Languages))
	}
	for _, l := range Languages {
		src, err := files.ReadFile("lang/" + l + ".json")
		if err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		var raw map[string]any
		if err := json.Unmarshal(src, &raw); err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		for _, k := range keys {
			if s, ok := raw[k].(string); !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: text %q is missing or empty", l, k)
			}
		}
		need := append(pluralCategories(language.MustParse(l)), "other")
		for _, k := range pluralKeys {
			forms, ok := raw[k].(map[string]any)
			if !ok {
				t.Errorf("%s: text %q is missing or not a set of plural forms", l, k)
				continue
			}
			for _, f := range need {
				if s, ok := forms[f].(string); !ok || !strings.Contains(s, "{n}") {
					t.Errorf("%s: text %q lacks plural form %q with {n}", l, k, f)
				}
			}
			for f := range forms {
				if !slices.Contains(need, f) {
					t.Errorf("%s: text %q has form %q, which the language never uses", l, k, f)
				}
			}
		}
		for k := range raw {
			if !slices.Contains(keys, k) && !slices.Contains(pluralKeys, k) {
				t.Errorf("%s: unknown text %q", l, k)
			}
		}
		if l != "en" {
			text := catalogue[l]
			for _, k := range []string{"waiting_h", "place", "closed_in_line", "eta_soon"} {
				if text.Word(k) == english.Word(k) {
					t.Errorf("%s: text %q is the English one", l, k)
				}
			}
		}
	}
}

func TestRightToLeft(t *testing.T) {
	for _, l := range Languages {
		want := "ltr"
		if l == "ar" {
			want = "rtl"
		}
		if got := catalogue[l].Dir(); got != want {
			t.Errorf("%s: dir %q, want %q", l, got, want)
		}
	}
}

// TestNumbersMatchXText holds the page's number formatting, which waiting.js copies,
// to golang.org/x/text's CLDR formatting in every language.
func TestNumbersMatchXText(t *testing.T) {
	for _, l := range Languages {
		tag := language.MustParse(l)
		p := message.NewPrinter(tag)
		f := catalogue[l].num
		for _, n := range []uint64{0, 1, 7, 12, 999, 1000, 1001, 12345, 999999, 1000000, 1234567, 9876543210, 1<<53 + 1} {
			if got, want := string(f.appendNumber(nil, n)), p.Sprint(number.Decimal(n)); got != want {
				t.Errorf("%s: %d: got %q, want %q", l, n, got, want)
			}
		}
		for _, n := range []int{0, 5, 42, 100} {
			if got, want := string(f.appendPercent(nil, n)), p.Sprint(number.Percent(float64(n)/100)); got != want {
				t.Errorf("%s: %d%%: got %q, want %q", l, n, got, want)
			}
		}
	}
	if got := string(catalogue["ar"].num.appendNumber(nil, 1234)); got != "١٬٢٣٤" {
		t.Errorf("ar: 1234: got %q, want Arabic-Indic digits", got)
	}
	if got := string(catalogue["ar"].num.appendClock(nil, 3723)); got != "٠١:٠٢:٠٣" {
		t.Errorf("ar: clock 3723: got %q", got)
	}
}

func TestETAInLanguages(t *testing.T) {
	tests := []struct {
		lang   string
		lo, hi int
		want   string
	}{
		{"en", 180, 300, "about 3–5 minutes"},
		{"en", 60, 60, "about 1 minute"},
		{"de", 180, 300, "etwa 3–5 Minuten"},
		{"de", 3000, 6000, "etwa 1–2 Stunden"},
		{"fr", 0, 45, "moins d'une minute"},
		{"pl", 60, 120, "około 1–2 minut"},
		{"pl", 300, 300, "około 5 minut"},
		{"pl", 60, 60, "około 1 minuty"},
		{"ja", 180, 300, "約3–5分"},
		{"ar", 120, 120, "حوالي ٢ دقيقتين"},
		{"ar", 180, 300, "حوالي ٣–٥ دقائق"},
		{"ar", 600, 900, "حوالي ١٠–١٥ دقيقة"},
		{"zh-Hans", 0, 0, "队伍前进时我们会更新此信息"},
	}
	for _, tt := range tests {
		if got := string(catalogue[tt.lang].appendETA(nil, tt.lo, tt.hi)); got != tt.want {
			t.Errorf("%s: eta(%d, %d): got %q, want %q", tt.lang, tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestChooseLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "en"},
		{"de-DE,de;q=0.9,en;q=0.8", "de"},
		{"en;q=0.1, ja;q=0.9", "ja"},
		{"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"},
		{"zh-CN,zh;q=0.9", "zh-Hans"},
		{"ar-EG", "ar"},
		{"pt-BR", "pt"},
		{"es-419", "es"},
		{"ko-KR", "ko"},
		{"de;q=0, it", "it"},
		{"xx-YY", "en"},
		{"*", "en"},
		{"tlh, i-klingon", "en"},
		{";;;===,,,q=", "en"},
		{"\x00\xff", "en"},
		{strings.Repeat("de-DE-x-aaaaaaaa,", 200), "de"},
	}
	ts, err := NewTexts("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		for range 2 { // the second time from the cache
			if got := ts.For([]byte(tt.header)).Lang(); got != tt.want {
				t.Errorf("Accept-Language %.40q: got %s, want %s", tt.header, got, tt.want)
			}
		}
	}
	fixed, err := NewTexts("ar", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fixed.For([]byte("de")).Lang(); got != "ar" || !fixed.Fixed() {
		t.Errorf("page.language ar: got %s (fixed %v), want ar whatever the shopper accepts", got, fixed.Fixed())
	}
}

func TestChosenCacheIsBounded(t *testing.T) {
	ts, err := NewTexts("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxChosen + 100 {
		ts.For([]byte("de;q=0." + strings.Repeat("9", i%5+1) + ", x-" + string(rune('a'+i%26)) + strings.Repeat("b", i/26%8)))
	}
	for i := range 3 * maxChosen {
		ts.For([]byte("fr, en;q=0." + string(rune('1'+i%9)) + strings.Repeat(" ", i)))
	}
	if n := len(ts.chosen); n > maxChosen {
		t.Errorf("cache holds %d headers, bound %d", n, maxChosen)
	}
}

func TestOverrides(t *testing.T) {
	ts, err := NewTexts("", map[string]map[string]string{
		"de": {"waiting_h": "Du bist dabei", "eta_min.one": "ca. {n} Min.", "eta_min.other": "ca. {n} Min."},
		"en": {"say": "Place {place}, wait {eta}"},
	})
	if err != nil {
		t.Fatal(err)
	}
	de := ts.For([]byte("de"))
	if got := de.Word("waiting_h"); got != "Du bist dabei" {
		t.Errorf("de waiting_h: got %q", got)
	}
	if got := string(de.appendETA(nil, 180, 300)); got != "ca. 3–5 Min." {
		t.Errorf("de eta: got %q", got)
	}
	if !strings.Contains(de.script, `"ca. {n} Min."`) {
		t.Errorf("waiting.js does not get the override: %s", de.script)
	}
	if got := ts.For(nil).Word("say"); got != "Place {place}, wait {eta}" {
		t.Errorf("en say: got %q", got)
	}
	// The texts for waiting.js sit in a single-quoted attribute: an override cannot
	// leave it.
	hostile, err := NewTexts("", map[string]map[string]string{"en": {"say": `'><script>x</script>&{place}"{eta}`}})
	if err != nil {
		t.Fatal(err)
	}
	if s := hostile.For(nil).script; strings.ContainsAny(s, "'<>") || !strings.Contains(s, `&#39;\u003e\u003cscript`) {
		t.Errorf("script attribute not escaped: %s", s)
	}
	// The built-in texts are shared: another room must not see the override.
	if got := catalogue["de"].Word("waiting_h"); got != "Sie sind in der Warteschlange" {
		t.Errorf("the override leaked into the catalogue: %q", got)
	}

	for _, bad := range []struct {
		lang      string
		overrides map[string]map[string]string
		want      string
	}{
		{"", map[string]map[string]string{"xx": {"tag": "x"}}, `xx: must be one of en, de`},
		{"", map[string]map[string]string{"de": {"wating_h": "x"}}, `de: unknown text "wating_h"`},
		{"", map[string]map[string]string{"de": {"eta_min": "x {n}"}}, `de: text "eta_min" has a count: set eta_min.one`},
		{"", map[string]map[string]string{"de": {"eta_min.lots": "x {n}"}}, `unknown text "eta_min.lots"`},
		{"", map[string]map[string]string{"de": {"eta_min.other": "bald"}}, `"eta_min.other" must contain {n}`},
		{"", map[string]map[string]string{"fr": {"say": "{place}"}}, `"say" must contain {eta}`},
		{"", map[string]map[string]string{"fr": {"tag": "{n}"}}, `unknown placeholder {n}`},
		{"klingon", nil, `page language: must be one of`},
	} {
		_, err := NewTexts(bad.lang, bad.overrides)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("NewTexts(%q, %v): got %v, want an error containing %q", bad.lang, bad.overrides, err, bad.want)
		}
	}
}

// TestEngineMessagesTranslated: the queue engine's messages, written in English, are
// said in the page's language.
func TestEngineMessagesTranslated(t *testing.T) {
	d := waitingData()
	d.Text = catalogue["de"]
	d.Message = english.Word("msg_unavailable")
	if got := normalize(d).Message; got != catalogue["de"].Word("msg_unavailable") {
		t.Errorf("got %q, want the German text", got)
	}
	d.Message = "Something only the gateway says."
	if got := normalize(d).Message; got != d.Message {
		t.Errorf("an unknown message changed: %q", got)
	}
}

func TestRenderInEveryLanguage(t *testing.T) {
	for _, l := range Languages {
		text := catalogue[l]
		for _, state := range []string{StatePrequeue, StateWaiting, StateAdmitted, StateSoldOut, StateClosed, StatePaused, StateUnavailable} {
			d := waitingData()
			d.State, d.Text = state, text
			fast, tmpl := renderBoth(t, d)
			if string(fast) != string(tmpl) {
				t.Fatalf("%s %s: Render differs from html/template %s", l, state, firstDifference(fast, tmpl))
			}
			page := string(fast)
			heading := map[string]string{StatePrequeue: "prequeue_h", StateWaiting: "waiting_h", StateAdmitted: "admitted_h",
				StateSoldOut: "sold_out_h", StateClosed: "closed_h", StatePaused: "paused_h", StateUnavailable: "unavailable_h"}[state]
			for _, want := range []string{
				`<html lang="` + l + `" dir="` + text.Dir() + `">`,
				"<h2>" + html.EscapeString(text.Word(heading)) + "</h2>",
				`data-text='` + text.script + `'`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("%s %s: page lacks %q", l, state, want)
				}
			}
		}
	}
}

// FuzzChooseLanguage: any Accept-Language header picks one of the page's languages.
func FuzzChooseLanguage(f *testing.F) {
	f.Add("de-DE,de;q=0.9,en;q=0.8")
	f.Add("ar;q=0.5, *;q=0.1")
	f.Add(";;;===,,,q=")
	f.Add(strings.Repeat("zh-Hant-TW-x-", 40))
	ts, err := NewTexts("", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if l := ts.For([]byte(header)).Lang(); !slices.Contains(Languages, l) {
			t.Errorf("Accept-Language %q: got %q", header, l)
		}
	})
}
