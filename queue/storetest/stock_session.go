package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The per-session limit's part of the suite (issue 8, item 6: one session
// could buy the whole stock).

func storeStockPerSession(t *testing.T, b Backend) {
	ctx := context.Background()
	for _, per := range []int{1, 3} {
		t.Run(fmt.Sprint(per), func(t *testing.T) {
			s := b.New(t)
			MustInitStock(t, s, 10)
			for i := range per {
				Buy(t, s, "a", fmt.Sprint("h-a", i), per, Start)
			}
			want := queue.Stock{Set: true, Units: 10, Sold: per}
			for i, hid := range []string{"one-more", "and-another"} {
				if h, err := s.Hold(ctx, Room, "a", hid, per, Until, Start.Add(time.Duration(i)*time.Second)); !errors.Is(err, queue.ErrSessionLimit) {
					t.Errorf("Hold #%d past %d per session: got %+v, %v, want ErrSessionLimit", per+i+1, per, h, err)
				}
			}
			WantStock(t, s, Start, want)
			// A retry of a sale's hold is that hold, not a new unit.
			if h, err := s.Hold(ctx, Room, "a", "h-a0", per, Until, Start); err != nil || h.ID != "h-a0" || h.Session != "a" {
				t.Errorf("retried Hold of a sold hold: got %+v, %v, want h-a0", h, err)
			}
			WantStock(t, s, Start, want)
			// The limit is the session's, not the room's.
			if h, err := s.Hold(ctx, Room, "b", "h-b", per, Until, Start); err != nil || h.ID != "h-b" {
				t.Errorf("Hold of another session: got %+v, %v, want h-b", h, err)
			}
			want.Held = 1
			WantStock(t, s, Start, want)
		})
	}
}

