package queue_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anteroom/anteroom/queue"
)

var errDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

// flakyStore is a Store that fails on demand, as a store across a network
// does, and remembers the session refreshes that reached it.
type flakyStore struct {
	queue.Store
	down atomic.Bool

	mu        sync.Mutex
	refreshed []string
	seen      []uint64 // the numbers Seen calls carried
}

func (f *flakyStore) fail() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

func (f *flakyStore) delivered() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.refreshed)
}

func (f *flakyStore) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.Join(ctx, room, now)
}

func (f *flakyStore) Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (queue.Opening, error) {
	if err := f.fail(); err != nil {
		return queue.Opening{}, err
	}
	return f.Store.Open(ctx, room, random, seed, now)
}

func (f *flakyStore) Commit(ctx context.Context, room string, c queue.Commitment) (queue.Commitment, error) {
	if err := f.fail(); err != nil {
		return queue.Commitment{}, err
	}
	return f.Store.Commit(ctx, room, c)
}

func (f *flakyStore) Advance(ctx context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	if err := f.fail(); err != nil {
		return queue.Counters{}, err
	}
	return f.Store.Advance(ctx, room, p, now)
}

func (f *flakyStore) Claim(ctx context.Context, room string, n uint64, sid string, now time.Time) (string, error) {
	if err := f.fail(); err != nil {
		return "", err
	}
	return f.Store.Claim(ctx, room, n, sid, now)
}

func (f *flakyStore) AdmitDirect(ctx context.Context, room, sid string, p queue.Policy, now time.Time) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Store.AdmitDirect(ctx, room, sid, p, now)
}

func (f *flakyStore) Refresh(ctx context.Context, room string, sids []string, now time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	f.mu.Lock()
	f.refreshed = append(f.refreshed, sids...)
	f.mu.Unlock()
	return f.Store.Refresh(ctx, room, sids, now)
}

func (f *flakyStore) End(ctx context.Context, room, sid string, now time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.End(ctx, room, sid, now)
}

func (f *flakyStore) Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	f.mu.Lock()
	f.seen = append(f.seen, numbers...)
	f.mu.Unlock()
	return f.Store.Seen(ctx, room, numbers, now)
}

// polled returns the numbers Seen calls carried so far.
func (f *flakyStore) polled() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

func (f *flakyStore) Leave(ctx context.Context, room string, n uint64) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Leave(ctx, room, n)
}

func (f *flakyStore) Counters(ctx context.Context, room string) (queue.Counters, error) {
	if err := f.fail(); err != nil {
		return queue.Counters{}, err
	}
	return f.Store.Counters(ctx, room)
}

func (f *flakyStore) Ping(ctx context.Context) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Ping(ctx)
}
