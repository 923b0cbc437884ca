package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/anteroom/anteroom/gateway"
	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/redisstore"
	"github.com/anteroom/anteroom/token"
)

// drainTimeout bounds how long SIGTERM waits for requests in flight.
const drainTimeout = 20 * time.Second

func serve(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("serve", stderr)
	discard := flags.Bool("discard-state", false, "if the queue state file is refused, move it aside and start with an empty queue")
	watch := flags.Bool("watch", false, "reload the configuration when its file changes (as SIGHUP does)")
	cfg, path, code := loadWithFlags(flags, args, stderr)
	if code != 0 {
		return code
	}
	if secretsMissing(cfg, path, stderr) {
		return 1
	}
	log := newLogger(cfg.Log, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// SIGHUP is caught from here on: uncaught, it would end the process
	// with no drain and no save. One sent before the gateway is built
	// waits in the channel and reloads it once it is.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := runGateway(ctx, cfg, log, *discard, reloading{path: path, hup: hup, watch: *watch}); err != nil {
		log.Error("anteroom stopped", "err", err)
		return 1
	}
	return 0
}

// readSecrets reads the secrets and purchase keys cfg names.
func readSecrets(cfg *config.Config) (gateway.Secrets, error) {
	s := gateway.Secrets{HMAC: [][]byte{[]byte(os.Getenv(cfg.Keys.SecretEnv))}}
	if cfg.Keys.PreviousSecretEnv != "" {
		if prev := os.Getenv(cfg.Keys.PreviousSecretEnv); prev != "" {
			s.HMAC = append(s.HMAC, []byte(prev))
		}
	}
	for _, f := range []struct{ key, path string }{
		{"keys.purchase_key_file", cfg.Keys.PurchaseKeyFile},
		{"keys.previous_purchase_key_file", cfg.Keys.PreviousPurchaseKeyFile},
	} {
		if f.path == "" {
			continue
		}
		pemBytes, err := os.ReadFile(f.path)
		if err != nil {
			return s, fmt.Errorf("%s: %w", f.key, err)
		}
		k, err := token.LoadPrivateKeyPEM(pemBytes)
		if err != nil {
			return s, fmt.Errorf("%s %s: %w", f.key, f.path, err)
		}
		s.Purchase = append(s.Purchase, k)
	}
	return s, nil
}

// runGateway builds the store and the gateway from cfg and serves until
// ctx ends; discardState is serve's -discard-state, rl says when to
// reload.
func runGateway(ctx context.Context, cfg *config.Config, log *slog.Logger, discardState bool, rl reloading) error {
	secrets, err := readSecrets(cfg)
	if err != nil {
		return err
	}
	store, save, err := openStore(cfg, log, discardState)
	if err != nil {
		return err
	}
	defer store.Close()
	o := gateway.Options{Store: store, Secrets: secrets.HMAC, PurchaseKeys: secrets.Purchase, Log: log, Version: buildVersion}
	if rl.path != "" {
		o.Source = source(rl.path)
	}
	g, err := gateway.New(cfg, o)
	if err != nil {
		return err
	}
	if err := rl.start(ctx, g, log); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	aln, err := net.Listen("tcp", cfg.Admin.Listen)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listening on admin.listen %s: %w", cfg.Admin.Listen, err)
	}
	adminToken := os.Getenv(cfg.Admin.TokenEnv)
	// ServeAdmin refuses this too, but in its own goroutine; checked here,
	// the node refuses to start instead of running without its admin API.
	if err := gateway.CheckAdminListener(aln.Addr(), adminToken); err != nil {
		ln.Close()
		aln.Close()
		return err
	}
	go func() {
		if err := g.ServeAdmin(ctx, aln, adminToken); err != nil {
			log.Error("admin listener stopped", "err", err)
		}
	}()
	log.Info("anteroom serving", "listen", ln.Addr().String(), "admin", aln.Addr().String(), "origin", cfg.Origin.URL, "rooms", g.Rooms(), "store", cfg.Store.Backend)
	g.LogLimits()
	if save != nil {
		go saveEvery(ctx, save, log)
	}
	err = g.Serve(ctx, ln, drainTimeout)
	if save != nil {
		if serr := save(); serr != nil {
			err = errors.Join(err, serr)
		} else {
			log.Info("queue state saved", "file", cfg.Store.Memory.StateFile)
		}
	}
	log.Info("anteroom stopped")
	return err
}

// openStore opens the configured store; for the memory store with a state
// file, save writes it. A state file refused for what it holds stops the
// start, unless discardState says to move it aside and start empty.
func openStore(cfg *config.Config, log *slog.Logger, discardState bool) (queue.Store, func() error, error) {
	switch cfg.Store.Backend {
	case config.BackendMemory:
		file := cfg.Store.Memory.StateFile
		if file == "-" {
			return memstore.New(), nil, nil
		}
		s, err := openStateFile(file, log, discardState)
		if err != nil {
			return nil, nil, err
		}
		return s, func() error { return s.Save(file) }, nil
	case config.BackendRedis:
		rc := cfg.Store.Redis
		o := redisstore.Options{Addrs: rc.Addrs, KeyPrefix: rc.KeyPrefix}
		if rc.PasswordEnv != "" {
			o.Password = os.Getenv(rc.PasswordEnv)
		}
		// go-redis reports its own reconnects; they belong in our log.
		redis.SetLogger(redisLogger{log})
		s, err := redisstore.New(context.Background(), o)
		if err != nil {
			return nil, nil, err
		}
		log.Info("queue store: redis", "addrs", rc.Addrs, "cluster", len(rc.Addrs) > 1, "key_prefix", rc.KeyPrefix)
		return s, nil, nil
	default:
		return nil, nil, fmt.Errorf("store.backend %q is not known", cfg.Store.Backend)
	}
}

// openStateFile loads the memory store's state file. One refused for what it
// holds is never deleted: with discard, it is moved aside for whoever
// looks into it, and the gateway starts with an empty queue.
func openStateFile(file string, log *slog.Logger, discard bool) (*memstore.Store, error) {
	s, err := memstore.Load(file)
	var refused *memstore.StateError
	switch {
	case err == nil:
		log.Info("queue state loaded", "file", file)
		return s, nil
	case !errors.As(err, &refused):
		return nil, err
	case !discard:
		return nil, fmt.Errorf("%w (to start with an empty queue instead, losing every place in it, run serve -discard-state: it moves the file aside)", err)
	}
	aside := file + ".rejected-" + time.Now().UTC().Format("20060102T150405Z")
	if rerr := os.Rename(file, aside); rerr != nil {
		return nil, fmt.Errorf("moving the refused queue state aside: %w (%w)", rerr, err)
	}
	log.Error("QUEUE STATE REFUSED AND DISCARDED: starting with an empty queue; every ticket and session it held is lost",
		"file", file, "moved_to", aside, "err", err)
	return memstore.New(), nil
}

// saveEvery saves the memory store now and then, so that even a crash
// loses only the last seconds of joins.
func saveEvery(ctx context.Context, save func() error, log *slog.Logger) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := save()
			if err != nil && !failing {
				log.Error("saving queue state", "err", err)
			} else if err == nil && failing {
				log.Info("saving queue state works again")
			}
			failing = err != nil
		}
	}
}

// redisLogger sends go-redis's messages to slog as warnings.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn("redis: " + fmt.Sprintf(format, v...))
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.Level)) // validated already
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
