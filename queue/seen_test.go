package queue

import "testing"

func TestSeenLog(t *testing.T) {
	var s seenLog
	ref := []uint32{}
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
		var got, want []uint32
		s.each(from, func(v uint32) {
			if v != 0 {
				got = append(got, v)
			}
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
		s.set(i, uint32(i+1))
		ref[i] = uint32(i + 1)
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
