package gateway

import (
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/token"
)

// setCookie adds one of anteroom's cookies: HttpOnly so page scripts never
// see a token, SameSite=Lax so it comes along on a top-level navigation
// from another site, and Secure whenever the shopper is on HTTPS.
func (g *Gateway) setCookie(ctx *fasthttp.RequestCtx, name, value string, maxAge time.Duration) {
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	c.SetKey(name)
	c.SetValue(value)
	c.SetPath("/")
	c.SetHTTPOnly(true)
	c.SetSameSite(fasthttp.CookieSameSiteLaxMode)
	c.SetSecure(g.isTLS(ctx))
	if maxAge > 0 {
		c.SetMaxAge(int(maxAge / time.Second))
	} else {
		c.SetExpire(fasthttp.CookieExpireDelete)
	}
	ctx.Response.Header.SetCookie(c)
}

func (g *Gateway) clearCookie(ctx *fasthttp.RequestCtx, name string) {
	g.setCookie(ctx, name, "", 0)
}

// clearUnlessSet clears a cookie that did not verify, unless the answer
// already sets a new one of that name (a newcomer admitted at once gets a
// fresh session): clearing runs last, because proxying resets the answer.
func (g *Gateway) clearUnlessSet(ctx *fasthttp.RequestCtx, name string) {
	if len(ctx.Response.Header.PeekCookie(name)) == 0 {
		g.clearCookie(ctx, name)
	}
}

// setSession signs a session for sid, valid for the room's session
// duration from now.
func (g *Gateway) setSession(ctx *fasthttp.RequestCtx, r *room, sid string, now time.Time) {
	ttl := r.cfg.SessionDuration
	tok, err := g.keys.Load().ring.SignSession(token.Session{Room: r.name, ID: sid, IssuedAt: now, Expires: now.Add(ttl)})
	if err != nil {
		g.log.Error("signing session", "room", r.name, "err", err)
		return
	}
	g.setCookie(ctx, r.sessionCookie, tok, ttl)
}

// setTicket signs ticket number n for the shopper, issued when the room's
// serving counter stood at line.
func (g *Gateway) setTicket(ctx *fasthttp.RequestCtx, r *room, n uint64, prequeue bool, line uint64, now time.Time) {
	tok, err := g.keys.Load().ring.SignTicket(token.Ticket{
		Room: r.name, Number: n, Prequeue: prequeue, Line: line, Device: newDeviceID(),
		IssuedAt: now, Expires: now.Add(ticketLife),
	})
	if err != nil {
		g.log.Error("signing ticket", "room", r.name, "err", err)
		return
	}
	g.setCookie(ctx, r.ticketCookie, tok, ticketLife)
}

// maxTokenTries bounds how many cookies of one name are verified for a
// request: a shopper has one or two (a stale one at another path), and an
// attacker repeating a bogus one a thousand times must not buy a thousand
// signature checks with one request.
const maxTokenTries = 4

// eachCookie calls try with the value of every cookie called name, across
// every Cookie header of the request (HTTP/2 gateways and some clients
// send one per cookie), in order, until try accepts one or maxTokenTries
// were tried. It reports whether one was accepted, and whether any was
// there at all.
func eachCookie(h *fasthttp.RequestHeader, name string, try func([]byte) bool) (accepted, present bool) {
	tries := 0
	for _, header := range h.PeekAll("Cookie") {
		for rest := header; ; {
			v, next, found := token.NextCookie(rest, name)
			if !found {
				break
			}
			rest, present = next, true
			if v == nil {
				continue
			}
			if try(v) {
				return true, true
			}
			if tries++; tries == maxTokenTries {
				return false, true
			}
		}
	}
	return false, present
}

// sessionOf returns the shopper's session for room r: a cookie present,
// verified (from the cache, mostly), for this room and not ended. stale
// reports cookies that are there but none of which passes, to be cleared.
func (g *Gateway) sessionOf(ctx *fasthttp.RequestCtx, r *room, now time.Time) (s token.Session, ok, stale bool) {
	sessions := g.keys.Load().sessions
	ok, present := eachCookie(&ctx.Request.Header, r.sessionCookie, func(tok []byte) bool {
		var err error
		s, err = sessions.Parse(tok, now)
		return err == nil && s.Room == r.name && !r.engine.Ended(s.ID)
	})
	return s, ok, present && !ok
}

// ticketOf returns the shopper's ticket for room r, as sessionOf does.
func (g *Gateway) ticketOf(ctx *fasthttp.RequestCtx, r *room, now time.Time) (t token.Ticket, ok, stale bool) {
	tickets := g.keys.Load().tickets
	ok, present := eachCookie(&ctx.Request.Header, r.ticketCookie, func(tok []byte) bool {
		var err error
		t, err = tickets.Parse(tok, now)
		return err == nil && t.Room == r.name
	})
	return t, ok, present && !ok
}

// inLine is what the engine needs of a verified ticket.
func inLine(t token.Ticket) queue.Ticket {
	return queue.Ticket{Number: t.Number, Prequeue: t.Prequeue, IssuedAt: t.IssuedAt, Line: t.Line}
}
