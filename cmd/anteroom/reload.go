package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/anteroom/anteroom/gateway"
	"github.com/anteroom/anteroom/gateway/config"
)

// reloading is when serve reloads its configuration: at SIGHUP (hup), at
// POST /api/v1/reload, and with -watch when the file changes.
type reloading struct {
	path  string
	hup   <-chan os.Signal
	watch bool
}

// source reads the configuration file at path again, with the secrets
// and keys it names, for gateway.Reload.
func source(path string) gateway.Source {
	return func() (*config.Config, gateway.Secrets, error) {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, gateway.Secrets{}, err
		}
		if ps := cfg.SecretEnvProblems(os.Getenv); len(ps) > 0 {
			return nil, gateway.Secrets{}, &config.Errors{File: path, Problems: ps}
		}
		s, err := readSecrets(cfg)
		return cfg, s, err
	}
}

// start reloads g at every SIGHUP, and with -watch at every change of the
// file, until ctx ends. A failed reload is logged by g, problem by problem,
// and the running configuration stays.
func (rl reloading) start(ctx context.Context, g *gateway.Gateway, log *slog.Logger) error {
	var changed <-chan struct{}
	if rl.watch {
		c, err := watchFile(ctx, rl.path, log)
		if err != nil {
			return err
		}
		changed = c
	}
	if rl.hup == nil && changed == nil {
		return nil
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-rl.hup:
				g.Reload(ctx, "SIGHUP")
			case <-changed:
				g.Reload(ctx, "file changed: "+rl.path)
			}
		}
	}()
	return nil
}

// settle is how long a file must stay quiet before it is read: an editor
// or a deploy writes it in several steps.
const settle = 250 * time.Millisecond

// watchFile tells of changes to the file at path, once each has settled.
// It watches the file's directory, not the file: editors and deploy tools
// (Kubernetes' ConfigMaps among them) replace a file by renaming another
// over it, which a watch on the file itself would lose.
func watchFile(ctx context.Context, path string, log *slog.Logger) (<-chan struct{}, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("-watch: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("-watch: %w", err)
	}
	dir := filepath.Dir(abs)
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("-watch %s: %w", dir, err)
	}
	// The file as a symlink names its target; a change of target shows as
	// an event on a name other than the file's.
	target := func() string { t, _ := filepath.EvalSymlinks(abs); return t }
	last := target()
	out := make(chan struct{}, 1)
	go func() {
		defer w.Close()
		var quiet <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Name == abs || filepath.Base(ev.Name) == "..data" || target() != last {
					quiet = time.After(settle)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				log.Warn("watching the configuration file", "err", err)
			case <-quiet:
				quiet, last = nil, target()
				select {
				case out <- struct{}{}:
				default: // a reload is already due
				}
			}
		}
	}()
	log.Info("watching the configuration file for changes", "file", abs)
	return out, nil
}
