package queue

import (
	"fmt"
	"testing"
)

// TestEndedLaterTimeExtends: a session ended again later — the store
// stamps a retried end with its own, later time — is refused until the
// later time, though its first entry falls due and is swept before.
func TestEndedLaterTimeExtends(t *testing.T) {
	s := newEndedSet()
	if !s.add("a", 100) {
		t.Fatal("add of a new session: got no news")
	}
	if s.add("a", 100) || s.add("a", 50) {
		t.Error("add of a time already known, or earlier: got news, want none")
	}
	if !s.add("a", 200) {
		t.Error("add of a later time: got no news")
	}
	s.sweep(150)
	if !s.has("a") {
		t.Error("swept at 150: the session refused through 200 is forgotten")
	}
	s.sweep(200)
	if !s.has("a") {
		t.Error("swept at 200: forgotten at its last instant, want refused through it")
	}
	s.sweep(201)
	if s.has("a") {
		t.Error("swept at 201: still refused after its time")
	}
}

// TestEndedOutOfOrderKeptLonger: an entry that falls due before one added
// ahead of it in its shard (the session life was shortened) is forgotten
// with that one — later than due, never earlier.
func TestEndedOutOfOrderKeptLonger(t *testing.T) {
	s := newEndedSet()
	first := "long"
	var short string
	for i := 0; short == ""; i++ { // an id in the same shard
		if id := fmt.Sprint("short", i); s.shard(id) == s.shard(first) {
			short = id
		}
	}
	s.add(first, 1000)
	s.add(short, 100)
	s.sweep(500)
	if !s.has(first) || !s.has(short) {
		t.Errorf("swept at 500: refused %v and %v, want both: the due one waits behind the other",
			s.has(first), s.has(short))
	}
	s.sweep(1001)
	if s.len() != 0 {
		t.Errorf("swept at 1001: %d remembered, want 0", s.len())
	}
}

// TestEndedSweepBatches: a sweep with many due in one shard forgets them
// all, a batch per lock hold, and keeps what is not due.
func TestEndedSweepBatches(t *testing.T) {
	s := newEndedSet()
	const n = 20 * endedBlock * endedShards
	for i := range n {
		s.add(fmt.Sprint(i), int64(i))
	}
	if got := s.sweep(n / 2); got != n/2 {
		t.Errorf("sweep: forgot %d, want %d", got, n/2)
	}
	for _, i := range []int{0, n/2 - 1, n / 2, n - 1} {
		if want := i >= n/2; s.has(fmt.Sprint(i)) != want {
			t.Errorf("entry %d: refused %v, want %v", i, !want, want)
		}
	}
	if got := s.len(); got != n/2 {
		t.Errorf("len: got %d, want %d", got, n/2)
	}
}

// TestEndedQueueOrder pushes and pops across block boundaries, emptying the
// queue in between.
func TestEndedQueueOrder(t *testing.T) {
	var q endedQueue
	next, want := int64(0), int64(0)
	// Pops total pushes: the queue ends empty.
	for _, round := range []struct{ push, pop int }{{3, 3}, {endedBlock, 1}, {2*endedBlock + 5, 2*endedBlock + 4}, {0, endedBlock}} {
		for range round.push {
			q.push(endedEntry{until: next})
			next++
		}
		for range round.pop {
			e, ok := q.front()
			if !ok || e.until != want {
				t.Fatalf("front: got %v, %v; want %d", e.until, ok, want)
			}
			q.pop()
			want++
		}
	}
	if e, ok := q.front(); ok {
		t.Errorf("front of an emptied queue: got %v", e.until)
	}
	if len(q.blocks) > 1 {
		t.Errorf("an emptied queue holds %d blocks, want at most 1", len(q.blocks))
	}
}
