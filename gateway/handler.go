package gateway

import (
	"bytes"
	"errors"
	"net"

	"github.com/valyala/fasthttp"
)

// reservedPrefix holds the gateway's own endpoints; it is never proxied.
var reservedPrefix = []byte("/.anteroom/")

// handle is the request flow of SPEC: rate limits, the gateway's own
// endpoints, then the room the request belongs to, if any.
func (g *Gateway) handle(ctx *fasthttp.RequestCtx) {
	now := g.now()
	if ok, wait := g.clients.allow(g.clientIP(ctx), now); !ok {
		retryAfter(ctx, wait)
		g.plainError(ctx, fasthttp.StatusTooManyRequests, "Too many requests from your address. Please slow down; you keep your place.")
		return
	}
	host := ctx.Host()
	if len(host) == 0 {
		// Rooms are matched by host, and the origin would pick one itself.
		g.plainError(ctx, fasthttp.StatusBadRequest, "Malformed request.")
		return
	}
	path := ctx.Path()
	if bytes.HasPrefix(path, reservedPrefix) {
		g.endpoint(ctx, path[len(reservedPrefix):], now)
		return
	}
	r, bypass := g.router.route(host, path)
	if r == nil || bypass {
		g.forward(ctx, nil, "")
		// Orders to anteroom (revoke, release) mean nothing outside a
		// room, and are not the shopper's business either.
		dropAnteroomHeaders(&ctx.Response.Header)
		return
	}
	g.admit(ctx, r, now)
}

// badRequest answers requests fasthttp could not parse: too large, too
// slow, or malformed. Nothing of them reaches the origin.
func (g *Gateway) badRequest(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		g.plainError(ctx, fasthttp.StatusRequestEntityTooLarge, "Request body too large.")
	case errors.As(err, &small):
		g.plainError(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, "Request headers too large.")
	case errors.As(err, &ne) && ne.Timeout():
		g.plainError(ctx, fasthttp.StatusRequestTimeout, "Request timed out.")
	default:
		g.plainError(ctx, fasthttp.StatusBadRequest, "Malformed request.")
	}
	ctx.SetConnectionClose()
}
