package memstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anteroom/anteroom/queue/storetest"
)

// TestOverridesSurviveRestart: the memory store's overrides are saved
// with its state, so they outlive a node's restart.
func TestOverridesSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := New()
	ctx := context.Background()
	if _, err := s.SetOverrides(ctx, storetest.Room, map[string]string{"paused": "true"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, v, err := loaded.Overrides(ctx, storetest.Room)
	if err != nil || got["paused"] != "true" || v != 1 {
		t.Errorf("after a restart: %v version %d (%v), want paused=true version 1", got, v, err)
	}
}

// TestOverridesStateRefused: a state file with overrides no gateway
// writes is refused, naming the field.
func TestOverridesStateRefused(t *testing.T) {
	s := New()
	s.ov.rooms = map[string]*memOverrides{"BAD NAME": {Version: 1, Values: map[string]string{"k": "v"}}}
	path := filepath.Join(t.TempDir(), "state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "Overrides") {
		t.Errorf("got %v, want the Overrides field refused", err)
	}
}
