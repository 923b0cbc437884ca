package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// storeOutcomesCount: every ticket whose turn came to nothing is counted
// once, under the one outcome that befell it — the figures operators add
// up against arrivals.
func storeOutcomesCount(t *testing.T, b Backend) {
	p := With(Roomy, func(p *queue.Policy) { p.MaxActive, p.ClaimWindow, p.AbandonAfter = 3, 10*time.Second, time.Minute })
	s := b.New(t)
	ctx := context.Background()
	JoinN(t, s, 6, Start)
	MustOpen(t, s, Start)
	mustLeave := func(n uint64) {
		t.Helper()
		if err := s.Leave(ctx, Room, n); err != nil {
			t.Fatalf("Leave(%d): %v", n, err)
		}
	}
	mustLeave(1) // leaves before its turn
	// 2 stops polling; 3..6 poll every 10 s.
	for sec := 10; sec <= 70; sec += 10 {
		s.Seen(ctx, Room, []uint64{3, 4, 5, 6}, Start.Add(time.Duration(sec)*time.Second))
	}
	MustAdvance(t, s, p, Start.Add(70*time.Second))
	if got := b.called(t, s); !slices.Equal(got, []uint64{3, 4, 5}) {
		t.Fatalf("called: got %v, want [3 4 5]", got)
	}
	now := Start.Add(71 * time.Second)
	MustClaim(t, s, 4, now)
	mustLeave(5) // leaves while called
	mustLeave(1) // again: already counted
	mustLeave(4) // claimed: not in line any more
	// 3 lets its claim window pass; its slot goes to 6.
	c := MustAdvance(t, s, p, now.Add(p.ClaimWindow+time.Second))
	want := queue.Outcomes{Forfeited: 1, Abandoned: 1, Left: 2}
	if c.Outcomes != want {
		t.Errorf("outcomes: got %+v, want %+v", c.Outcomes, want)
	}
	if c.Admitted != 1 || c.Called != 1 {
		t.Errorf("got Admitted %d Called %d, want 1 and 1", c.Admitted, c.Called)
	}
	// Arrivals add up: 6 tickets = admitted + called + outcomes.
	if sum := c.Admitted + uint64(c.Called) + uint64(c.Waiting) + want.Forfeited + want.Abandoned + want.Left; sum != 6 {
		t.Errorf("admitted+called+waiting+forfeited+abandoned+left = %d, want 6 tickets", sum)
	}
	if rc, err := s.Counters(ctx, Room); err != nil || rc.Outcomes != want {
		t.Errorf("Counters: got %+v, %v; want %+v", rc.Outcomes, err, want)
	}
}
