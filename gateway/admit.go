package gateway

import (
	"errors"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/static"
	"github.com/anteroom/anteroom/token"
)

// admit handles a request that belongs to a room: an admitted shopper is
// proxied, a waiting one gets the page, a newcomer is admitted or queued.
// A cookie that does not verify is treated as no cookie (and cleared): it
// never reaches the origin. buy says the request is for a purchase path.
func (g *Gateway) admit(ctx *fasthttp.RequestCtx, r *room, buy bool, now time.Time) {
	s, ok, stale := g.sessionOf(ctx, r, now)
	if ok {
		g.proxyAdmitted(ctx, r, buy, s, now)
		return
	}
	if stale {
		defer g.clearUnlessSet(ctx, r.sessionCookie)
	}
	t, ok, stale := g.ticketOf(ctx, r, now)
	if ok {
		g.waitWithTicket(ctx, r, buy, t, now)
		return
	}
	if stale {
		defer g.clearUnlessSet(ctx, r.ticketCookie)
	}
	g.arrive(ctx, r, buy, now)
}

// proxyAdmitted forwards an admitted shopper's request and keeps the
// session alive: its cookie is re-signed once a tenth of its life has
// passed, so the session slides without signing on every request.
func (g *Gateway) proxyAdmitted(ctx *fasthttp.RequestCtx, r *room, buy bool, s token.Session, now time.Time) {
	if !g.proxyAs(ctx, r, buy, s.ID, now) {
		return
	}
	ttl := r.cfg.SessionDuration
	if now.Sub(s.IssuedAt) >= ttl/10 {
		g.setSession(ctx, r, s.ID, now)
		r.engine.Refresh(s.ID)
	}
}

// proxyAs sends an admitted shopper's request to the origin — through a
// hold on one unit of stock when it is for a purchase path — whichever way
// the shopper was admitted (a session, a claim, or at once), and obeys the
// origin's revoke. It reports whether the session is still alive.
func (g *Gateway) proxyAs(ctx *fasthttp.RequestCtx, r *room, buy bool, sid string, now time.Time) bool {
	var o orders
	if buy {
		o = g.buy(ctx, r, sid, now)
	} else {
		o = g.forward(ctx, r, sid)
	}
	if !o.revoke {
		return true
	}
	if err := r.engine.Revoke(ctx, sid); err != nil {
		g.log.Warn("revoking session", "room", r.name, "err", err)
	}
	g.clearCookie(ctx, r.sessionCookie)
	return false
}

// waitWithTicket answers a shopper holding a ticket: the page with their
// place, or, when their turn has come, the shop itself.
func (g *Gateway) waitWithTicket(ctx *fasthttp.RequestCtx, r *room, buy bool, t token.Ticket, now time.Time) {
	st, err := r.engine.Status(ctx, inLine(t))
	if err != nil {
		g.storeDown(ctx, r, buy, err, now)
		return
	}
	switch {
	case st.State == queue.StateAdmitted:
		if g.proxyAs(ctx, r, buy, st.SessionID, now) {
			g.setSession(ctx, r, st.SessionID, now)
		}
		g.clearCookie(ctx, r.ticketCookie)
		return
	case st.Requeued:
		g.setTicket(ctx, r, st.Number, false, st.Line, now)
	}
	g.page(ctx, r, st, fasthttp.StatusOK)
}

// arrive handles a shopper with neither ticket nor session.
func (g *Gateway) arrive(ctx *fasthttp.RequestCtx, r *room, buy bool, now time.Time) {
	a, err := r.engine.Arrive(ctx)
	if err != nil {
		g.storeDown(ctx, r, buy, err, now)
		return
	}
	if a.Number != 0 && isSubresource(ctx) {
		// An image or script fetched by a page is not a shopper: its
		// ticket would be a phantom in line, racing the page's own. Only
		// navigations and API calls queue; the number it took is skipped.
		if err := r.engine.Leave(ctx, a.Number); err != nil {
			g.log.Warn("dropping a subresource's ticket", "room", r.name, "err", err)
		}
		retryAfter(ctx, r.cfg.PollInterval)
		g.roomError(ctx, r, fasthttp.StatusServiceUnavailable, static.MsgNotAdmitted)
		return
	}
	switch {
	case a.SessionID != "":
		if g.proxyAs(ctx, r, buy, a.SessionID, now) {
			g.setSession(ctx, r, a.SessionID, now)
		}
		return
	case a.Number != 0:
		g.setTicket(ctx, r, a.Number, a.Prequeue, a.Line, now)
		st, err := r.engine.Welcome(ctx, queue.Ticket{Number: a.Number, Prequeue: a.Prequeue, IssuedAt: now, Line: a.Line})
		if err != nil {
			g.storeDown(ctx, r, buy, err, now)
			return
		}
		g.page(ctx, r, st, fasthttp.StatusOK)
	default:
		g.page(ctx, r, r.engine.ArrivalStatus(a), fasthttp.StatusOK)
	}
}

// storeDown answers when the queue store cannot be reached: by default the
// shopper is told so honestly and waits; with on_failure: open, they are
// let through, still bounded by the origin rate limit — but never to a
// purchase path: no hold can be taken, and a purchase is never forwarded
// without one.
func (g *Gateway) storeDown(ctx *fasthttp.RequestCtx, r *room, buy bool, err error, now time.Time) {
	if !errors.Is(err, queue.ErrUnavailable) {
		g.log.Error("admission failed", "room", r.name, "err", err)
	}
	if buy {
		retryAfter(ctx, 5*time.Second)
		g.roomError(ctx, r, fasthttp.StatusServiceUnavailable, static.MsgPurchasesUnavailable)
		return
	}
	if g.cfg.Store.OnFailure == config.OnFailureOpen {
		g.forward(ctx, r, "")
		return
	}
	retryAfter(ctx, r.cfg.PollInterval)
	g.page(ctx, r, r.engine.UnavailableStatus(), fasthttp.StatusServiceUnavailable)
}

// isSubresource reports whether a browser says this request loads part of
// a page (an image, a script, a style sheet…) rather than a page or an API
// call. Clients that do not send Sec-Fetch-Dest count as pages.
func isSubresource(ctx *fasthttp.RequestCtx) bool {
	switch string(ctx.Request.Header.Peek("Sec-Fetch-Dest")) {
	case "", "document", "iframe", "frame", "empty":
		return false
	}
	return true
}
