package queue

import "testing"

func TestPermuteIsABijection(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 7, 16, 17, 100, 1000, 4097} {
		seen := make([]bool, n)
		moved := 0
		for x := uint64(0); x < n; x++ {
			y := permute(x, n, 42)
			if y >= n {
				t.Fatalf("n=%d: permute(%d) = %d, out of range", n, x, y)
			}
			if seen[y] {
				t.Fatalf("n=%d: %d is hit twice", n, y)
			}
			seen[y] = true
			if back := unpermute(y, n, 42); back != x {
				t.Fatalf("n=%d: unpermute(permute(%d)) = %d", n, x, back)
			}
			if y != x {
				moved++
			}
		}
		if n >= 100 && moved < int(n)/2 {
			t.Errorf("n=%d: only %d of %d moved; not much of a shuffle", n, moved, n)
		}
	}
}

func TestPermuteDependsOnSeed(t *testing.T) {
	same := 0
	for x := uint64(0); x < 1000; x++ {
		if permute(x, 1000, 1) == permute(x, 1000, 2) {
			same++
		}
	}
	if same > 50 {
		t.Errorf("%d of 1000 places equal under two seeds", same)
	}
}

func BenchmarkPermute(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		permute(uint64(i)%500000, 500000, 7)
	}
}
