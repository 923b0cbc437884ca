package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWatchFile: -watch hears a file written in place and a file renamed
// over it (how editors and Kubernetes replace one), once each has
// settled, and nothing for another file in the directory.
func TestWatchFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "anteroom.yaml")
	os.WriteFile(path, []byte("a: 1\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed, err := watchFile(ctx, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	expect := func(what string, want bool) {
		t.Helper()
		select {
		case <-changed:
			if !want {
				t.Errorf("%s: a change was reported", what)
			}
		case <-time.After(2 * time.Second):
			if want {
				t.Errorf("%s: no change reported within 2s", what)
			}
		}
	}
	os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("b: 1\n"), 0o600)
	expect("another file written", false)
	os.WriteFile(path, []byte("a: 2\n"), 0o600)
	expect("written in place", true)
	tmp := filepath.Join(dir, ".anteroom.yaml.tmp")
	os.WriteFile(tmp, []byte("a: 3\n"), 0o600)
	os.Rename(tmp, path)
	expect("renamed over", true)
}
