package gateway

import (
	"bytes"
	"errors"
	"net"
	"sync"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/gateway/match"
	"github.com/anteroom/anteroom/static"
)

// reservedPrefix holds the gateway's own endpoints; it is never proxied.
var reservedPrefix = []byte("/.anteroom/")

// target is a request's path, read once into the forms rooms match on,
// with the scratch space to rewrite the request line; pooled, so reading it
// allocates nothing.
type target struct {
	path match.Request
	uri  []byte
}

var targetPool = sync.Pool{New: func() any { return new(target) }}

// handle is the request flow of SPEC: rate limits, the gateway's own
// endpoints, then the room the request belongs to, if any.
func (g *Gateway) handle(ctx *fasthttp.RequestCtx) {
	now := g.now()
	// First of all, before any header is read: a field sent after the body
	// is not a header, whatever name it takes.
	dropTrailers(&ctx.Request.Header)
	ip := g.clientIP(ctx)
	if ok, wait := g.clients.Load().allow(ip, now); !ok {
		g.tele.clientLimited.Inc()
		g.limited.note(ip) // for the warning of salelog.go
		retryAfter(ctx, wait)
		g.plainError(ctx, fasthttp.StatusTooManyRequests, static.MsgRateLimited)
		return
	}
	if !g.ordinary(ctx) {
		return
	}
	t := targetPool.Get().(*target)
	defer targetPool.Put(t)
	if err := t.read(&ctx.Request); err != nil {
		g.plainError(ctx, fasthttp.StatusBadRequest, static.MsgMalformed)
		return
	}
	host := ctx.Host()
	if len(host) == 0 {
		// Rooms are matched by host, and the origin would pick one itself.
		g.plainError(ctx, fasthttp.StatusBadRequest, static.MsgMalformed)
		return
	}
	path := t.path.Canonical
	if bytes.HasPrefix(path, reservedPrefix) {
		g.endpoint(ctx, path[len(reservedPrefix):], now)
		return
	}
	r, bypass := g.rooms.Load().router.route(host, &t.path)
	if r == nil || bypass {
		g.forward(ctx, nil, "")
		return
	}
	g.admit(ctx, r, r.isPurchase(&t.path), now)
}

// ordinary answers the requests that are not for a resource of the shop,
// and reports whether the request is one that is. CONNECT would make the
// gateway a tunnel; "OPTIONS *" asks about the server, which is us.
func (g *Gateway) ordinary(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	switch {
	case h.IsConnect():
		ctx.SetConnectionClose()
		g.methodNotAllowed(ctx, allowedMethods)
		return false
	case h.IsOptions() && string(h.RequestURI()) == "*":
		ctx.Response.Header.Set("Allow", allowedMethods)
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return false
	}
	return true
}

// allowedMethods is what the gateway passes on to a shop.
const allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

// read takes the request's path into its canonical form and makes the
// request line say exactly that: the origin is asked for the path the rooms
// were matched on, so no origin can route it anywhere the rooms did not
// look. An absolute request line ("GET http://host/...") names the host,
// which overrides Host (RFC 9112 §3.2.2): it becomes the Host header the
// rooms and the origin both see.
func (t *target) read(req *fasthttp.Request) error {
	uri := req.URI()
	absolute := !bytes.HasPrefix(req.Header.RequestURI(), []byte("/"))
	if absolute {
		if host := uri.Host(); !bytes.EqualFold(host, req.Header.Host()) {
			req.Header.SetHostBytes(host)
		}
	}
	if err := t.path.Set(uri.PathOriginal()); err != nil {
		return err
	}
	if !absolute && bytes.Equal(t.path.Canonical, uri.PathOriginal()) {
		return nil // already canonical: the common case rewrites nothing
	}
	t.uri = append(t.uri[:0], t.path.Canonical...)
	if q := uri.QueryString(); len(q) > 0 {
		t.uri = append(t.uri, '?')
		t.uri = append(t.uri, q...)
	}
	req.SetRequestURIBytes(t.uri)
	return nil
}

// badRequest answers requests fasthttp could not parse: too large, too
// slow, or malformed. Nothing of them reaches the origin.
func (g *Gateway) badRequest(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		g.plainError(ctx, fasthttp.StatusRequestEntityTooLarge, static.MsgBodyTooLarge)
	case errors.As(err, &small):
		g.plainError(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, static.MsgHeadersTooLarge)
	case errors.As(err, &ne) && ne.Timeout():
		g.plainError(ctx, fasthttp.StatusRequestTimeout, static.MsgRequestTimeout)
	default:
		g.plainError(ctx, fasthttp.StatusBadRequest, static.MsgMalformed)
	}
	ctx.SetConnectionClose()
}
