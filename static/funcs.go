package static

import (
	"fmt"
	"html"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// funcs are available to the built-in page and to operators' templates; the package
// doc lists them, since operators read it.
var funcs = template.FuncMap{
	"comma":   comma,
	"eta":     eta,
	"clock":   clock,
	"seconds": seconds,
	"asset":   assetURL,
	"title":   title,
	"live":    live,
	// The page's own language (PageData.Text): its words, numbers and waits.
	"t":         word,
	"num":       num,
	"wait":      wait,
	"pct":       pct,
	"countdown": countdown,
	"lang":      lang,
	"dir":       dir,
	"show":      show,
}

// comma formats a count with thousands separators. It takes any integer type so that
// templates can pass both the uint64 fields and literal ints.
func comma(v any) (string, error) {
	switch n := v.(type) {
	case uint64:
		return groupDigits(n), nil
	case uint:
		return groupDigits(uint64(n)), nil
	case uint32:
		return groupDigits(uint64(n)), nil
	case int:
		return signedComma(int64(n)), nil
	case int64:
		return signedComma(n), nil
	case int32:
		return signedComma(int64(n)), nil
	}
	return "", fmt.Errorf("comma: want an integer, got %T", v)
}

func signedComma(n int64) string {
	var b [27]byte // "-9,223,372,036,854,775,808"
	return string(appendSignedComma(b[:0], n))
}

func groupDigits(n uint64) string {
	var b [26]byte // "18,446,744,073,709,551,615"
	return string(appendGroupDigits(b[:0], n))
}

// appendSignedComma appends n with thousands separators. The magnitude of a negative n
// is taken as -(n+1)+1 so that math.MinInt64 does not overflow.
func appendSignedComma(dst []byte, n int64) []byte {
	if n < 0 {
		return appendGroupDigits(append(dst, '-'), uint64(-(n+1))+1)
	}
	return appendGroupDigits(dst, uint64(n))
}

// appendGroupDigits appends n with a comma between each group of three digits.
func appendGroupDigits(dst []byte, n uint64) []byte {
	var digits [20]byte
	s := strconv.AppendUint(digits[:0], n, 10)
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	dst = append(dst, s[:head]...)
	for i := head; i < len(s); i += 3 {
		dst = append(dst, ',')
		dst = append(dst, s[i:i+3]...)
	}
	return dst
}

// eta describes an estimated wait of lo to hi seconds in English words, as
// Text.appendETA does; wait says it in the page's language.
func eta(lo, hi int) string {
	var b [64]byte
	return string(appendETA(b[:0], lo, hi))
}

// appendETA appends eta(lo, hi), in English.
func appendETA(dst []byte, lo, hi int) []byte {
	return english.appendETA(dst, lo, hi)
}

// clock formats a countdown as hh:mm:ss; hours go past 24 rather than turning into days.
func clock(sec int) string {
	var b [32]byte
	return string(appendClock(b[:0], sec))
}

func appendClock(dst []byte, sec int) []byte {
	sec = max(sec, 0)
	h, m, s := sec/3600, sec/60%60, sec%60
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, int64(h), 10)
	return append(dst, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
}

// seconds rounds milliseconds up to whole seconds, at least 1.
func seconds(ms int) int {
	return max((ms+999)/1000, 1)
}

// title is the page's title: while the shopper has a place in line, the place comes
// first, "(12) PS5 drop", so that a tab in the background shows the line moving.
// waiting.js keeps it current the same way.
func title(d PageData) string {
	return string(appendTitle(nil, &d))
}

func appendTitle(dst []byte, d *PageData) []byte {
	if d.Position > 0 && placeShown(d.State) {
		dst = append(dst, '(')
		dst = textOf(d).num.appendNumber(dst, d.Position)
		dst = append(dst, ") "...)
	}
	return append(dst, d.Title...)
}

// textOf is d's language; normalize sets it, but a function may be called on a
// PageData that was not normalized.
func textOf(d *PageData) *Text {
	if d.Text == nil {
		return english
	}
	return d.Text
}

// word is the template function t: the page's text for key, in its language.
func word(d PageData, key string) (string, error) {
	i := slices.Index(keys, key)
	if i < 0 {
		return "", fmt.Errorf("t: unknown text %q", key)
	}
	return textOf(&d).words[i], nil
}

// num formats a count in the page's language: "1,234", "1.234", "١٬٢٣٤".
func num(d PageData, v any) (string, error) {
	var n uint64
	switch v := v.(type) {
	case uint64:
		n = v
	case int:
		n = uint64(max(v, 0))
	default:
		return "", fmt.Errorf("num: want a count, got %T", v)
	}
	return string(textOf(&d).num.appendNumber(nil, n)), nil
}

// wait is the estimated wait, ETALow to ETAHigh, in words in the page's language.
func wait(d PageData) string { return string(appendWait(nil, &d)) }

func appendWait(dst []byte, d *PageData) []byte {
	return textOf(d).appendETA(dst, d.ETALow, d.ETAHigh)
}

// pct is Progress as a percentage in the page's language: "42%", "42 %", "%42".
func pct(d PageData) string { return string(appendPct(nil, &d)) }

func appendPct(dst []byte, d *PageData) []byte {
	return textOf(d).num.appendPercent(dst, d.Progress)
}

// countdown is OpensInSeconds as hh:mm:ss in the page's digits.
func countdown(d PageData) string { return string(appendCountdown(nil, &d)) }

func appendCountdown(dst []byte, d *PageData) []byte {
	return textOf(d).num.appendClock(dst, d.OpensInSeconds)
}

// lang is the page's language, for <html lang>.
func lang(d PageData) string { return textOf(&d).lang }

// dir is the page's writing direction, for <html dir>: "rtl" or "ltr".
func dir(d PageData) string { return textOf(&d).dir }

// placeShown reports whether the page shows the shopper's place in line in state.
func placeShown(state string) bool {
	switch state {
	case StatePrequeue, StateWaiting, StatePaused, StateUnavailable:
		return true
	}
	return false
}

// live renders the attributes that hand the page's state to waiting.js. The values are
// escaped here because html/template passes a template.HTMLAttr through unchanged.
func live(d PageData) template.HTMLAttr {
	return template.HTMLAttr(appendLive(make([]byte, 0, 256+len(d.StatusURL)+len(d.Redirect)+len(d.Title)+len(textOf(&d).script)), &d))
}

// appendLive appends live(*d); the built-in page calls it directly so as not to
// allocate the string.
func appendLive(dst []byte, d *PageData) []byte {
	dst = append(dst, `id="anteroom" data-state="`...)
	dst = appendEscapedString(dst, d.State)
	dst = append(dst, `" data-room="`...)
	dst = appendEscapedString(dst, d.Room)
	dst = append(dst, `" data-status-url="`...)
	dst = appendEscapedString(dst, d.StatusURL)
	dst = append(dst, `" data-redirect="`...)
	dst = appendEscapedString(dst, d.Redirect)
	dst = append(dst, `" data-title="`...)
	dst = appendEscapedString(dst, d.Title)
	for _, f := range [...]struct {
		name string
		v    uint64
	}{
		{`" data-position="`, d.Position},
		{`" data-ahead="`, d.Ahead},
		{`" data-ticket="`, d.Ticket},
		{`" data-eta-low="`, uint64(max(d.ETALow, 0))},
		{`" data-eta-high="`, uint64(max(d.ETAHigh, 0))},
		{`" data-progress="`, uint64(max(d.Progress, 0))},
		{`" data-poll-after-ms="`, uint64(max(d.PollAfterMS, 0))},
		{`" data-opens-in="`, uint64(max(d.OpensInSeconds, 0))},
	} {
		dst = append(dst, f.name...)
		dst = strconv.AppendUint(dst, f.v, 10)
	}
	// How waiting.js says numbers and waits in the page's language: escaped already.
	dst = append(dst, `" data-text='`...)
	dst = append(dst, textOf(d).script...)
	return append(dst, '\'')
}

// show renders data-show="states", plus hidden unless state is one of the
// space-separated states, so the server and waiting.js agree on what is visible.
// The attributes for each states list are built once: the lists are template text,
// and the page calls show several times per render.
func show(state, states string) template.HTMLAttr {
	attrs := showAttrs(states)
	if shownIn(state, states) {
		return attrs[0]
	}
	return attrs[1]
}

// shownIn reports whether state is one of the space-separated states.
func shownIn(state, states string) bool {
	for s := range strings.FieldsSeq(states) {
		if s == state {
			return true
		}
	}
	return false
}

var (
	showCache     sync.Map // states → *[2]template.HTMLAttr{shown, hidden}
	showCacheSize atomic.Int32
)

// maxShowCache bounds the cache in case a custom template passes data, rather than a
// literal, as the list of states.
const maxShowCache = 256

func showAttrs(states string) *[2]template.HTMLAttr {
	if v, ok := showCache.Load(states); ok {
		return v.(*[2]template.HTMLAttr)
	}
	attr := `data-show="` + html.EscapeString(states) + `"`
	attrs := &[2]template.HTMLAttr{template.HTMLAttr(attr), template.HTMLAttr(attr + " hidden")}
	if showCacheSize.Load() < maxShowCache && showCacheSize.Add(1) <= maxShowCache {
		if v, loaded := showCache.LoadOrStore(states, attrs); loaded {
			showCacheSize.Add(-1)
			return v.(*[2]template.HTMLAttr)
		}
	}
	return attrs
}
