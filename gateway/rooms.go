package gateway

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"sync"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/token"
)

// What a reload or an operator's live change replaces, and how. Requests
// never take a lock for it: each loads the current roomSet (or keySet)
// once and uses that one, so it sees the old rooms or the new, never a
// mix. The engines (queue.Room) outlive a rebuild: a room that stays keeps
// its counters, batches and ended sessions, so tickets and sessions stay
// valid across a reload.

// roomSet is the rooms one node serves, with the router over them.
type roomSet struct {
	list   []*room
	router router
}

// roomList is the rooms served now.
func (g *Gateway) roomList() []*room { return g.rooms.Load().list }

// Secrets are the keys that sign and verify tokens: the HMAC ring's
// secrets (the first signs) and the purchase keys (the first signs).
type Secrets struct {
	HMAC     [][]byte
	Purchase []ed25519.PrivateKey
}

// keySet is what signs and verifies tokens, with the caches of verified
// tokens (which are only good for the ring they were verified with).
type keySet struct {
	from     Secrets
	ring     *token.Ring
	purchase *token.PurchaseSigner
	sessions *token.SessionCache
	tickets  *token.TicketCache
}

func newKeySet(s Secrets) (*keySet, error) {
	ring, err := token.NewRing(s.HMAC...)
	if err != nil {
		return nil, fmt.Errorf("building key ring: %w", err)
	}
	if len(s.Purchase) == 0 {
		k, err := token.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("generating purchase key: %w", err)
		}
		s.Purchase = []ed25519.PrivateKey{k}
	}
	purchase, err := token.NewPurchaseSigner(s.Purchase...)
	if err != nil {
		return nil, fmt.Errorf("purchase keys: %w", err)
	}
	return &keySet{
		from:     s,
		ring:     ring,
		purchase: purchase,
		sessions: token.NewSessionCache(ring, sessionCacheSize),
		tickets:  token.NewTicketCache(ring, ticketCacheSize),
	}, nil
}

// same reports whether s would build this very key set. Purchase keys a
// node generated for itself are kept when none are configured.
func (k *keySet) same(s Secrets) bool {
	if !slices.EqualFunc(k.from.HMAC, s.HMAC, func(a, b []byte) bool { return string(a) == string(b) }) {
		return false
	}
	return len(s.Purchase) == 0 || slices.EqualFunc(k.from.Purchase, s.Purchase, func(a, b ed25519.PrivateKey) bool { return a.Equal(b) })
}

// steer is the state live changes and reloads work on, under mu, which
// no request takes: store calls made under it wait on nobody but another
// change.
type steer struct {
	mu     sync.Mutex
	source Source
	// file is the configuration as last loaded; overrides apply on top.
	file *config.Config
	// engines are the rooms' admission engines by name.
	engines map[string]*queue.Room
	// pages are the rooms' waiting pages (template, texts, look) by name;
	// a live change reuses them, a reload parses them again.
	pages map[string]*roomPage
	// ov is each room's overrides as last read from the store.
	ov map[string]storedOverrides
	// run is set while Serve runs: engines of rooms a reload adds start
	// under it, and those it removes stop.
	run   context.Context
	runWG *sync.WaitGroup
	stops map[string]context.CancelFunc
}

// start builds the rooms of the configuration a node starts with.
func (g *Gateway) start(cfg *config.Config) error {
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	g.steer.engines = make(map[string]*queue.Room)
	g.steer.ov = make(map[string]storedOverrides)
	g.steer.stops = make(map[string]context.CancelFunc)
	pages, err := loadPages(cfg)
	if err != nil {
		return err
	}
	g.steer.file, g.steer.pages = cfg, pages
	g.rebuildLocked(context.Background())
	return nil
}

// loadPages builds every room's waiting page: template, texts and look.
func loadPages(cfg *config.Config) (map[string]*roomPage, error) {
	pages := make(map[string]*roomPage, len(cfg.Rooms))
	for _, rc := range cfg.Rooms {
		t, err := loadPage(rc)
		if err != nil {
			return nil, err
		}
		pages[rc.Name] = t
	}
	return pages, nil
}

// rebuildLocked builds the rooms from the file and the overrides and swaps
// them in: engines of rooms that stay are kept and given their new limits,
// rooms new to the file get an engine (running at once if the node
// serves), and those gone from it stop. The caller holds steer.mu.
func (g *Gateway) rebuildLocked(ctx context.Context) {
	st := &g.steer
	list := make([]*room, 0, len(st.file.Rooms))
	keep := make(map[string]bool, len(st.file.Rooms))
	for i := range st.file.Rooms {
		eff, paused := g.effectiveLocked(ctx, i)
		e := st.engines[eff.Name]
		if e == nil {
			e = g.newEngine(eff)
			st.engines[eff.Name] = e
			g.runLocked(eff.Name, e)
		} else {
			e.SetPolicy(policyOf(eff), scheduleOf(eff), eff.PollInterval)
			e.SetInventory(eff.Inventory.Stock, eff.Inventory.PerSession)
		}
		if paused {
			e.Pause()
		} else {
			e.Resume()
		}
		keep[eff.Name] = true
		list = append(list, newRoom(eff, e, st.pages[eff.Name]))
	}
	g.rooms.Store(&roomSet{list: list, router: router{rooms: list}})
	for name := range st.engines {
		if !keep[name] {
			if stop := st.stops[name]; stop != nil {
				stop() // its Run sends what it has batched, then returns
			}
			delete(st.engines, name)
			delete(st.stops, name)
			delete(st.ov, name)
			g.log.Info("room removed: it takes no more arrivals", "room", name)
		}
	}
}

// runLocked starts engine e's background work if the node is serving.
func (g *Gateway) runLocked(name string, e *queue.Room) {
	st := &g.steer
	if st.run == nil {
		return
	}
	ctx, stop := context.WithCancel(st.run)
	st.stops[name] = stop
	st.runWG.Go(func() { e.Run(ctx, g.tickEvery) })
}

// runRooms starts every room's background work under ctx, and that of
// rooms added later, until ctx ends; wg counts them.
func (g *Gateway) runRooms(ctx context.Context, wg *sync.WaitGroup) {
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	g.steer.run, g.steer.runWG = ctx, wg
	for name, e := range g.steer.engines {
		g.runLocked(name, e)
	}
}

// stopRooms ends the starting of engines: Serve is returning, and waits
// for those that run.
func (g *Gateway) stopRooms() {
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	g.steer.run, g.steer.runWG = nil, nil
}
