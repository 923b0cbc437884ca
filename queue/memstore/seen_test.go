package memstore

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

func TestSeenLog(t *testing.T) {
	var s seenLog
	ref := []uint16{}
	check := func(from uint64) {
		t.Helper()
		if s.len() != uint64(len(ref)) {
			t.Fatalf("len %d, want %d", s.len(), len(ref))
		}
		for i := range ref {
			if got := s.get(uint64(i)); got != ref[i] {
				t.Fatalf("get(%d) = %d, want %d", i, got, ref[i])
			}
		}
		// each may skip released (all zero) chunks: compare the rest.
		var got, want []uint16
		s.scan(from, s.len(), func(v uint16) uint16 {
			if v != 0 {
				got = append(got, v)
			}
			return v
		})
		for _, v := range ref[min(int(from), len(ref)):] {
			if v != 0 {
				want = append(want, v)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("each(%d) gave %d entries, want %d", from, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("each(%d)[%d] = %d, want %d", from, i, got[i], want[i])
			}
		}
	}
	n := uint64(3*seenChunk + 17)
	s.grow(n, 7)
	for range n {
		ref = append(ref, 7)
	}
	check(0)
	for _, i := range []uint64{0, seenChunk - 1, seenChunk, 2*seenChunk + 5, n - 1} {
		s.set(i, uint16(i+1))
		ref[i] = uint16(i + 1)
	}
	check(0)
	check(seenChunk + 3)
	check(n)
	// Release the first two chunks after zeroing them, as the serving
	// counter does when it passes them.
	for i := uint64(0); i < 2*seenChunk+9; i++ {
		s.set(i, 0)
		ref[i] = 0
	}
	s.release(2*seenChunk + 9)
	if s.Chunks[0] != nil || s.Chunks[1] != nil || s.Chunks[2] == nil {
		t.Fatal("release freed the wrong chunks")
	}
	check(0)
	s.set(5, 0) // a write of zero to a freed chunk stays free
	if s.Chunks[0] != nil {
		t.Error("writing zero re-allocated a freed chunk")
	}
	s.set(5, 9) // anything else brings it back
	ref[5] = 9
	check(0)
}

// TestPollClockWraps runs a room past the 16-bit poll clock's wrap (about
// 18 hours): a ticket that keeps polling stays in line, one that stopped
// is skipped, before and after the wrap.
func TestPollClockWraps(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := queue.Policy{MaxActive: 1, PerMinute: 60, Burst: 1, SessionTTL: time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: 2 * time.Minute}
	s := New()
	if _, err := s.Open(ctx, "r", false, 1, now); err != nil {
		t.Fatal(err)
	}
	holder := "holder"
	if ok, _ := s.AdmitDirect(ctx, "r", holder, p, now); !ok {
		t.Fatal("first shopper not admitted")
	}
	polling, _ := s.Join(ctx, "r", now)
	quiet, _ := s.Join(ctx, "r", now)
	for i := 0; i < 20*60; i++ { // 20 hours, a minute at a time
		now = now.Add(time.Minute)
		s.Seen(ctx, "r", []uint64{polling}, now)
		s.Refresh(ctx, "r", []string{holder}, now)
		if _, err := s.Advance(ctx, "r", p, now); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := s.Counters(ctx, "r")
	if c.Waiting != 1 {
		t.Errorf("after 20 hours: %d waiting, want 1 (the ticket that kept polling)", c.Waiting)
	}
	s.End(ctx, "r", holder, now)
	now = now.Add(time.Second)
	s.Seen(ctx, "r", []uint64{polling}, now)
	if _, err := s.Advance(ctx, "r", p, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "r", polling, "p", now); err != nil {
		t.Errorf("the ticket that kept polling: %v, want its turn", err)
	}
	if _, err := s.Claim(ctx, "r", quiet, "q", now); err != queue.ErrForfeited && err != queue.ErrNotCalled {
		t.Errorf("the quiet ticket: %v, want it skipped", err)
	}
}