// storeStockPerSessionRules: what counts against the limit (a live hold, a
// sale, a late sale) and what does not (a release, an expiry, a sale of a
// hold the store does not know), each on a fresh store of five units.
func storeStockPerSessionRules(t *testing.T, b Backend) {
	ctx := context.Background()
	hold := func(s queue.Store, hid string, per int, now time.Time) (queue.Hold, error) {
		return s.Hold(ctx, Room, "a", hid, per, now.Add(HoldFor), now)
	}
	cases := []struct {
		name string
		per  int
		// run leaves "a" at its limit, or not (free), as of at.
		run  func(*testing.T, queue.Store)
		at   time.Time
		free bool
		want queue.Stock // at the end, at at
	}{
		{"a live hold is returned, not refused", 2, func(t *testing.T, s queue.Store) {
			Buy(t, s, "a", "h-1", 2, Start)
			first, err := hold(s, "h-2", 2, Start)
			if err != nil {
				t.Fatalf("second Hold of two: %v", err)
			}
			if again, err := hold(s, "h-3", 2, Start); err != nil || again.ID != first.ID {
				t.Errorf("Hold while holding the last unit allowed: got %+v, %v, want %s again", again, err, first.ID)
			}
			if err := s.Confirm(ctx, Room, first.ID, Start); err != nil {
				t.Fatal(err)
			}
		}, Start, false, queue.Stock{Set: true, Units: 5, Sold: 2}},
		{"a release frees its count", 1, func(t *testing.T, s queue.Store) {
			h, err := hold(s, "h-1", 1, Start)
			if err != nil {
				t.Fatal(err)
			}
			s.Release(ctx, Room, h.ID, Start)
		}, Start, true, queue.Stock{Set: true, Units: 5}},
		{"an expiry frees its count", 1, func(t *testing.T, s queue.Store) {
			if _, err := hold(s, "h-1", 1, Start); err != nil {
				t.Fatal(err)
			}
		}, Until, true, queue.Stock{Set: true, Units: 5, Expired: 1}},
		{"a sale does not", 1, func(t *testing.T, s queue.Store) {
			Buy(t, s, "a", "h-1", 1, Start)
		}, Until.Add(3 * queue.HoldKeep), false, queue.Stock{Set: true, Units: 5, Sold: 1}},
		{"a late sale of an expired hold counts", 1, func(t *testing.T, s queue.Store) {
			if _, err := hold(s, "h-1", 1, Start); err != nil {
				t.Fatal(err)
			}
			if err := s.Confirm(ctx, Room, "h-1", After); err != nil {
				t.Fatal(err)
			}
		}, After, false, queue.Stock{Set: true, Units: 5, Sold: 1, Expired: 1}},
		{"a late sale of a released hold counts", 1, func(t *testing.T, s queue.Store) {
			if _, err := hold(s, "h-1", 1, Start); err != nil {
				t.Fatal(err)
			}
			s.Release(ctx, Room, "h-1", Start)
			if err := s.Confirm(ctx, Room, "h-1", Start); err != nil {
				t.Fatal(err)
			}
		}, Start, false, queue.Stock{Set: true, Units: 5, Sold: 1}},
		{"a sale of an unknown hold counts for nobody", 1, func(t *testing.T, s queue.Store) {
			if err := s.Confirm(ctx, Room, "never-held", Start); err != nil {
				t.Fatal(err)
			}
		}, Start, true, queue.Stock{Set: true, Units: 5, Sold: 1}},
		{"below 1 counts as 1", 0, func(t *testing.T, s queue.Store) {
			Buy(t, s, "a", "h-1", 0, Start)
		}, Start, false, queue.Stock{Set: true, Units: 5, Sold: 1}},
		{"a raised limit lets it buy more", 1, func(t *testing.T, s queue.Store) {
			Buy(t, s, "a", "h-1", 1, Start)
			Buy(t, s, "a", "h-2", 2, Start)
		}, Start, false, queue.Stock{Set: true, Units: 5, Sold: 2}},
		{"retried with the same ids", 2, func(t *testing.T, s queue.Store) {
			for range 2 {
				if h, err := hold(s, "h-1", 2, Start); err != nil || h.ID != "h-1" {
					t.Fatalf("Hold: got %+v, %v, want h-1", h, err)
				}
			}
			for range 2 {
				if err := s.Confirm(ctx, Room, "h-1", Start); err != nil {
					t.Fatal(err)
				}
			}
			if h, err := hold(s, "h-1", 2, Start); err != nil || h.ID != "h-1" {
				t.Fatalf("Hold after the sale: got %+v, %v, want h-1", h, err)
			}
			Buy(t, s, "a", "h-2", 2, Start) // the second of two: the retries counted once
		}, Start, false, queue.Stock{Set: true, Units: 5, Sold: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			MustInitStock(t, s, 5)
			tc.run(t, s)
			WantStock(t, s, tc.at, tc.want)
			per := max(tc.per, 1)
			h, err := hold(s, "probe", tc.per, tc.at)
			switch {
			case tc.free && err != nil:
				t.Errorf("Hold with the count freed: %v", err)
			case !tc.free && !errors.Is(err, queue.ErrSessionLimit):
				t.Errorf("Hold at %d per session: got %+v, %v, want ErrSessionLimit", per, h, err)
			}
			if !tc.free {
				WantStock(t, s, tc.at, tc.want) // the refusal took nothing
			}
		})
	}
	t.Run("the limit comes before sold out", func(t *testing.T) {
		s := b.New(t)
		MustInitStock(t, s, 1)
		Buy(t, s, "a", "h-1", 1, Start)
		if _, err := hold(s, "h-2", 1, Start); !errors.Is(err, queue.ErrSessionLimit) {
			t.Errorf("Hold of a session at its limit in a sold-out room: got %v, want ErrSessionLimit", err)
		}
		if _, err := s.Hold(ctx, Room, "b", "h-b", 1, Until, Start); !errors.Is(err, queue.ErrSoldOut) {
			t.Errorf("Hold of another session: got %v, want ErrSoldOut", err)
		}
	})
}

// storeStockConcurrentHoldsPerSession: two shoppers with three units each
// hammer the checkout from many goroutines at once, selling every hold
// they get; each ends with exactly three units of the ten, never more.
func storeStockConcurrentHoldsPerSession(t *testing.T, b Backend) {
	const per, units, goroutines = 3, 10, 25
	s := b.New(t)
	ctx := context.Background()
	MustInitStock(t, s, units)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sold = map[string]map[string]bool{"one": {}, "two": {}} // session -> holds sold
	)
	for _, sid := range []string{"one", "two"} {
		for g := range goroutines {
			wg.Go(func() {
				for i := 0; ; i++ {
					if i == 100 {
						t.Errorf("%s: still not refused after %d tries", sid, i)
						return
					}
					h, err := s.Hold(ctx, Room, sid, fmt.Sprintf("%s-%d-%d", sid, g, i), per, Until, Start)
					if errors.Is(err, queue.ErrSessionLimit) {
						return
					}
					if err != nil {
						t.Errorf("Hold(%s): %v", sid, err)
						return
					}
					// Goroutines given the same live hold all confirm
					// it: one sale.
					if err := s.Confirm(ctx, Room, h.ID, Start); err != nil {
						t.Errorf("Confirm(%s): %v", h.ID, err)
						return
					}
					mu.Lock()
					sold[sid][h.ID] = true
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for sid, hs := range sold {
		if len(hs) != per {
			t.Errorf("session %s bought %d units through holds %v, want %d", sid, len(hs), hs, per)
		}
	}
	WantStock(t, s, Start, queue.Stock{Set: true, Units: units, Sold: 2 * per})
}
