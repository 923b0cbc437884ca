package gateway

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// forwarded holds per-request scratch space for forward, pooled so that the
// proxied path allocates nothing of its own.
type forwarded struct {
	hop    hopScratch
	cookie []byte
	num    []byte
}

var forwardPool = sync.Pool{New: func() any { return new(forwarded) }}

// forward sends the request to the origin and relays its answer. The
// request is rewritten in place: hop-by-hop and client-supplied anteroom
// and forwarding headers go, the gateway's own come in. r and sid name the
// room and session when the shopper was admitted.
func (g *Gateway) forward(ctx *fasthttp.RequestCtx, r *room, sid string) {
	if !g.originLimit.Allow() {
		g.originBusy.Add(1)
		ctx.Response.Header.Set("Retry-After", "1")
		g.plainError(ctx, fasthttp.StatusServiceUnavailable, "The shop is very busy right now. Please try again in a moment.")
		return
	}
	f := forwardPool.Get().(*forwarded)
	defer forwardPool.Put(f)

	req := &ctx.Request
	clientClose := req.Header.ConnectionClose()
	stripRequestHop(&req.Header, &f.hop)
	stripClientHeaders(&req.Header, &f.hop)
	f.cookie = stripOwnCookies(&req.Header, f.cookie)
	g.setForwardedHeaders(ctx, f)
	if r != nil {
		req.Header.Set("X-Anteroom-Room", r.name)
		if sid != "" {
			req.Header.Set("X-Anteroom-Session", sid)
		}
	}
	// Send the path the room was matched on, so the origin cannot be asked
	// for something the gateway did not check ("/ps5/../admin").
	req.SetRequestURIBytes(ctx.URI().RequestURI())
	req.UseHostHeader = true

	resp := &ctx.Response
	err := g.origin.DoTimeout(req, resp, g.cfg.Origin.Timeout)
	if err != nil {
		g.log.Debug("origin round trip failed", "err", err)
		g.originError(ctx, err)
		return
	}
	stripResponseHop(&resp.Header, &f.hop)
	if clientClose {
		ctx.SetConnectionClose()
	}
}

// originError maps a failed round trip to what the shopper is told: 504
// when the origin was too slow, 502 when it could not be reached or spoke
// nonsense.
func (g *Gateway) originError(ctx *fasthttp.RequestCtx, err error) {
	ctx.Response.Reset()
	var ne net.Error
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || (errors.As(err, &ne) && ne.Timeout()) {
		g.originFailures.Add(1)
		g.plainError(ctx, fasthttp.StatusGatewayTimeout, "The shop took too long to answer. Please try again.")
		return
	}
	g.originFailures.Add(1)
	g.plainError(ctx, fasthttp.StatusBadGateway, "The shop cannot be reached right now. Please try again shortly.")
}

// setForwardedHeaders tells the origin who really asked, and how.
func (g *Gateway) setForwardedHeaders(ctx *fasthttp.RequestCtx, f *forwarded) {
	ip := g.clientIP(ctx)
	f.num = ip.AppendTo(f.num[:0])
	ctx.Request.Header.SetBytesV("X-Forwarded-For", f.num)
	if g.isTLS(ctx) {
		ctx.Request.Header.Set("X-Forwarded-Proto", "https")
	} else {
		ctx.Request.Header.Set("X-Forwarded-Proto", "http")
	}
	ctx.Request.Header.SetBytesV("X-Forwarded-Host", ctx.Host())
}

// isTLS reports whether the shopper's connection is HTTPS: ours, or a
// trusted proxy's in front of us.
func (g *Gateway) isTLS(ctx *fasthttp.RequestCtx) bool {
	if ctx.IsTLS() {
		return true
	}
	return len(g.trusted) > 0 && g.isTrusted(peerAddr(ctx)) &&
		string(ctx.Request.Header.Peek("X-Forwarded-Proto")) == "https"
}

// plainError answers with a short text the shopper can read.
func (g *Gateway) plainError(ctx *fasthttp.RequestCtx, code int, msg string) {
	ctx.SetStatusCode(code)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(msg + "\n")
}

// retryAfter sets Retry-After in whole seconds, at least one.
func retryAfter(ctx *fasthttp.RequestCtx, d time.Duration) {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	var b [20]byte
	ctx.Response.Header.SetBytesV("Retry-After", strconv.AppendInt(b[:0], int64(s), 10))
}
