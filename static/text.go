package static

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// The page's words live in lang/<tag>.json, one file per language, all with the same
// keys; a room may override any of them per language (page.strings). A key's value is
// a string, or, for a phrase with a count in it, one string per CLDR plural category
// the language uses ("one", "few", "other"…), written "key.category" in overrides.

// Languages lists the languages the built-in page speaks, English first: it is the
// fallback when nothing a shopper accepts is spoken.
var Languages = []string{"en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "tr", "ja", "ko", "zh-Hans", "ar"}

// rtl are the languages written right to left: the page is mirrored for them.
var rtl = []string{"ar"}

// keys are the page's texts, in the order of Text.words, then the error page's
// (errortext.go); every language has each one.
var keys = append([]string{
	"tag", "prequeue_h", "prequeue_p", "waiting_h", "paused_h", "paused_p", "unavailable_h", "unavailable_p",
	"admitted_h", "admitted_p", "admitted_go", "sold_out_h", "sold_out_p", "closed_h", "closed_p", "closed_in_line",
	"home", "place", "ticket", "ahead", "eta", "eta_unknown", "eta_soon", "opens_in", "progress", "reconnecting",
	"keep", "say", "msg_unavailable", "msg_sold_out", "msg_forfeit_closed", "msg_requeued", "msg_session_limit",
}, errorKeys...)

// pluralKeys are the texts with a count, {n}, chosen by the count's plural category.
var pluralKeys = []string{"eta_min", "eta_hour"}

const (
	pluralMin = iota
	pluralHour
)

// Indexes of keys the code uses itself.
var (
	keyETAUnknown = keyIndex("eta_unknown")
	keyETASoon    = keyIndex("eta_soon")
	keySay        = keyIndex("say")
)

func keyIndex(k string) int {
	i := slices.Index(keys, k)
	if i < 0 {
		panic("static: no text key " + k)
	}
	return i
}

// pluralForms are CLDR's plural categories, indexed by x/text's plural.Form.
var pluralForms = [...]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}

// placeholders each text must keep, so that an override cannot drop the number.
var placeholders = map[string][]string{
	"eta_min":  {"{n}"},
	"eta_hour": {"{n}"},
	"say":      {"{place}", "{eta}"},
	// The engine's message has the count; the error page's label, the status.
	"msg_session_limit": {"{n}"},
	"err_tag":           {"{code}"},
}

// Text is the page in one language, with a room's overrides applied. Build one with
// [NewTexts]; the zero PageData.Text means the built-in English.
type Text struct {
	lang    string // BCP 47, as in <html lang>
	dir     string // "ltr" or "rtl"
	tag     language.Tag
	words   []string    // by index in keys
	plurals [][6]string // by index in pluralKeys, then plural.Form; "" falls back to other
	num     numberFormat
	// script is what waiting.js needs to say things the way the page does, JSON
	// escaped for an attribute, made once.
	script string
}

// Lang is the language's BCP 47 tag, "en" or "zh-Hans".
func (t *Text) Lang() string { return t.lang }

// Dir is "rtl" for a language written right to left, else "ltr".
func (t *Text) Dir() string { return t.dir }

// Word returns the text for key, "" for a key that does not exist.
func (t *Text) Word(key string) string {
	if i := slices.Index(keys, key); i >= 0 {
		return t.words[i]
	}
	return ""
}

// catalogue holds every language's built-in words, parsed once.
var catalogue = func() map[string]*Text {
	m := make(map[string]*Text, len(Languages))
	for _, l := range Languages {
		t, err := loadText(l)
		if err != nil {
			panic(fmt.Sprintf("static: %v", err))
		}
		m[l] = t
	}
	return m
}()

// english is the built-in page's language when none is chosen.
var english = catalogue["en"]

// englishMessages finds the engine's messages (queue.Status.Message), which are the
// English texts of the msg_ keys, so that the page can say them in its language.
var englishMessages = func() map[string]int {
	m := make(map[string]int)
	for i, k := range keys {
		if strings.HasPrefix(k, "msg_") && i != keySessionLimit {
			m[english.words[i]] = i
		}
	}
	return m
}()

