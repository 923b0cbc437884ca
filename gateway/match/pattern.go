package match

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// Pattern is a configured path: exact ("/ps5") or a prefix ("/ps5/*", which
// matches "/ps5/" and everything below it). It is stored canonical, and
// folded to lower case for a room whose origin ignores case.
type Pattern struct {
	path   []byte
	prefix bool
}

// ParsePattern reads a path pattern from the configuration. fold makes it
// match case-insensitively. The error says what is wrong and how to write
// it; it never happens for a pattern that once parsed.
func ParsePattern(s string, fold bool) (Pattern, error) {
	switch {
	case s == "":
		return Pattern{}, fmt.Errorf("must not be empty")
	case s[0] != '/':
		return Pattern{}, fmt.Errorf(`must start with "/", got %q`, s)
	case strings.Contains(strings.TrimSuffix(s, "/*"), "*"):
		return Pattern{}, fmt.Errorf(`may use "*" only as a trailing "/*", got %q`, s)
	case strings.ContainsAny(s, "?#"):
		return Pattern{}, fmt.Errorf("must be a path without query or fragment, got %q", s)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return Pattern{}, fmt.Errorf("must not contain spaces or control characters, got %q", s)
	case strings.Contains(s, ";"):
		return Pattern{}, fmt.Errorf(`must not contain ";": paths are matched with their ;parameters removed, got %q`, s)
	}
	body, prefix := strings.CutSuffix(s, "*")
	canon, err := Path(nil, []byte(body), false)
	if err != nil {
		return Pattern{}, fmt.Errorf("is not a valid path (%v), got %q", err, s)
	}
	if string(canon) != body {
		want := string(canon)
		if prefix {
			want += "*"
		}
		return Pattern{}, fmt.Errorf("is not in the canonical form requests are matched on: write %q, got %q", want, s)
	}
	if !prefix && len(body) > 1 && body[len(body)-1] == '/' {
		return Pattern{}, fmt.Errorf(`must not end in "/": a trailing slash is ignored when matching, so write %q (or %q for everything below it), got %q`,
			strings.TrimSuffix(body, "/"), body+"*", s)
	}
	if fold {
		canon = Fold(canon[:0:0], canon)
	}
	return Pattern{path: canon, prefix: prefix}, nil
}

// ParsePatterns parses a list of patterns; the error names the first bad one.
func ParsePatterns(ps []string, fold bool) ([]Pattern, error) {
	out := make([]Pattern, len(ps))
	for i, s := range ps {
		p, err := ParsePattern(s, fold)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		out[i] = p
	}
	return out, nil
}

// String is the pattern as written in the configuration (folded if so).
func (p Pattern) String() string {
	if p.prefix {
		return string(p.path) + "*"
	}
	return string(p.path)
}

// Specificity orders matches: longer paths first, exact before prefix.
func (p Pattern) Specificity() int {
	s := 2 * len(p.path)
	if !p.prefix {
		s++
	}
	return s
}

// Match reports whether the pattern matches one form of a request's path.
func (p Pattern) Match(path []byte) bool {
	if p.prefix {
		return bytes.HasPrefix(path, p.path)
	}
	return bytes.Equal(path, p.path)
}

// Covers reports whether p matches every path q matches.
func (p Pattern) Covers(q Pattern) bool {
	if p.prefix {
		return bytes.HasPrefix(q.path, p.path)
	}
	return !q.prefix && bytes.Equal(p.path, q.path)
}

// Best returns the specificity of the most specific pattern in ps matching
// path, or -1.
func Best(ps []Pattern, path []byte) int {
	best := -1
	for _, p := range ps {
		if s := p.Specificity(); s > best && p.Match(path) {
			best = s
		}
	}
	return best
}
