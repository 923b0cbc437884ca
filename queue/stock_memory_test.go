package queue

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// saveLoad saves s and loads it back, as a restart does.
func saveLoad(t *testing.T, s *MemoryStore) *MemoryStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPerSessionCountsSurviveARestart: the units a session bought are in
// the saved state, so a restart does not let it buy again; a state saved
// before any sale (no counts at all) loads and sells.
func TestPerSessionCountsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	mustInitStock(t, s, 5)
	buy(t, s, "a", "h-a", 1, start)
	mustHold(t, s, "b")
	s = saveLoad(t, s)
	if h, err := s.Hold(ctx, rm, "a", "again", 1, until, start); !errors.Is(err, ErrSessionLimit) {
		t.Errorf("Hold of a session that bought, after a restart: got %+v, %v, want ErrSessionLimit", h, err)
	}
	if err := s.rooms[rm].Stock.checkPerSession(); err != nil {
		t.Errorf("checkPerSession after a restart: %v", err)
	}

	fresh := NewMemoryStore()
	mustInitStock(t, fresh, 5)
	mustHold(t, fresh, "c")
	fresh = saveLoad(t, fresh)
	if err := fresh.Confirm(ctx, rm, "h-c", start); err != nil {
		t.Fatalf("first sale after loading a state without counts: %v", err)
	}
	if _, err := fresh.Hold(ctx, rm, "c", "again", 1, until, start); !errors.Is(err, ErrSessionLimit) {
		t.Errorf("Hold after that sale: got %v, want ErrSessionLimit", err)
	}
}

// TestCheckPerSession: the check the loader runs on a saved state's
// per-session counts accepts what a sale leaves and refuses counts that
// no sale could leave.
func TestCheckPerSession(t *testing.T) {
	ctx := context.Background()
	sale := func(t *testing.T) *memStock {
		s := NewMemoryStore()
		mustInitStock(t, s, 10)
		buy(t, s, "a", "h-a1", 2, start)
		buy(t, s, "a", "h-a2", 2, start)
		buy(t, s, "b", "h-b", 2, start)
		mustHold(t, s, "c")
		s.Confirm(ctx, rm, "never-held", start) // sold, to nobody known
		if _, err := s.Hold(ctx, rm, "d", "h-d", 1, until, start); err != nil {
			t.Fatal(err)
		}
		s.Confirm(ctx, rm, "h-d", after) // a late sale, still d's
		return &s.rooms[rm].Stock
	}
	if err := sale(t).checkPerSession(); err != nil {
		t.Fatalf("checkPerSession of a sale: %v", err)
	}
	if err := (&memStock{}).checkPerSession(); err != nil {
		t.Errorf("checkPerSession of a room that sold nothing: %v", err)
	}
	cases := []struct {
		name  string
		spoil func(*memStock)
		want  string
	}{
		{"no session id", func(st *memStock) { st.Bought[""] = 1 }, "no id"},
		{"zero units", func(st *memStock) { st.Bought["a"] = 0 }, `"a" bought 0 units`},
		{"negative units", func(st *memStock) { st.Bought["a"] = -2 }, `"a" bought -2 units`},
		{"more than sold", func(st *memStock) { st.Bought["e"] = 2 }, "more units than the 5 sold"},
		{"fewer sold", func(st *memStock) { st.Sold = 3 }, "more units than the 3 sold"},
		{"a count that would overflow the sum", func(st *memStock) { st.Bought["e"] = math.MaxInt }, "more units than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := sale(t)
			tc.spoil(st)
			if err := st.checkPerSession(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestLateSaleSavesAndLoads: a hold confirmed after it expired (a late
// sale) moves its record's end on, while its entry in the expiry heap
// stays where the expiry put it until it falls due. The saved state must
// still load: the loader refused it, and a restart lost the whole state.
func TestLateSaleSavesAndLoads(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	s.SetStock(ctx, rm, 5, start)
	mustHold(t, s, "late")
	past := until.Add(time.Second)
	wantStock(t, s, past, Stock{Set: true, Units: 5, Expired: 1})
	if err := s.Confirm(ctx, rm, "h-late", past.Add(time.Minute)); err != nil {
		t.Fatalf("late Confirm: %v", err)
	}
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatalf("LoadMemoryStore after a late sale: %v", err)
	}
	// The expiry stays counted across the save, once, beside the sale.
	wantStock(t, got, past.Add(time.Minute), Stock{Set: true, Units: 5, Sold: 1, Expired: 1})
}
