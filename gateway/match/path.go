// Package match is how anteroom reads the host and path of a request, and
// the hosts and path patterns of its rooms: one canonical form, parsed once,
// used alike by configuration checks and by request routing, so that the
// two can never disagree.
//
// A path is matched on its canonical form (see Path), which is also the
// path the origin is sent; rooms and purchase paths also match its lenient
// forms (;parameters removed, trailing slash ignored, case folded when a
// room says so), since many origins route those to the same handler. A
// bypass applies only when the canonical form and the form without
// ;parameters both match it: a spelling the origin might read differently
// never skips a room.
package match

import "errors"

// Errors Path returns; a request with either is refused, never guessed at.
var (
	// ErrBadEscape is a "%" not followed by two hex digits.
	ErrBadEscape = errors.New("match: malformed percent-encoding in path")
	// ErrControl is a control character in a path, raw or percent-encoded
	// ("%00"): no shop URL has one, and origins disagree on what it means.
	ErrControl = errors.New("match: control character in path")
)

// Path appends to dst the canonical form of raw, a request path as sent
// (no query or fragment), and returns it:
//
//   - percent-encoded unreserved characters (RFC 3986: letters, digits,
//     "-", ".", "_", "~") are decoded; every other escape is kept, with
//     upper-case hex digits;
//   - "\", "%2F" and "%5C" separate segments like "/", as they do for the
//     origins that decode them (IIS, nginx, and browsers for "\");
//   - empty segments ("//") are dropped, and "." and ".." segments resolved
//     (RFC 3986 §5.2.4), never above the root;
//   - bytes a path may not hold raw (space, quotes, "<", ">", non-ASCII…)
//     are percent-encoded;
//   - a trailing slash is kept.
//
// With stripParams, every segment's ";parameters" are dropped before dot
// segments are resolved, as Tomcat and Spring read a path ("/a/..;x/b" is
// "/b" to them). The result always starts with "/", and Path of a canonical
// path is that path. raw and dst must not overlap.
func Path(dst, raw []byte, stripParams bool) ([]byte, error) {
	if canonical(raw, stripParams) {
		return append(dst, raw...), nil // nearly every request: only a copy
	}
	return rewrite(dst, raw, stripParams)
}

// rewrite is Path for a path that is not canonical yet.
func rewrite(dst, raw []byte, stripParams bool) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '/')
	seg := len(dst) // where the segment being read starts
	inParams := false
	for i := 0; i < len(raw); {
		c, escaped, n, err := unit(raw, i)
		if err != nil {
			return dst[:start], err
		}
		i += n
		switch {
		case c == '/' || c == '\\':
			dst, seg = endSegment(dst, start, seg, true)
			inParams = false
		case inParams:
		case c == ';' && !escaped && stripParams:
			inParams = true
		case escaped && !isUnreserved(c), !escaped && !isPathByte(c):
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	dst, _ = endSegment(dst, start, seg, false)
	return dst, nil
}

// canonical reports, in one pass, whether raw is already what Path would
// make of it: it starts with "/", holds only bytes a path keeps raw (no
// escape, no "\\", no ";" when parameters are stripped), and has no empty,
// "." or ".." segment but for a trailing slash.
func canonical(raw []byte, stripParams bool) bool {
	if len(raw) == 0 || raw[0] != '/' {
		return false
	}
	seg := 1 // where the current segment starts
	for i := 1; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '/' {
			c := raw[i]
			if !pathByte[c] || (stripParams && c == ';') {
				return false
			}
			continue
		}
		switch n := i - seg; {
		case n == 0:
			if i < len(raw) { // "//"; a trailing "/" is kept
				return false
			}
		case n == 1 && raw[seg] == '.', n == 2 && raw[seg] == '.' && raw[seg+1] == '.':
			return false
		}
		seg = i + 1
	}
	return true
}

// pathByte is isPathByte as a table, for canonical's scan.
var pathByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isPathByte(byte(c))
	}
	return t
}()

// unit reads the byte at raw[i], decoding a percent-escape: it returns the
// byte, whether it was escaped, and how many bytes of raw it took.
func unit(raw []byte, i int) (c byte, escaped bool, n int, err error) {
	c = raw[i]
	if c == '%' {
		if i+2 >= len(raw) {
			return 0, false, 0, ErrBadEscape
		}
		hi, ok1 := unhex(raw[i+1])
		lo, ok2 := unhex(raw[i+2])
		if !ok1 || !ok2 {
			return 0, false, 0, ErrBadEscape
		}
		c = hi<<4 | lo
		escaped, n = true, 3
	} else {
		n = 1
	}
	if c < 0x20 || c == 0x7f {
		return 0, false, 0, ErrControl
	}
	return c, escaped, n, nil
}

// endSegment closes the segment that started at seg in dst: an empty one
// is dropped (merging slashes), "." is dropped, ".." also drops the segment
// before it. more says a separator follows. It returns dst and where the
// next segment starts.
func endSegment(dst []byte, start, seg int, more bool) ([]byte, int) {
	s := dst[seg:]
	switch {
	case len(s) == 0:
		return dst, seg
	case len(s) == 1 && s[0] == '.':
		return dst[:seg], seg
	case len(s) == 2 && s[0] == '.' && s[1] == '.':
		dst = dst[:seg]
		if seg-1 > start { // a segment before this one: drop it too
			j := seg - 2
			for dst[j] != '/' {
				j--
			}
			dst = dst[:j+1]
		}
		return dst, len(dst)
	}
	if more {
		dst = append(dst, '/')
	}
	return dst, len(dst)
}

// isUnreserved reports whether c is an RFC 3986 unreserved character, which
// means the same escaped or not.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathByte reports whether c may stand raw in a path segment (RFC 3986
// pchar, less the "%" that starts an escape).
func isPathByte(c byte) bool {
	if isUnreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@':
		return true
	}
	return false
}

const upperHex = "0123456789ABCDEF"

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// TrimSlash returns path without its trailing slash, the root excepted.
func TrimSlash(path []byte) []byte {
	if len(path) > 1 && path[len(path)-1] == '/' {
		return path[:len(path)-1]
	}
	return path
}

// Fold appends path to dst in ASCII lower case, for rooms whose origin
// ignores case. Escapes fold too ("%C3" → "%c3"), as patterns do.
func Fold(dst, path []byte) []byte {
	for _, c := range path {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// HasParams reports whether a canonical path has a ";" that Path with
// stripParams would act on.
func HasParams(path []byte) bool {
	for _, c := range path {
		if c == ';' {
			return true
		}
	}
	return false
}
