package gateway

import (
	"bytes"
	"strings"
)

// pattern is a configured path: exact ("/ps5") or a prefix ("/ps5/*",
// which matches "/ps5/" and everything below it).
type pattern struct {
	path   []byte
	prefix bool
}

func parsePattern(p string) pattern {
	if strings.HasSuffix(p, "/*") {
		return pattern{path: []byte(strings.TrimSuffix(p, "*")), prefix: true}
	}
	return pattern{path: []byte(p)}
}

// specificity orders matches: longer paths first, exact before prefix.
func (p pattern) specificity() int {
	s := 2 * len(p.path)
	if !p.prefix {
		s++
	}
	return s
}

func (p pattern) match(path []byte) bool {
	if p.prefix {
		return bytes.HasPrefix(path, p.path)
	}
	return bytes.Equal(path, p.path)
}

func parsePatterns(ps []string) []pattern {
	out := make([]pattern, len(ps))
	for i, p := range ps {
		out[i] = parsePattern(p)
	}
	return out
}

// bestMatch returns the specificity of the most specific pattern matching
// path, or -1.
func bestMatch(ps []pattern, path []byte) int {
	best := -1
	for _, p := range ps {
		if s := p.specificity(); s > best && p.match(path) {
			best = s
		}
	}
	return best
}

// router finds the room of a request: by host first, then by the most
// specific path. Rooms are few, so a scan beats anything cleverer.
type router struct {
	rooms []*room
}

// route returns the room a request belongs to, and whether the request is
// on that room's bypass list. A nil room means no room: proxy at once.
func (rt *router) route(host, path []byte) (*room, bool) {
	host = canonicalHost(host)
	var best *room
	bestScore := -1
	for _, r := range rt.rooms {
		if !r.hostMatches(host) {
			continue
		}
		score := bestMatch(r.paths, path)
		// A room naming its hosts beats one that takes any host.
		if score >= 0 && len(r.hosts) > 0 {
			score += 1 << 20
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	if best == nil {
		return nil, false
	}
	return best, bestMatch(best.bypass, path) >= 0
}

func (r *room) hostMatches(host []byte) bool {
	if len(r.hosts) == 0 {
		return true
	}
	for _, h := range r.hosts {
		if bytes.EqualFold(host, h) {
			return true
		}
	}
	return false
}

// canonicalHost is a Host header as rooms name hosts: without ":port",
// an IPv6 literal without its brackets, and a name without the trailing
// dot of a fully qualified name, which names the same site
// ("shop.example.com." is shop.example.com to DNS and to the origin, so it
// must be to the rooms too).
func canonicalHost(host []byte) []byte {
	host = stripPort(host)
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		return host[1 : len(host)-1]
	}
	return bytes.TrimRight(host, ".")
}

// stripPort drops ":port" from a Host header, leaving IPv6 brackets alone.
func stripPort(host []byte) []byte {
	i := bytes.LastIndexByte(host, ':')
	if i < 0 || bytes.IndexByte(host[i:], ']') >= 0 {
		return host
	}
	return host[:i]
}
