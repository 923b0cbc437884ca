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
	g.Tick(ctx) // rooms answer from the store's state (and overrides) from the first request
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	g.runRooms(bg, &wg)
	wg.Go(func() { g.sweepClients(bg) })
	wg.Go(func() { g.syncOverridesEvery(bg) })
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
	g.stopRooms()
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
			g.clients.Load().sweepAll(g.now()) // the clock the buckets were stamped with
		}
	}
}

// Rooms returns the names of the configured rooms.
func (g *Gateway) Rooms() []string {
	rooms := g.roomList()
	names := make([]string, len(rooms))
	for i, r := range rooms {
		names[i] = r.name
	}
	return names
}

// Tick reads the live overrides and makes every room sync with the store
// once, now. Serve does it on its own; tests with an injected clock call
// it to step time.
func (g *Gateway) Tick(ctx context.Context) {
	if err := g.syncOverrides(ctx); err != nil {
		// The rooms' own sync says the store is down, once.
		g.log.Debug("reading live overrides from the store: the last ones read still hold", "err", err)
	}
	for _, r := range g.roomList() {
		r.engine.Tick(ctx)
	}
}
