package queue

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testOverrides runs the same cases on every OverrideStore.
func testOverrides(t *testing.T, s OverrideStore) {
	ctx := context.Background()
	if got, v, err := s.Overrides(ctx, "fresh"); err != nil || got != nil || v != 0 {
		t.Fatalf("a room never changed: got %v, version %d, %v; want none, 0", got, v, err)
	}
	v1, err := s.SetOverrides(ctx, rm, map[string]string{"max_active_users": "800", "paused": "true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.SetOverrides(ctx, rm, map[string]string{"burst": "50"}, []string{"paused"})
	if err != nil {
		t.Fatal(err)
	}
	if v2 <= v1 {
		t.Errorf("version went from %d to %d, want it to grow", v1, v2)
	}
	got, v, err := s.Overrides(ctx, rm)
	if want := map[string]string{"max_active_users": "800", "burst": "50"}; err != nil || !maps.Equal(got, want) || v != v2 {
		t.Fatalf("Overrides: got %v version %d (%v), want %v version %d", got, v, err, want, v2)
	}
	// A drop that lost the race with a newer value keeps the newer one.
	if err := s.DropOverride(ctx, rm, "burst", "49"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Overrides(ctx, rm); got["burst"] != "50" {
		t.Errorf("a drop of an older value deleted the newer one: %v", got)
	}
	if err := s.DropOverride(ctx, rm, "burst", "50"); err != nil {
		t.Fatal(err)
	}
	got, v3, _ := s.Overrides(ctx, rm)
	if _, ok := got["burst"]; ok || v3 <= v2 {
		t.Errorf("after the drop: %v version %d, want burst gone and the version past %d", got, v3, v2)
	}
	if _, err := s.SetOverrides(ctx, rm, map[string]string{"~version": "1"}, nil); err == nil {
		t.Error("a key holding \"~\" was taken")
	}
	if _, err := s.SetOverrides(ctx, rm, map[string]string{"k": strings.Repeat("x", MaxOverrideValue+1)}, nil); err == nil {
		t.Error("an oversized value was taken")
	}
}

func TestMemoryOverrides(t *testing.T) { testOverrides(t, NewMemoryStore()) }

func TestRedisOverrides(t *testing.T) {
	testOverrides(t, newRedisStore(t, startRedis(t), t.Name(), false))
}

// TestBoundedOverrides: the timeout wrapper the gateway puts on every
// store passes the overrides through.
func TestBoundedOverrides(t *testing.T) {
	s := Bounded(newRedisStore(t, startRedis(t), t.Name(), false), time.Second).(OverrideStore)
	testOverrides(t, s)
}

// TestOverridesSurviveRestart: the memory store's overrides are saved
// with its state, so they outlive a node's restart.
func TestOverridesSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := NewMemoryStore()
	ctx := context.Background()
	if _, err := s.SetOverrides(ctx, rm, map[string]string{"paused": "true"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatal(err)
	}
	got, v, err := loaded.Overrides(ctx, rm)
	if err != nil || got["paused"] != "true" || v != 1 {
		t.Errorf("after a restart: %v version %d (%v), want paused=true version 1", got, v, err)
	}
}

// TestOverridesStateRefused: a state file with overrides no gateway
// writes is refused, naming the field.
func TestOverridesStateRefused(t *testing.T) {
	s := NewMemoryStore()
	s.ov.rooms = map[string]*memOverrides{"BAD NAME": {Version: 1, Values: map[string]string{"k": "v"}}}
	path := filepath.Join(t.TempDir(), "state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	_, err := LoadMemoryStore(path)
	if err == nil || !strings.Contains(err.Error(), "Overrides") {
		t.Errorf("got %v, want the Overrides field refused", err)
	}
}
