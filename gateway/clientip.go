package gateway

import (
	"bytes"
	"net"
	"net/netip"

	"github.com/valyala/fasthttp"
)

// clientIP is the address a request comes from: the peer, unless the peer
// is a trusted proxy, in which case X-Forwarded-For is read from the right,
// skipping trusted hops, so a client cannot name itself.
func (g *Gateway) clientIP(ctx *fasthttp.RequestCtx) netip.Addr {
	peer := peerAddr(ctx)
	if len(g.trusted) == 0 || !g.isTrusted(peer) {
		return peer
	}
	xff := ctx.Request.Header.Peek("X-Forwarded-For")
	for len(xff) > 0 {
		var part []byte
		if i := bytes.LastIndexByte(xff, ','); i >= 0 {
			part, xff = xff[i+1:], xff[:i]
		} else {
			part, xff = xff, nil
		}
		a, err := netip.ParseAddr(string(bytes.TrimSpace(part)))
		if err != nil {
			return peer // a garbled header names nobody; trust the peer
		}
		a = a.Unmap()
		if !g.isTrusted(a) {
			return a
		}
		peer = a
	}
	return peer
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
