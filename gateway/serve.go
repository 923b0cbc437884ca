package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// defaultTickEvery is how often each room flushes its batches to the store and
// refreshes its cached counters: often enough that a freed slot is offered
// within a blink, rarely enough that the store is not the hot path.
const defaultTickEvery = 200 * time.Millisecond

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// it stops accepting, lets requests in flight finish (up to drain), and
// sends the rooms' last batches to the store.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	g.Tick(ctx) // rooms answer from the store's state from the first request
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, r := range g.rooms {
		wg.Go(func() { r.engine.Run(bg, g.tickEvery) })
	}
	wg.Go(func() { g.sweepClients(bg) })
	wg.Go(func() { g.watch(bg) })

	errc := make(chan error, 1)
	go func() {
		if g.cfg.TLS.CertFile != "" {
			errc <- g.server.ServeTLS(ln, g.cfg.TLS.CertFile, g.cfg.TLS.KeyFile)
		} else {
			errc <- g.server.Serve(ln)
		}
	}()

	var err error
	select {
	case err = <-errc:
		if err != nil {
			err = fmt.Errorf("serving: %w", err)
		}
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), drain)
		err = g.server.ShutdownWithContext(sctx)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("shutting down: %w", err)
		} else if err != nil {
			err = fmt.Errorf("shutting down: requests still in flight after %s", drain)
		}
		// Shutdown closes only the listeners Serve has taken up: one that
		// ends before Serve got going would leave it serving forever.
		ln.Close()
		<-errc
	}
	stop()
	wg.Wait()
	return err
}

// sweepClients forgets idle per-client limiters now and then.
func (g *Gateway) sweepClients(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.clients.sweepAll(g.now()) // the clock the buckets were stamped with
		}
	}
}

// Rooms returns the names of the configured rooms.
func (g *Gateway) Rooms() []string {
	names := make([]string, len(g.rooms))
	for i, r := range g.rooms {
		names[i] = r.name
	}
	return names
}

// Tick makes every room sync with the store once, now. Serve does it on
// its own; tests with an injected clock call it to step time.
func (g *Gateway) Tick(ctx context.Context) {
	for _, r := range g.rooms {
		r.engine.Tick(ctx)
	}
}
