package gateway

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"golang.org/x/time/rate"

	"github.com/anteroom/anteroom/gateway/config"
)

// Source reads the configuration again for a reload: the file, and the
// secrets and keys it names. A bad file is a *config.Errors.
type Source func() (*config.Config, Secrets, error)

// ErrNoSource means the gateway was built without a Source.
var ErrNoSource = errors.New("reload: this gateway was not given its configuration file")

// restartOnly are the parts of the configuration a running node cannot
// swap: its listeners, its store, its origin pool and its logger are built
// once. A reload that changes one is refused, naming it.
var restartOnly = []struct {
	key string
	get func(*config.Config) any
}{
	{"listen", func(c *config.Config) any { return c.Listen }},
	{"tls", func(c *config.Config) any { return c.TLS }},
	{"admin.listen", func(c *config.Config) any { return c.Admin.Listen }},
	{"admin.token_env", func(c *config.Config) any { return c.Admin.TokenEnv }},
	{"store.backend", func(c *config.Config) any { return c.Store.Backend }},
	{"store.memory", func(c *config.Config) any { return c.Store.Memory }},
	{"store.redis", func(c *config.Config) any { return c.Store.Redis }},
	{"store.on_failure", func(c *config.Config) any { return c.Store.OnFailure }},
	{"store.timeout", func(c *config.Config) any { return c.Store.Timeout }},
	{"origin", func(c *config.Config) any { return c.Origin }},
	{"trusted_proxies", func(c *config.Config) any { return c.TrustedProxies }},
	{"log", func(c *config.Config) any { return c.Log }},
}

// RestartNeeded names the keys of next that differ from running and that
// only a restart applies.
func RestartNeeded(running, next *config.Config) []string {
	var keys []string
	for _, k := range restartOnly {
		if !reflect.DeepEqual(k.get(running), k.get(next)) {
			keys = append(keys, k.key)
		}
	}
	return keys
}

// Reload reads the configuration again (Options.Source) and swaps in its
// rooms, room limits and pages, limits and keys, all or nothing. A bad
// file, a page template that does not parse, or a change only a restart
// applies keeps the running configuration; every problem is logged, each
// on a line of its own with the file's line, and returned. Tickets and
// sessions stay valid: rooms that stay keep their engines, and a new key
// ring verifies what the old one signed as long as the old secret is
// listed as previous.
func (g *Gateway) Reload(ctx context.Context, why string) error {
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	if g.steer.source == nil {
		return ErrNoSource
	}
	cfg, secrets, err := g.steer.source()
	if err != nil {
		var bad *config.Errors
		if errors.As(err, &bad) {
			for _, p := range bad.Problems {
				g.log.Error("reload refused: the running configuration stays", "why", why, "file", bad.File, "problem", p.String())
			}
		} else {
			g.log.Error("reload refused: the running configuration stays", "why", why, "err", err)
		}
		return fmt.Errorf("reload refused, the running configuration stays: %w", err)
	}
	if keys := RestartNeeded(g.cfg, cfg); len(keys) > 0 {
		err := fmt.Errorf("reload refused, the running configuration stays: %s changed, and only a restart applies that", strings.Join(keys, ", "))
		g.log.Error(err.Error(), "why", why)
		return err
	}
	pages, err := loadPages(cfg)
	if err != nil {
		g.log.Error("reload refused: the running configuration stays", "why", why, "err", err)
		return fmt.Errorf("reload refused, the running configuration stays: %w", err)
	}
	var keys *keySet
	if !g.keys.Load().same(secrets) {
		if keys, err = newKeySet(secrets); err != nil {
			g.log.Error("reload refused: the running configuration stays", "why", why, "err", err)
			return fmt.Errorf("reload refused, the running configuration stays: %w", err)
		}
	}

	// Nothing can fail from here on. The keys go first: a room added
	// signs with them at once.
	if keys != nil {
		g.keys.Store(keys)
	}
	old := g.steer.file
	if l := cfg.Limits; l != old.Limits {
		g.originLimit.SetLimit(rate.Limit(l.OriginRPS))
		g.originLimit.SetBurst(originBurst(l.OriginRPS))
		if l.PerClient != old.Limits.PerClient {
			g.clients.Store(newClientLimiter(l.PerClient.RPS, l.PerClient.Burst, maxClients))
		}
	}
	g.steer.file, g.steer.pages = cfg, pages
	g.rebuildLocked(ctx)
	g.log.Info("configuration reloaded", "why", why, "rooms", roomNames(cfg), "added", added(old, cfg), "removed", added(cfg, old), "keys_changed", keys != nil)
	return nil
}

// originBurst is the origin limiter's bucket: a tenth of a second's worth.
func originBurst(rps float64) int { return max(1, int(rps/10)) }

func roomNames(c *config.Config) []string {
	names := make([]string, len(c.Rooms))
	for i, r := range c.Rooms {
		names[i] = r.Name
	}
	return names
}

// added names the rooms of next that are not in prev.
func added(prev, next *config.Config) []string {
	have := roomNames(prev)
	var out []string
	for _, n := range roomNames(next) {
		if !slices.Contains(have, n) {
			out = append(out, n)
		}
	}
	return out
}
