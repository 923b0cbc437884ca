package static

import "bytes"

// Byte-for-byte copies of the escapers that html/template puts into the built-in page,
// written as appenders so that the fast renderer escapes without allocating. Each one
// says which html/template function it stands for; equivalence and fuzz tests hold
// the two to the same output.

// htmlEntities is html/template's htmlReplacementTable: what its HTML escapers
// (_html_template_htmlescaper, _html_template_rcdataescaper and
// _html_template_attrescaper, which agree for plain strings) replace. NUL becomes
// U+FFFD as the HTML parser itself would make it.
var htmlEntities = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// appendHTMLEscaped appends s escaped for HTML text, an RCDATA element such as <title>
// or a quoted attribute value. html/template decodes runes but replaces only ASCII
// ones and copies every other byte, valid UTF-8 or not; ASCII bytes never occur
// inside a multi-byte sequence, so going byte by byte gives the same output.
func appendHTMLEscaped(dst, s []byte) []byte {
	written := 0
	for i, c := range s {
		if repl := htmlEntities[c]; repl != "" {
			dst = append(dst, s[written:i]...)
			dst = append(dst, repl...)
			written = i + 1
		}
	}
	return append(dst, s[written:]...)
}

// stdEntities is what html.EscapeString replaces. live escapes with it, as it did
// before it became an appender, so custom templates see the attributes they always
// did; unlike html/template it leaves '+' and NUL alone.
var stdEntities = [256]string{
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// appendEscapedString appends html.EscapeString(s).
func appendEscapedString(dst []byte, s string) []byte {
	written := 0
	for i := 0; i < len(s); i++ {
		if repl := stdEntities[s[i]]; repl != "" {
			dst = append(dst, s[written:i]...)
			dst = append(dst, repl...)
			written = i + 1
		}
	}
	return append(dst, s[written:]...)
}

// urlKeep marks the bytes that html/template's URL normalizer leaves as they are:
// RFC 3986 unreserved and reserved characters. It encodes everything else, including
// quotes, spaces, controls and each byte of non-ASCII runes, as %xx.
var urlKeep = func() (keep [256]bool) {
	for _, c := range []byte("!#$&*+,/:;=?@[]-._~") {
		keep[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		keep[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		keep[c] = true
		keep[c-'a'+'A'] = true
	}
	return keep
}()

// appendURLAttr appends s as html/template writes a value into a URL attribute such as
// href="…": _html_template_urlfilter, then _html_template_urlnormalizer, then
// _html_template_attrescaper. They are done in one pass: after the normalizer, the
// only bytes left that the attribute escaper changes are '&' and '+'.
func appendURLAttr(dst, s []byte) []byte {
	if !isSafeURL(s) {
		s = []byte("#" + filterFailsafe)
	}
	return appendURLNormalized(dst, s)
}

// appendURLNormalized appends s as html/template writes a template.URL into a URL
// attribute: the filter lets it through, the normalizer and the attribute escaper
// still apply.
func appendURLNormalized(dst, s []byte) []byte {
	const hex = "0123456789abcdef" // html/template prints %xx in lower case
	written := 0
	for i, c := range s {
		switch {
		case c == '&' || c == '+':
			dst = append(dst, s[written:i]...)
			dst = append(dst, htmlEntities[c]...)
		case urlKeep[c]:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue // already percent-encoded: the normalizer does not encode it twice
		default:
			dst = append(dst, s[written:i]...)
			dst = append(dst, '%', hex[c>>4], hex[c&0xf])
		}
		written = i + 1
	}
	return append(dst, s[written:]...)
}

// filterFailsafe is what html/template prints in place of a value it refuses.
const filterFailsafe = "ZgotmplZ"

// isSafeURL is html/template's check that a URL has no scheme, or http, https or
// mailto; anything else ("javascript:") is refused.
func isSafeURL(s []byte) bool {
	for i, c := range s {
		switch c {
		case '/':
			return true // a path: any ':' after this is not a scheme
		case ':':
			// strings.EqualFold, as html/template uses, folds Unicode: "httpſ" is "https".
			scheme := s[:i]
			return bytes.EqualFold(scheme, []byte("http")) || bytes.EqualFold(scheme, []byte("https")) || bytes.EqualFold(scheme, []byte("mailto"))
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
