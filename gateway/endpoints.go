package gateway

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/static"
)

// endpoint serves the gateway's own paths under /.anteroom/.
func (g *Gateway) endpoint(ctx *fasthttp.RequestCtx, name []byte, now time.Time) {
	switch string(name) {
	case "status":
		if !ctx.IsGet() && !ctx.IsHead() {
			g.methodNotAllowed(ctx, "GET, HEAD")
			return
		}
		g.status(ctx, now)
	case "leave":
		if !ctx.IsPost() {
			g.methodNotAllowed(ctx, "POST")
			return
		}
		if !g.sameOrigin(ctx) {
			g.plainError(ctx, fasthttp.StatusForbidden, static.MsgCrossSite)
			return
		}
		g.leave(ctx, now)
	case "lottery":
		if !ctx.IsGet() && !ctx.IsHead() {
			g.methodNotAllowed(ctx, "GET, HEAD")
			return
		}
		g.lottery(ctx, now)
	case "jwks.json":
		// Shops fetch this to verify purchase tokens; keys change rarely.
		ctx.Response.Header.Set("Cache-Control", "public, max-age=300")
		ctx.SetContentType("application/json")
		ctx.SetBody(g.keys.Load().purchase.JWKS())
	default:
		if len(name) > len("assets/") && string(name[:len("assets/")]) == "assets/" {
			g.asset(ctx, string(name[len("assets/"):]))
			return
		}
		g.plainError(ctx, fasthttp.StatusNotFound, static.MsgNotFound)
	}
}

// sameOrigin reports whether a request that changes a shopper's state
// comes from this site's own pages, so that another site cannot make a
// shopper's browser give up their place: Sec-Fetch-Site, which browsers
// send and pages cannot forge, must say same-origin (or be absent, from a
// client that is not a browser), and Origin, when sent, must be this very
// site — scheme, host and port.
func (g *Gateway) sameOrigin(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	if site := h.Peek("Sec-Fetch-Site"); len(site) > 0 && string(site) != "same-origin" {
		return false
	}
	origin := h.Peek("Origin")
	if len(origin) == 0 {
		return true
	}
	scheme := "http://"
	if g.isTLS(ctx) {
		scheme = "https://"
	}
	rest, ok := bytes.CutPrefix(origin, []byte(scheme))
	return ok && len(rest) > 0 && bytes.EqualFold(rest, ctx.Host())
}

func (g *Gateway) methodNotAllowed(ctx *fasthttp.RequestCtx, allow string) {
	ctx.Response.Header.Set("Allow", allow)
	g.plainError(ctx, fasthttp.StatusMethodNotAllowed, static.MsgMethodNotAllowed)
}

// roomOf finds the room a /.anteroom/ request is about: its "room" query
// argument, or the only room there is.
func (g *Gateway) roomOf(ctx *fasthttp.RequestCtx) *room {
	name := ctx.QueryArgs().Peek("room")
	rooms := g.roomList()
	if len(name) == 0 && len(rooms) == 1 {
		return rooms[0]
	}
	for _, r := range rooms {
		if r.name == string(name) {
			return r
		}
	}
	return nil
}

// status answers the waiting page's poll: the shopper's place, or, when
// their turn has come, the claim of their slot and the way back to the shop.
// It never hands out a ticket: a poll without one learns the room's state,
// and the page reloads to join.
func (g *Gateway) status(ctx *fasthttp.RequestCtx, now time.Time) {
	r := g.roomOf(ctx)
	if r == nil {
		g.jsonError(ctx, fasthttp.StatusNotFound, "unknown room")
		return
	}
	g.tele.count(outStatus)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	if _, ok, _ := g.sessionOf(ctx, r, now); ok {
		g.writeStatus(ctx, r, r.engine.AdmittedStatus())
		return
	}
	t, ok, stale := g.ticketOf(ctx, r, now)
	if ok {
		st, err := r.engine.Status(ctx, inLine(t))
		if err != nil {
			retryAfter(ctx, r.cfg.PollInterval)
			ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
			g.writeStatus(ctx, r, r.engine.UnavailableStatus())
			return
		}
		switch {
		case st.State == queue.StateAdmitted:
			g.setSession(ctx, r, st.SessionID, now)
			g.clearCookie(ctx, r.ticketCookie)
		case st.Requeued:
			g.setTicket(ctx, r, st.Number, false, st.Line, now)
		}
		g.writeStatus(ctx, r, st)
		return
	}
	if stale {
		g.clearCookie(ctx, r.ticketCookie)
	}
	g.writeStatus(ctx, r, r.engine.Outlook())
}

// leave takes the shopper out of the room: their ticket leaves the line or
// their session ends, and both cookies are cleared.
func (g *Gateway) leave(ctx *fasthttp.RequestCtx, now time.Time) {
	r := g.roomOf(ctx)
	if r == nil {
		g.jsonError(ctx, fasthttp.StatusNotFound, "unknown room")
		return
	}
	if t, ok, _ := g.ticketOf(ctx, r, now); ok {
		if err := r.engine.Leave(ctx, t.Number); err != nil {
			g.log.Warn("leaving", "room", r.name, "err", err)
		}
	}
	if s, ok, _ := g.sessionOf(ctx, r, now); ok {
		if err := r.engine.End(ctx, s.ID); err != nil {
			g.log.Warn("ending session", "room", r.name, "err", err)
		}
	}
	g.clearCookie(ctx, r.ticketCookie)
	g.clearCookie(ctx, r.sessionCookie)
	if wantsJSON(ctx) {
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	}
	g.roomError(ctx, r, fasthttp.StatusOK, static.MsgLeftLine)
}

// asset serves the waiting page's CSS and JS from memory.
func (g *Gateway) asset(ctx *fasthttp.RequestCtx, name string) {
	data, ctype, ok := static.Asset(name)
	if !ok {
		g.plainError(ctx, fasthttp.StatusNotFound, static.MsgNotFound)
		return
	}
	etag := static.AssetETag(name)
	ctx.Response.Header.Set("ETag", etag)
	// The page links assets with ?v=<etag>, so a new build is a new URL.
	ctx.Response.Header.Set("Cache-Control", "public, max-age=31536000, immutable")
	if string(ctx.Request.Header.Peek("If-None-Match")) == etag {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	ctx.SetContentType(ctype)
	ctx.SetBody(data)
}

func newDeviceID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
