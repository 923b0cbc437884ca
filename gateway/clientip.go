package gateway

import (
	"bytes"
	"net"
	"net/netip"

	"github.com/valyala/fasthttp"
)

// clientIP is the address a request comes from: the peer, unless the peer
// is a trusted proxy, in which case X-Forwarded-For is read from the right,
// skipping trusted hops, so a client cannot name itself. Proxies that add
// a header of their own rather than extend the last one put the nearest
// hop in the last header, so the headers are read last to first too.
func (g *Gateway) clientIP(ctx *fasthttp.RequestCtx) netip.Addr {
	peer := peerAddr(ctx)
	if len(g.trusted) == 0 || !g.isTrusted(peer) {
		return peer
	}
	xffs := ctx.Request.Header.PeekAll("X-Forwarded-For")
	for i := len(xffs) - 1; i >= 0; i-- {
		xff := xffs[i]
		for len(xff) > 0 {
			var part []byte
			if j := bytes.LastIndexByte(xff, ','); j >= 0 {
				part, xff = xff[j+1:], xff[:j]
			} else {
				part, xff = xff, nil
			}
			a, ok := parseForwardedFor(part)
			if !ok {
				return peer // a garbled entry names nobody: the last hop that did
			}
			if !g.isTrusted(a) {
				return a
			}
			peer = a
		}
	}
	return peer
}

// parseForwardedFor reads one X-Forwarded-For entry: an address, possibly
// with a port ("192.0.2.1:4711", "[2001:db8::1]:4711") as some proxies
// write it. The zone of a link-local address is dropped, so one client is
// one key to the rate limiter.
func parseForwardedFor(b []byte) (netip.Addr, bool) {
	b = bytes.TrimSpace(b)
	if ap, err := netip.ParseAddrPort(string(b)); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if len(b) > 2 && b[0] == '[' && b[len(b)-1] == ']' {
		b = b[1 : len(b)-1]
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func (g *Gateway) isTrusted(a netip.Addr) bool {
	for _, p := range g.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerAddr(ctx *fasthttp.RequestCtx) netip.Addr {
	if tcp, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(tcp.IP); ok {
			return a.Unmap()
		}
	}
	return netip.IPv4Unspecified() // in-memory listeners in tests
}

// parseTrusted turns the configured CIDRs (or single addresses) into
// prefixes; validation has already refused bad ones.
func parseTrusted(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
