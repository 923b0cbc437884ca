package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue"
)

// lotteryAnswer is GET /.anteroom/lottery's answer: what a random room
// committed to before its pre-queue and, once the pre-queue is frozen,
// what anyone needs to recompute its order (anteroom lottery verify).
type lotteryAnswer struct {
	Room string `json:"room"`
	// Draw names the function that orders the pre-queue.
	Draw         string     `json:"draw"`
	SeedSHA256   string     `json:"seed_sha256"`
	CommittedAt  time.Time  `json:"committed_at"`
	PrequeueFrom *time.Time `json:"prequeue_from"`
	OpensAt      *time.Time `json:"opens_at"`
	Revealed     bool       `json:"revealed"`
	Seed         string     `json:"seed,omitempty"`
	Tickets      *uint64    `json:"tickets,omitempty"`
	Verify       string     `json:"verify,omitempty"`
}

// lottery serves the room's lottery. It is public and the same for every
// shopper, so caches may keep it: for a few seconds while the seed is
// hidden (never past the opening), for a minute once shown, as it then
// never changes.
func (g *Gateway) lottery(ctx *fasthttp.RequestCtx, now time.Time) {
	name := ctx.QueryArgs().Peek("room")
	switch {
	case len(name) == 0:
		g.jsonError(ctx, fasthttp.StatusBadRequest, "missing room: ask for /.anteroom/lottery?room=NAME")
		return
	case len(name) > queue.MaxRoomNameLen || !queue.ValidRoomName(string(name)):
		g.jsonError(ctx, fasthttp.StatusBadRequest, fmt.Sprintf("invalid room name: 1 to %d characters of a-z, 0-9, _ and -", queue.MaxRoomNameLen))
		return
	}
	var r *room
	for _, c := range g.roomList() {
		if c.name == string(name) {
			r = c
		}
	}
	if r == nil {
		g.jsonError(ctx, fasthttp.StatusNotFound, "unknown room")
		return
	}
	l, err := r.engine.Lottery(ctx)
	switch {
	case errors.Is(err, queue.ErrNoLottery):
		g.jsonError(ctx, fasthttp.StatusNotFound, "room "+r.name+" draws no lottery: its pre-queue keeps arrival order (queueing: fifo)")
		return
	case errors.Is(err, queue.ErrUnavailable):
		retryAfter(ctx, r.cfg.PollInterval)
		g.jsonError(ctx, fasthttp.StatusServiceUnavailable, "the queue store cannot be reached; try again shortly")
		return
	case errors.Is(err, queue.ErrLotteryMismatch):
		g.log.Error("lottery cannot be checked", "room", r.name, "err", err)
		g.jsonError(ctx, fasthttp.StatusConflict, "room "+r.name+" opened in another order than its committed seed gives, so its draw cannot be checked")
		return
	case err != nil:
		g.log.Error("lottery", "room", r.name, "err", err)
		g.jsonError(ctx, fasthttp.StatusInternalServerError, "the lottery cannot be shown")
		return
	}
	a := lotteryAnswer{Room: l.Room, Draw: queue.DrawLabel, SeedSHA256: l.Commit, CommittedAt: l.CommittedAt.UTC(),
		PrequeueFrom: utcOrNil(l.PrequeueFrom), OpensAt: utcOrNil(l.OpensAt), Revealed: l.Revealed}
	maxAge := 60
	if l.Revealed {
		a.Seed = l.Draw.Seed.String()
		a.Tickets = &l.Draw.Tickets
		a.Verify = fmt.Sprintf("anteroom lottery verify -room %s -seed %s -tickets %d -commit %s",
			l.Room, a.Seed, l.Draw.Tickets, l.Commit)
	} else {
		maxAge = min(5, max(1, int(l.OpensAt.Sub(now)/time.Second)))
	}
	body, err := json.Marshal(a)
	if err != nil {
		g.log.Error("lottery", "room", r.name, "err", err)
		g.jsonError(ctx, fasthttp.StatusInternalServerError, "the lottery cannot be shown")
		return
	}
	ctx.Response.Header.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", maxAge))
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func utcOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
