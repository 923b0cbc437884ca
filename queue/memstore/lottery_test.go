package memstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestKeepsTheCommitment: the first commitment stands, across
// a save and a load (a gateway restart), for every node or room that
// asks again; other rooms get their own.
func TestKeepsTheCommitment(t *testing.T) {
	ctx := context.Background()
	s := New()
	first := queue.Commitment{Seed: queue.NewSeed(), At: storetest.Start}
	if got, err := s.Commit(ctx, "a", first); err != nil || got != first {
		t.Fatalf("first Commit: got %+v, %v; want %+v", got, err, first)
	}
	if got, _ := s.Commit(ctx, "a", queue.Commitment{Seed: queue.NewSeed(), At: storetest.Start.Add(time.Second)}); got != first {
		t.Errorf("second Commit: got %+v, want the first %+v", got, first)
	}
	other := queue.Commitment{Seed: queue.NewSeed(), At: storetest.Start}
	if got, _ := s.Commit(ctx, "b", other); got != other {
		t.Errorf("another room: got %+v, want its own %+v", got, other)
	}
	path := filepath.Join(t.TempDir(), "state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loaded.Commit(ctx, "a", queue.Commitment{Seed: queue.NewSeed(), At: storetest.Start.Add(time.Hour)})
	if err != nil || got.Seed != first.Seed || !got.At.Equal(first.At) {
		t.Errorf("after a restart: got %+v, %v; want %+v", got, err, first)
	}
}