// keySessionLimit is the engine's message for a shopper who bought their most
// (queue.Room.SessionLimitStatus), which has the number in it.
var keySessionLimit = keyIndex("msg_session_limit")

// translateCounted says the engine's message with the count n in it, the
// per-shopper purchase limit, in t's language: ok is false when msg is not
// that message for n, as the engine writes it (plain digits).
func translateCounted(t *Text, msg string, n uint64) (string, bool) {
	if n == 0 || msg != strings.Replace(english.words[keySessionLimit], "{n}", strconv.FormatUint(n, 10), 1) {
		return "", false
	}
	return strings.Replace(t.words[keySessionLimit], "{n}", string(t.num.appendNumber(nil, n)), 1), true
}

func loadText(lang string) (*Text, error) {
	src, err := files.ReadFile("lang/" + lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("texts for %s: %w", lang, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(src, &raw); err != nil {
		return nil, fmt.Errorf("texts for %s: %w", lang, err)
	}
	t := &Text{lang: lang, dir: "ltr", tag: language.MustParse(lang), words: make([]string, len(keys)), plurals: make([][6]string, len(pluralKeys))}
	if slices.Contains(rtl, lang) {
		t.dir = "rtl"
	}
	for k, v := range raw {
		if i := slices.Index(pluralKeys, k); i >= 0 {
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil {
				return nil, fmt.Errorf("texts for %s: %s: %w", lang, k, err)
			}
			for f, s := range forms {
				if err := t.set(k+"."+f, s); err != nil {
					return nil, fmt.Errorf("texts for %s: %w", lang, err)
				}
			}
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("texts for %s: %s: %w", lang, k, err)
		}
		if err := t.set(k, s); err != nil {
			return nil, fmt.Errorf("texts for %s: %w", lang, err)
		}
	}
	t.num = numberFormatFor(t.tag)
	t.script = t.scriptAttr()
	return t, nil
}

// set sets one text, "key" or "key.category".
func (t *Text) set(key, s string) error {
	base, form, isPlural := strings.Cut(key, ".")
	if isPlural {
		p := slices.Index(pluralKeys, base)
		f := slices.Index(pluralForms[:], form)
		if p < 0 || f < 0 {
			return fmt.Errorf("unknown text %q", key)
		}
		t.plurals[p][f] = s
	} else {
		i := slices.Index(keys, key)
		if i < 0 {
			if slices.Contains(pluralKeys, key) {
				return fmt.Errorf("text %q has a count: set %s.one, %s.other… (the language's plural categories)", key, key, key)
			}
			return fmt.Errorf("unknown text %q", key)
		}
		t.words[i] = s
	}
	for _, p := range placeholders[base] {
		if !strings.Contains(s, p) {
			return fmt.Errorf("text %q must contain %s", key, p)
		}
	}
	if unknown := unknownPlaceholder(base, s); unknown != "" {
		return fmt.Errorf("text %q: unknown placeholder %s", key, unknown)
	}
	return nil
}

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

// unknownPlaceholder returns a {name} in s that key does not fill, "" if none.
func unknownPlaceholder(key, s string) string {
	for _, p := range placeholderRE.FindAllString(s, -1) {
		if !slices.Contains(placeholders[key], p) {
			return p
		}
	}
	return ""
}

// plural returns the plural text p for the count n.
func (t *Text) plural(p int, n int) string {
	f := plural.Cardinal.MatchPlural(t.tag, n%10000000, 0, 0, 0, 0)
	if s := t.plurals[p][f]; s != "" {
		return s
	}
	return t.plurals[p][plural.Other]
}

// clone copies t so that overrides can be applied to the copy.
func (t *Text) clone() *Text {
	c := *t
	c.words = slices.Clone(t.words)
	c.plurals = slices.Clone(t.plurals)
	return &c
}

// pluralCategories returns the plural categories lang's whole numbers fall in.
func pluralCategories(tag language.Tag) []string {
	var out []string
	for n := range 1000 {
		f := pluralForms[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
