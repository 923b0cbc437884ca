package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/static"
	"github.com/anteroom/anteroom/token"
)

// buy handles an admitted shopper's request on a purchase path: one
// unit of stock is held before the origin is asked, and the request
// carries a purchase token naming the hold. The origin's answer settles
// the hold: a 2xx sells the unit, anything else (or the header
// "X-Anteroom-Purchase: release") returns it. Without a unit left, or
// once the session has bought inventory.per_session units, the shopper is
// told at once (409) and the origin is not asked.
func (g *Gateway) buy(ctx *fasthttp.RequestCtx, r *room, sid string, now time.Time) orders {
	h, err := r.engine.Hold(ctx, sid, r.cfg.Inventory.Hold)
	switch {
	case errors.Is(err, queue.ErrSoldOut):
		g.page(ctx, r, r.engine.SoldOutStatus(), fasthttp.StatusConflict)
		return orders{}
	case errors.Is(err, queue.ErrSessionLimit):
		g.page(ctx, r, r.engine.SessionLimitStatus(), fasthttp.StatusConflict)
		return orders{}
	case errors.Is(err, queue.ErrNoStock), err != nil:
		if !errors.Is(err, queue.ErrNoStock) {
			g.log.Error("holding stock", "room", r.name, "err", err)
		}
		retryAfter(ctx, 5*time.Second)
		g.roomError(ctx, r, fasthttp.StatusServiceUnavailable, static.MsgPurchasesUnavailable)
		return orders{}
	}
	tok, err := g.keys.Load().purchase.Sign(token.Purchase{Room: r.name, HoldID: h.ID, Session: sid, IssuedAt: now, Expires: h.Expires})
	if err != nil {
		g.log.Error("signing purchase token", "room", r.name, "err", err)
		g.release(ctx, r, h.ID)
		g.roomError(ctx, r, fasthttp.StatusInternalServerError, static.MsgPurchaseFailed)
		return orders{}
	}
	o := g.forwardWith(ctx, r, sid, tok)
	g.settle(ctx, r, h.ID, o.release)
	return o
}

// settle confirms or releases a hold from the origin's answer.
func (g *Gateway) settle(ctx *fasthttp.RequestCtx, r *room, hid string, release bool) {
	code := ctx.Response.StatusCode()
	switch {
	case code == fasthttp.StatusGatewayTimeout && !release:
		// No answer in time: the order may or may not have gone through.
		// Counting it sold can only undersell; releasing could oversell.
		g.log.Warn("purchase outcome unknown (origin timed out): counted as sold", "room", r.name, "hold", hid)
	case release || code < 200 || code > 299:
		g.release(ctx, r, hid)
		return
	}
	if err := r.engine.Confirm(ctx, hid); err != nil {
		if errors.Is(err, queue.ErrHoldGone) {
			g.log.Error("a sale could not be counted: its hold had gone (expired, or the store lost its data) and no unit was left; check the stock against the shop's orders", "room", r.name, "hold", hid)
			return
		}
		g.log.Warn("confirming a sale", "room", r.name, "err", err)
	}
}

func (g *Gateway) release(ctx context.Context, r *room, hid string) {
	if err := r.engine.Release(ctx, hid); err != nil {
		g.log.Warn("releasing a hold", "room", r.name, "err", err)
	}
}
