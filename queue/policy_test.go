package queue

import (
	"testing"
	"time"
)

func TestOpeningPositionOfZero(t *testing.T) {
	o := Opening{Opened: true, PrequeueEnd: 1000, Random: true, Seed: 3}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if got := o.Position(0); got != 0 {
			t.Errorf("Position(0): got %d, want 0", got)
		}
		if got := o.Number(0); got != 0 {
			t.Errorf("Number(0): got %d, want 0", got)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Position(0) does not return")
	}
}

func TestOpeningPositionIsABijection(t *testing.T) {
	o := Opening{Opened: true, PrequeueEnd: 500, Random: true, Seed: 11}
	seen := map[uint64]bool{}
	for n := uint64(1); n <= 600; n++ {
		pos := o.Position(n)
		if n > 500 && pos != n {
			t.Fatalf("Position(%d) after the pre-queue: got %d, want %d", n, pos, n)
		}
		if pos < 1 || seen[pos] {
			t.Fatalf("Position(%d) = %d: out of range or taken", n, pos)
		}
		seen[pos] = true
		if back := o.Number(pos); back != n {
			t.Fatalf("Number(Position(%d)) = %d", n, back)
		}
	}
}
