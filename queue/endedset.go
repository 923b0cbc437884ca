package queue

import (
	"hash/maphash"
	"sync"
)

// endedSet is the set of ended sessions a Room refuses, each until a time.
// It is read on every proxied request and written on every revoke, leave
// and tick, at any sale size, so each of its operations does the same work
// with a thousand ended sessions as with a million (ended_bench_test.go
// measures what that costs as the set outgrows the CPU's caches):
//
//   - A read hashes the id to one of endedShards shards and looks it up
//     under that shard's read lock: no copy, no retry, and readers of other
//     shards never meet.
//   - An end writes one map entry and appends it to its shard's due queue,
//     a list of fixed blocks that grows without copying.
//   - The tick's sweep forgets what is due from the front of each due
//     queue, at most sweepBatch entries per lock hold, so a read never
//     waits behind more than one batch.
//
// The due queues are in the order ends were added, which is the order they
// fall due as long as the session life stays put and clocks agree; an
// entry that falls due before one ahead of it (the life was shortened, or
// another node's clock lags) is forgotten when that one is. Refusing it for
// longer changes nothing a shopper sees — no token of it verifies any more
// — and keeps a read and an end free of any ordering work. Memory stays
// bounded by the ends of one session life plus that lag.
//
// An entry costs the map slot (a string header and a time: 24 bytes, over
// the map's load), the due-queue entry (24 bytes) and the id itself, which
// the two share; BenchmarkEndedBytesPerEntry measures the sum.
type endedSet struct {
	seed   maphash.Seed
	shards [endedShards]endedShard
}

// endedShards spreads ends and reads over locks of their own: enough that
// concurrent requests seldom share one, few enough that a sweep visiting
// each shard every tick costs next to nothing.
const endedShards = 32

// sweepBatch bounds the due entries a sweep goes through in one hold of a
// shard's lock: the longest a read of that shard can wait behind it.
const sweepBatch = 64

type endedShard struct {
	mu sync.RWMutex
	// until maps an ended session to the Unix nanosecond through which it
	// is refused.
	until map[string]int64
	due   endedQueue
	// pad keeps neighbouring shards' locks off one cache line, so that
	// readers of one do not slow readers of the next.
	_ [64]byte
}

func newEndedSet() *endedSet {
	s := &endedSet{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].until = make(map[string]int64)
	}
	return s
}

func (s *endedSet) shard(id string) *endedShard {
	return &s.shards[maphash.String(s.seed, id)%endedShards]
}

// has reports whether id is refused.
func (s *endedSet) has(id string) bool {
	sh := s.shard(id)
	sh.mu.RLock()
	_, ok := sh.until[id]
	sh.mu.RUnlock()
	return ok
}

// add refuses id through until (Unix nanoseconds), or through the later
// time it already has. It reports whether that was news: a time already
// known costs only a read lock, which is what a tick re-fetching the ends
// it heard last time (endedOverlap) mostly finds.
func (s *endedSet) add(id string, until int64) bool {
	sh := s.shard(id)
	sh.mu.RLock()
	u, ok := sh.until[id]
	sh.mu.RUnlock()
	if ok && u >= until {
		return false
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if u, ok := sh.until[id]; ok && u >= until {
		return false
	}
	sh.until[id] = until
	sh.due.push(endedEntry{id: id, until: until})
	return true
}

// sweep forgets the sessions whose time ended before now (Unix
// nanoseconds), and returns how many.
func (s *endedSet) sweep(now int64) int {
	n := 0
	for i := range s.shards {
		for {
			k, more := s.shards[i].sweepBatch(now)
			n += k
			if !more {
				break
			}
		}
	}
	return n
}

// sweepBatch forgets up to sweepBatch due sessions under one hold of the
// shard's lock; more says the batch was full and more may be due.
func (sh *endedShard) sweepBatch(now int64) (n int, more bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for range sweepBatch {
		e, ok := sh.due.front()
		if !ok || e.until >= now {
			return n, false
		}
		sh.due.pop()
		// A session ended again later has a later entry further back; it
		// stays until that one is due.
		if u, ok := sh.until[e.id]; ok && u < now {
			delete(sh.until, e.id)
			n++
		}
	}
	return n, true
}

// len counts the sessions refused; for tests and benchmarks.
func (s *endedSet) len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.until)
		sh.mu.RUnlock()
	}
	return n
}
