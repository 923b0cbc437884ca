package static

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// numberFormat is how a language writes counts and percentages. It is read from
// golang.org/x/text's CLDR data once per language, by formatting sample numbers, so
// that the page can format without x/text's allocations on every render, and so that
// waiting.js, given the same few strings, writes numbers exactly as the page does. A
// test holds appendNumber to x/text's own output.
type numberFormat struct {
	digits              [10]string // "0"…"9", or "٠"…"٩"
	group               string     // between groups of three digits: ",", ".", "\u00a0", "٬"
	pctBefore, pctAfter string     // around the digits of a percentage: "%42", "42 %"
}

func numberFormatFor(tag language.Tag) numberFormat {
	p := message.NewPrinter(tag)
	var f numberFormat
	for i := range f.digits {
		f.digits[i] = p.Sprint(number.Decimal(i))
	}
	thousand := p.Sprint(number.Decimal(1000))
	f.group = strings.TrimSuffix(strings.TrimPrefix(thousand, f.digits[1]), strings.Repeat(f.digits[0], 3))
	f.pctBefore, f.pctAfter, _ = strings.Cut(p.Sprint(number.Percent(0.42)), f.digits[4]+f.digits[2])
	return f
}

// appendNumber appends n with the language's digits and group separator.
func (f *numberFormat) appendNumber(dst []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte(n % 10)
		n /= 10
		if n == 0 {
			break
		}
	}
	digits := buf[i:]
	for j, d := range digits {
		if j > 0 && (len(digits)-j)%3 == 0 {
			dst = append(dst, f.group...)
		}
		dst = append(dst, f.digits[d]...)
	}
	return dst
}

// appendPercent appends n% as the language writes it.
func (f *numberFormat) appendPercent(dst []byte, n int) []byte {
	dst = append(dst, f.pctBefore...)
	dst = f.appendNumber(dst, uint64(max(n, 0)))
	return append(dst, f.pctAfter...)
}

// appendClock appends a countdown as hh:mm:ss in the language's digits; hours go past
// 24 rather than turning into days.
func (f *numberFormat) appendClock(dst []byte, sec int) []byte {
	sec = max(sec, 0)
	h, m, s := sec/3600, sec/60%60, sec%60
	if h < 10 {
		dst = append(dst, f.digits[0]...)
	}
	dst = f.appendPlain(dst, uint64(h))
	dst = append(dst, ':')
	dst = append(dst, f.digits[m/10]...)
	dst = append(dst, f.digits[m%10]...)
	dst = append(dst, ':')
	dst = append(dst, f.digits[s/10]...)
	return append(dst, f.digits[s%10]...)
}

// appendPlain appends n in the language's digits, without grouping.
func (f *numberFormat) appendPlain(dst []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte(n % 10)
		n /= 10
		if n == 0 {
			break
		}
	}
	for _, d := range buf[i:] {
		dst = append(dst, f.digits[d]...)
	}
	return dst
}

// appendETA appends the estimated wait of lo to hi seconds in words, in t's language.
// Minutes are used up to an hour and a half, hours beyond; the range is widened
// outwards (lo rounded, hi rounded up) so that it does not promise more than the
// estimate does. The phrase takes the plural category of the range's upper end, as
// CLDR's plural ranges do for these languages. waiting.js has a copy of this
// function; keep the two in step.
func (t *Text) appendETA(dst []byte, lo, hi int) []byte {
	lo, hi = max(lo, 0), max(hi, 0)
	if lo > hi {
		lo, hi = hi, lo
	}
	switch {
	case hi == 0:
		return append(dst, t.words[keyETAUnknown]...)
	case hi < 60:
		return append(dst, t.words[keyETASoon]...)
	case hi <= 90*60:
		return t.appendETASpan(dst, pluralMin, (lo+30)/60, (hi+59)/60)
	default:
		return t.appendETASpan(dst, pluralHour, lo/3600+(lo%3600+1800)/3600, hi/3600+(hi%3600+3599)/3600)
	}
}

func (t *Text) appendETASpan(dst []byte, unit, lo, hi int) []byte {
	lo = min(max(lo, 1), hi)
	phrase := t.plural(unit, hi)
	before, after, _ := strings.Cut(phrase, "{n}")
	dst = append(dst, before...)
	if lo != hi {
		dst = t.num.appendNumber(dst, uint64(lo))
		dst = append(dst, "–"...)
	}
	dst = t.num.appendNumber(dst, uint64(hi))
	return append(dst, after...)
}
