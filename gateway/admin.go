package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/gateway/config"
)

// The admin listener is separate from the public one (SPEC: isolation), so
// that operators and load balancers reach it even when shoppers flood the
// gateway, and shoppers never reach it at all.

// Ready reports whether this node can admit shoppers: its store answers and
// every room's last sync with it worked. The error says why not, in full.
func (g *Gateway) Ready(ctx context.Context) error {
	if reasons := g.readiness(ctx); len(reasons) > 0 {
		return errors.New(notReady(reasons, true))
	}
	return nil
}

// readyReason is one reason a node is not ready. what is fit for anyone who
// can reach the admin listener; detail may name store addresses and the
// store's errors, so /readyz shows it only to a caller with the token.
type readyReason struct {
	what   string
	detail error
}

func (g *Gateway) readiness(ctx context.Context) []readyReason {
	var reasons []readyReason
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	// Every room's engine is over the gateway's one store: asking through
	// the first asks the store once.
	if err := g.roomList()[0].engine.Ping(pctx); err != nil {
		reasons = append(reasons, readyReason{"store unreachable", err})
	}
	for _, r := range g.roomList() {
		if _, err := r.engine.Counters(); err != nil {
			reasons = append(reasons, readyReason{"room " + r.name + ": store unreachable", err})
		} else if err := r.engine.StockProblem(); err != nil {
			reasons = append(reasons, readyReason{"room " + r.name + ": stock figure lost", err})
		}
	}
	return reasons
}

// notReady renders reasons on one line, with their detail or without.
func notReady(reasons []readyReason, detail bool) string {
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = r.what
		if detail {
			parts[i] += ": " + r.detail.Error()
		}
	}
	return strings.Join(parts, "; ")
}

// CheckAdminListener refuses an admin listener on addr that the network can
// reach (see config.LoopbackAddr) when there is no token, since the admin
// API would be open to anyone. ServeAdmin runs it; a caller runs it first
// to refuse to start rather than run without the admin listener.
func CheckAdminListener(addr net.Addr, token string) error {
	if token != "" || config.LoopbackAddr(addr.String()) {
		return nil
	}
	return fmt.Errorf("admin.listen %s is not a loopback address and the environment variable named by admin.token_env is empty: set a bearer token there (e.g. the output of anteroom keygen) or set admin.listen to 127.0.0.1:PORT", addr)
}

// ServeAdmin answers the admin listener on ln until ctx ends. /healthz and
// /readyz are open (load balancers probe them), /readyz without its detail
// unless the token is sent; everything else needs the bearer token. An
// empty token leaves the API open, so it is refused off loopback.
func (g *Gateway) ServeAdmin(ctx context.Context, ln net.Listener, token string) error {
	if err := CheckAdminListener(ln.Addr(), token); err != nil {
		return err
	}
	s := &fasthttp.Server{
		Handler:               g.adminHandler(token),
		NoDefaultServerHeader: true,
		ReadTimeout:           readTimeout,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           idleTimeout,
		Logger:                fasthttpLogger{g.log},
	}
	go func() {
		<-ctx.Done()
		s.Shutdown()
	}()
	if err := s.Serve(ln); err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	return nil
}

func (g *Gateway) adminHandler(token string) fasthttp.RequestHandler {
	want := []byte("Bearer " + token)
	authorized := func(ctx *fasthttp.RequestCtx) bool {
		return token == "" || subtle.ConstantTimeCompare(ctx.Request.Header.Peek("Authorization"), want) == 1
	}
	routes := g.adminRoutes()
	return func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("Cache-Control", "no-store")
		rt, name, allow := routes.find(ctx)
		switch {
		case rt == nil && allow != "":
			ctx.Response.Header.Set("Allow", allow)
			adminError(ctx, fasthttp.StatusMethodNotAllowed, "method not allowed here; use "+allow)
		case rt == nil:
			adminError(ctx, fasthttp.StatusNotFound, "no such admin path: "+string(ctx.Path()))
		case !rt.open && !authorized(ctx):
			ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="anteroom admin"`)
			adminError(ctx, fasthttp.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer <the value of admin.token_env>)")
		default:
			rt.handle(ctx, adminCall{name: name, authorized: authorized(ctx)})
		}
	}
}

// healthz says the process answers; load balancers probe it.
func (g *Gateway) healthz(ctx *fasthttp.RequestCtx, _ adminCall) {
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString("ok\n")
}

// readyz says whether this node can admit shoppers, with the detail only
// for a caller with the token.
func (g *Gateway) readyz(ctx *fasthttp.RequestCtx, c adminCall) {
	ctx.SetContentType("text/plain; charset=utf-8")
	if reasons := g.readiness(ctx); len(reasons) > 0 {
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		ctx.SetBodyString("not ready: " + notReady(reasons, c.authorized) + "\n")
		return
	}
	ctx.SetBodyString("ready\n")
}
