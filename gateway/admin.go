package gateway

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The admin listener is separate from the public one (SPEC: isolation), so
// that operators and load balancers reach it even when shoppers flood the
// gateway, and shoppers never reach it at all.

// Ready reports whether this node can admit shoppers: its store answers and
// every room's last sync with it worked. The error says why not.
func (g *Gateway) Ready(ctx context.Context) error {
	var problems []string
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := g.store.Ping(pctx); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	for _, r := range g.rooms {
		if _, err := r.engine.Counters(); err != nil {
			problems = append(problems, "room "+r.name+": "+err.Error())
		} else if err := r.engine.StockProblem(); err != nil {
			problems = append(problems, "room "+r.name+": "+err.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// ServeAdmin answers the admin listener on ln until ctx ends. /healthz and
// /readyz are open (load balancers probe them); everything else needs the
// bearer token, when one is set.
func (g *Gateway) ServeAdmin(ctx context.Context, ln net.Listener, token string) error {
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
	return func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("Cache-Control", "no-store")
		switch string(ctx.Path()) {
		case "/healthz":
			ctx.SetContentType("text/plain; charset=utf-8")
			ctx.SetBodyString("ok\n")
			return
		case "/readyz":
			ctx.SetContentType("text/plain; charset=utf-8")
			if err := g.Ready(ctx); err != nil {
				ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
				ctx.SetBodyString("not ready: " + err.Error() + "\n")
				return
			}
			ctx.SetBodyString("ready\n")
			return
		}
		if token != "" && subtle.ConstantTimeCompare(ctx.Request.Header.Peek("Authorization"), want) != 1 {
			ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="anteroom admin"`)
			g.plainError(ctx, fasthttp.StatusUnauthorized, "Missing or wrong bearer token.")
			return
		}
		g.plainError(ctx, fasthttp.StatusNotFound, "Not found.")
	}
}
