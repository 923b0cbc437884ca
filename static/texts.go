package static

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Texts is one room's page in every language: the built-in words with the room's
// overrides applied, and the choice among them by a request's Accept-Language.
type Texts struct {
	fixed *Text   // page.language: every shopper gets this one
	all   []*Text // by index in Languages

	mu     sync.RWMutex
	chosen map[string]uint8 // Accept-Language → index in all, for headers seen before
}

// maxChosen bounds the cache of Accept-Language headers; past it, new headers are
// matched on every request. Browsers send a handful of distinct values.
const maxChosen = 1024

// maxAcceptLanguage is how much of an Accept-Language header is read: a real one is
// a few dozen bytes, and a long one costs the matcher time for nothing.
const maxAcceptLanguage = 256

var matcher = language.NewMatcher(func() []language.Tag {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	return tags
}())

// CheckLanguage says whether the built-in page speaks lang (page.language).
func CheckLanguage(lang string) error {
	if !slices.Contains(Languages, lang) {
		return fmt.Errorf("must be one of %s, got %q", strings.Join(Languages, ", "), lang)
	}
	return nil
}

// CheckText says whether s may replace the built-in text key (page.strings.LANG.KEY);
// the error says what is wrong with the key or the text.
func CheckText(key, s string) error {
	return english.clone().set(key, s)
}

// TextKeys lists the keys page.strings may set: the plain ones, then "key.category"
// for every plural category of the built-in languages.
func TextKeys() []string {
	out := slices.Clone(keys)
	for _, k := range pluralKeys {
		for _, f := range pluralForms {
			out = append(out, k+"."+f)
		}
	}
	return out
}

// NewTexts builds a room's texts. lang, if not empty, fixes the language
// (page.language); overrides maps a language to keys and their texts
// (page.strings). Errors name the language and key.
func NewTexts(lang string, overrides map[string]map[string]string) (*Texts, error) {
	ts := &Texts{all: make([]*Text, len(Languages)), chosen: make(map[string]uint8)}
	for i, l := range Languages {
		ts.all[i] = catalogue[l]
	}
	langs := make([]string, 0, len(overrides))
	for l := range overrides {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		i := slices.Index(Languages, l)
		if i < 0 {
			return nil, fmt.Errorf("page strings: %s: %w", l, CheckLanguage(l))
		}
		t := ts.all[i].clone()
		ks := make([]string, 0, len(overrides[l]))
		for k := range overrides[l] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			if err := t.set(k, overrides[l][k]); err != nil {
				return nil, fmt.Errorf("page strings: %s: %w", l, err)
			}
		}
		t.script = t.scriptAttr()
		ts.all[i] = t
	}
	if lang != "" {
		i := slices.Index(Languages, lang)
		if i < 0 {
			return nil, fmt.Errorf("page language: %w", CheckLanguage(lang))
		}
		ts.fixed = ts.all[i]
	}
	return ts, nil
}

// Fixed reports whether the room always speaks one language, so that its page does
// not vary by Accept-Language.
func (ts *Texts) Fixed() bool { return ts.fixed != nil }

// For returns the texts for a request with the given Accept-Language header: the
// fixed language if there is one, else the best match among Languages by q-value,
// else English.
func (ts *Texts) For(acceptLanguage []byte) *Text {
	if ts.fixed != nil {
		return ts.fixed
	}
	if len(acceptLanguage) == 0 {
		return ts.all[0]
	}
	if len(acceptLanguage) > maxAcceptLanguage {
		// Whole entries only: a tag cut in two would spoil the parse.
		acceptLanguage = acceptLanguage[:maxAcceptLanguage]
		if i := bytes.LastIndexByte(acceptLanguage, ','); i > 0 {
			acceptLanguage = acceptLanguage[:i]
		}
	}
	ts.mu.RLock()
	i, ok := ts.chosen[string(acceptLanguage)]
	ts.mu.RUnlock()
	if ok {
		return ts.all[i]
	}
	h := string(acceptLanguage)
	i = uint8(chooseLanguage(h))
	ts.mu.Lock()
	if len(ts.chosen) < maxChosen {
		ts.chosen[h] = i
	}
	ts.mu.Unlock()
	return ts.all[i]
}

// chooseLanguage returns the index in Languages that best serves an Accept-Language
// header; 0, English, when nothing in it is spoken.
func chooseLanguage(header string) int {
	// A header with a bad entry still names the languages before it.
	tags, _, _ := language.ParseAcceptLanguage(header)
	if len(tags) == 0 {
		return 0
	}
	_, i, c := matcher.Match(tags...)
	if c == language.No {
		return 0
	}
	return i
}

// scriptAttr is what waiting.js needs to write numbers and waits as the page does,
// as JSON, escaped for a single-quoted attribute.
func (t *Text) scriptAttr() string {
	forms := func(p int) map[string]string {
		m := make(map[string]string)
		for f, s := range t.plurals[p] {
			if s != "" {
				m[pluralForms[f]] = s
			}
		}
		return m
	}
	b, err := json.Marshal(struct {
		Lang    string            `json:"lang"`
		Digits  [10]string        `json:"digits"`
		Group   string            `json:"group"`
		Pct     [2]string         `json:"pct"`
		Unknown string            `json:"unknown"`
		Soon    string            `json:"soon"`
		Min     map[string]string `json:"min"`
		Hour    map[string]string `json:"hour"`
		Say     string            `json:"say"`
	}{t.lang, t.num.digits, t.num.group, [2]string{t.num.pctBefore, t.num.pctAfter},
		t.words[keyETAUnknown], t.words[keyETASoon], forms(pluralMin), forms(pluralHour), t.words[keySay]})
	if err != nil {
		panic(fmt.Sprintf("static: texts for waiting.js: %v", err)) // only strings: cannot fail
	}
	// In single quotes: JSON is full of double ones, which would each cost "&#34;".
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(string(b))
}
