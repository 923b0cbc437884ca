package queue_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// testOverrides runs the same cases on every OverrideStore.
func testOverrides(t *testing.T, s queue.OverrideStore) {
	ctx := context.Background()
	if got, v, err := s.Overrides(ctx, "fresh"); err != nil || got != nil || v != 0 {
		t.Fatalf("a room never changed: got %v, version %d, %v; want none, 0", got, v, err)
	}
	v1, err := s.SetOverrides(ctx, storetest.Room, map[string]string{"max_active_users": "800", "paused": "true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.SetOverrides(ctx, storetest.Room, map[string]string{"burst": "50"}, []string{"paused"})
	if err != nil {
		t.Fatal(err)
	}
	if v2 <= v1 {
		t.Errorf("version went from %d to %d, want it to grow", v1, v2)
	}
	got, v, err := s.Overrides(ctx, storetest.Room)
	if want := map[string]string{"max_active_users": "800", "burst": "50"}; err != nil || !maps.Equal(got, want) || v != v2 {
		t.Fatalf("Overrides: got %v version %d (%v), want %v version %d", got, v, err, want, v2)
	}
	// A drop that lost the race with a newer value keeps the newer one.
	if err := s.DropOverride(ctx, storetest.Room, "burst", "49"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Overrides(ctx, storetest.Room); got["burst"] != "50" {
		t.Errorf("a drop of an older value deleted the newer one: %v", got)
	}
	if err := s.DropOverride(ctx, storetest.Room, "burst", "50"); err != nil {
		t.Fatal(err)
	}
	got, v3, _ := s.Overrides(ctx, storetest.Room)
	if _, ok := got["burst"]; ok || v3 <= v2 {
		t.Errorf("after the drop: %v version %d, want burst gone and the version past %d", got, v3, v2)
	}
	if _, err := s.SetOverrides(ctx, storetest.Room, map[string]string{"~version": "1"}, nil); err == nil {
		t.Error("a key holding \"~\" was taken")
	}
	if _, err := s.SetOverrides(ctx, storetest.Room, map[string]string{"k": strings.Repeat("x", queue.MaxOverrideValue+1)}, nil); err == nil {
		t.Error("an oversized value was taken")
	}
}

func TestMemoryOverrides(t *testing.T) { testOverrides(t, memstore.New()) }
