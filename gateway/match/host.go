package match

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ParseHost reads a room's host from the configuration into the form
// requests are compared with: lower case, without brackets around an IPv6
// address and without the trailing dot of a fully qualified name. A port is
// refused: rooms match a host on every port, and a port in the list would
// promise otherwise.
func ParseHost(s string) (string, error) {
	if h, port, err := net.SplitHostPort(s); err == nil && isDigits(port) {
		if name, err := ParseHost(h); err == nil {
			return "", fmt.Errorf("must not name a port: a room matches its hosts on every port, so write %q, got %q", name, s)
		}
	}
	h := s
	if len(h) > 2 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.WithZone("").String(), nil
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if !validName(h) {
		return "", fmt.Errorf(`must be a host name like "shop.example.com" (no scheme, path or port), got %q`, s)
	}
	return h, nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func validName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// RequestHost is a Host header as rooms name hosts: without ":port", an
// IPv6 literal without its brackets, and a name without the trailing dot of
// a fully qualified name, which names the same site ("shop.example.com." is
// shop.example.com to DNS and to the origin). Compare it to ParseHost's
// result with bytes.EqualFold.
func RequestHost(host []byte) []byte {
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
