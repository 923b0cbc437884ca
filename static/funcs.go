package static

import (
	"fmt"
	"html"
	"html/template"
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
	"live":    live,
	"show":    show,
}

// comma formats a count with thousands separators. It takes any integer type so that
// templates can pass both the uint64 fields and literal ints.
func comma(v any) (string, error) {
	switch n := v.(type) {
	case uint64:
		return groupDigits(n, false), nil
	case uint:
		return groupDigits(uint64(n), false), nil
	case uint32:
		return groupDigits(uint64(n), false), nil
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
	if n < 0 {
		return groupDigits(uint64(-(n+1))+1, true)
	}
	return groupDigits(uint64(n), false)
}

func groupDigits(n uint64, negative bool) string {
	var digits [20]byte
	s := strconv.AppendUint(digits[:0], n, 10)
	if len(s) <= 3 && !negative {
		return string(s)
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if negative {
		out = append(out, '-')
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	out = append(out, s[:head]...)
	for i := head; i < len(s); i += 3 {
		out = append(out, ',')
		out = append(out, s[i:i+3]...)
	}
	return string(out)
}

// etaUnknown is what the page says when there is no estimate yet.
const etaUnknown = "We'll update this as the line moves"

// eta describes an estimated wait of lo to hi seconds in words. Minutes are used up to
// an hour and a half, hours beyond; the range is widened outwards (lo rounded, hi rounded
// up) so that it does not promise more than the estimate does. waiting.js has a copy of
// this function; keep the two in step.
func eta(lo, hi int) string {
	lo, hi = max(lo, 0), max(hi, 0)
	if lo > hi {
		lo, hi = hi, lo
	}
	switch {
	case hi == 0:
		return etaUnknown
	case hi < 60:
		return "less than a minute"
	case hi <= 90*60:
		return etaSpan((lo+30)/60, (hi+59)/60, "minute")
	default:
		return etaSpan((lo+1800)/3600, (hi+3599)/3600, "hour")
	}
}

func etaSpan(lo, hi int, unit string) string {
	lo = min(max(lo, 1), hi)
	if hi > 1 {
		unit += "s"
	}
	if lo == hi {
		return "about " + strconv.Itoa(hi) + " " + unit
	}
	return "about " + strconv.Itoa(lo) + "–" + strconv.Itoa(hi) + " " + unit
}

// clock formats a countdown as hh:mm:ss; hours go past 24 rather than turning into days.
func clock(sec int) string {
	sec = max(sec, 0)
	h, m, s := sec/3600, sec/60%60, sec%60
	b := make([]byte, 0, 8)
	if h < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(h), 10)
	b = append(b, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	return string(b)
}

// seconds rounds milliseconds up to whole seconds, at least 1.
func seconds(ms int) int {
	return max((ms+999)/1000, 1)
}

// live renders the attributes that hand the page's state to waiting.js. The values are
// escaped here because html/template passes a template.HTMLAttr through unchanged.
func live(d PageData) template.HTMLAttr {
	var b strings.Builder
	b.Grow(256 + len(d.StatusURL) + len(d.Redirect))
	b.WriteString(`id="anteroom" data-state="`)
	b.WriteString(html.EscapeString(d.State))
	b.WriteString(`" data-room="`)
	b.WriteString(html.EscapeString(d.Room))
	b.WriteString(`" data-status-url="`)
	b.WriteString(html.EscapeString(d.StatusURL))
	b.WriteString(`" data-redirect="`)
	b.WriteString(html.EscapeString(d.Redirect))
	for _, f := range [...]struct {
		name string
		v    uint64
	}{
		{"position", d.Position},
		{"ahead", d.Ahead},
		{"eta-low", uint64(max(d.ETALow, 0))},
		{"eta-high", uint64(max(d.ETAHigh, 0))},
		{"progress", uint64(max(d.Progress, 0))},
		{"poll-after-ms", uint64(max(d.PollAfterMS, 0))},
		{"opens-in", uint64(max(d.OpensInSeconds, 0))},
	} {
		b.WriteString(`" data-`)
		b.WriteString(f.name)
		b.WriteString(`="`)
		var num [20]byte
		b.Write(strconv.AppendUint(num[:0], f.v, 10))
	}
	b.WriteByte('"')
	return template.HTMLAttr(b.String())
}

// show renders data-show="states", plus hidden unless state is one of the
// space-separated states, so the server and waiting.js agree on what is visible.
// The attributes for each states list are built once: the lists are template text,
// and the page calls show several times per render.
func show(state, states string) template.HTMLAttr {
	attrs := showAttrs(states)
	for s := range strings.FieldsSeq(states) {
		if s == state {
			return attrs[0]
		}
	}
	return attrs[1]
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
