package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// storeCommitKeepsTheFirst: nodes racing to commit a room's lottery seed
// all get one answer, the seed and instant of one of them; later commits
// and retries change nothing; another room has its own.
func storeCommitKeepsTheFirst(t *testing.T, b Backend) {
	if b.Nodes == nil {
		t.Skip("the backend has no Nodes")
	}
	ctx := context.Background()
	nodes := b.Nodes(t, 3)
	tried := make([]queue.Commitment, len(nodes))
	got := make([]queue.Commitment, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		tried[i] = queue.Commitment{Seed: queue.NewSeed(), At: Start.Add(time.Duration(i) * time.Millisecond)}
		wg.Go(func() { got[i], errs[i] = s.Commit(ctx, Room, tried[i]) })
	}
	wg.Wait()
	won := -1
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: Commit: %v", i, errs[i])
		}
		for j := range tried {
			if got[i].Seed == tried[j].Seed && got[i].At.Equal(tried[j].At) {
				won = j
			}
		}
		if won < 0 || got[i].Seed != got[0].Seed || !got[i].At.Equal(got[0].At) {
			t.Fatalf("node %d got %+v, node 0 %+v; want one of the commitments tried, the same for all", i, got[i], got[0])
		}
	}
	for i, s := range nodes {
		again, err := s.Commit(ctx, Room, queue.Commitment{Seed: queue.NewSeed(), At: Start.Add(time.Hour)})
		if err != nil || again.Seed != tried[won].Seed || !again.At.Equal(tried[won].At) {
			t.Errorf("node %d commits again: got %+v, %v; want %+v", i, again, err, tried[won])
		}
	}
	mine := queue.Commitment{Seed: queue.NewSeed(), At: Start}
	if other, err := nodes[1].Commit(ctx, Room+"2", mine); err != nil || other.Seed != mine.Seed {
		t.Errorf("another room: got %+v, %v; want its own %+v", other, err, mine)
	}
}
