package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// hangingStore never answers a Join until its caller gives up.
type hangingStore struct {
	*memstore.Store
	sawCancelled bool
}

func (s *hangingStore) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func (s *hangingStore) Leave(ctx context.Context, room string, n uint64) error {
	s.sawCancelled = ctx.Err() != nil
	return nil
}

func TestBoundedGivesUpInTime(t *testing.T) {
	hang := &hangingStore{Store: memstore.New()}
	s := queue.Bounded(hang, 50*time.Millisecond)
	done := make(chan error, 1)
	go func() {
		_, err := s.Join(context.Background(), "r", time.Now())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want a deadline exceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a bounded call to a hanging store did not return")
	}
	// A request's context ends when the server drains; the calls of the
	// requests it lets finish must not end with it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Leave(ctx, "r", 1)
	if hang.sawCancelled {
		t.Error("the store saw the caller's cancellation")
	}
	if m := memstore.New(); queue.Bounded(m, time.Second) != queue.Store(m) {
		t.Error("the memory store was wrapped: a timer per call for nothing")
	}
	// hang embeds the memory store, so it answers Unbounded too, with the
	// store it embeds: its own waits must still be bounded.
	if queue.Bounded(hang, time.Second) == queue.Store(hang) {
		t.Error("a store embedding the memory store was left unbounded")
	}
	if b := queue.Bounded(s, time.Second); queue.BoundedInner(b) != queue.Store(hang) {
		t.Error("bounding twice nests")
	}
}

// deadlineJoiner records what Bounded hands a store that enforces a join's
// deadline itself.
type deadlineJoiner struct {
	*hangingStore
	deadline time.Time
	done     <-chan struct{}
}

func (s *deadlineJoiner) JoinBy(ctx context.Context, room string, now, deadline time.Time) (uint64, error) {
	s.deadline, s.done = deadline, ctx.Done()
	return 7, nil
}

// TestBoundedHandsTheDeadline: a store that bounds its joins by a deadline
// it is given gets Bounded's timeout as that deadline, and a context with
// no timer and no cancellation (the drain must not cut its call short).
func TestBoundedHandsTheDeadline(t *testing.T) {
	j := &deadlineJoiner{hangingStore: &hangingStore{Store: memstore.New()}}
	s := queue.Bounded(j, 300*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	if n, err := s.Join(ctx, "r", start); n != 7 || err != nil {
		t.Fatalf("Join = %d, %v; want JoinBy's 7", n, err)
	}
	if d := j.deadline.Sub(start); d < 300*time.Millisecond || d > 2*time.Second {
		t.Errorf("JoinBy's deadline %v after the call began, want the 300ms timeout", d)
	}
	if j.done != nil {
		t.Error("JoinBy got a context that can be cancelled: a timer per arrival, or the drain's cancellation")
	}
}
