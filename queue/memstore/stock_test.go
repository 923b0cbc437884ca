package memstore

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// saveLoad saves s and loads it back, as a restart does.
func saveLoad(t *testing.T, s *Store) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
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
	s := New()
	storetest.MustInitStock(t, s, 5)
	storetest.Buy(t, s, "a", "h-a", 1, storetest.Start)
	storetest.MustHold(t, s, "b")
	s = saveLoad(t, s)
	if h, err := s.Hold(ctx, storetest.Room, "a", "again", 1, storetest.Until, storetest.Start); !errors.Is(err, queue.ErrSessionLimit) {
		t.Errorf("Hold of a session that bought, after a restart: got %+v, %v, want ErrSessionLimit", h, err)
	}
	if err := s.rooms[storetest.Room].Stock.checkPerSession(); err != nil {
		t.Errorf("checkPerSession after a restart: %v", err)
	}

	fresh := New()
	storetest.MustInitStock(t, fresh, 5)
	storetest.MustHold(t, fresh, "c")
	fresh = saveLoad(t, fresh)
	if err := fresh.Confirm(ctx, storetest.Room, "h-c", storetest.Start); err != nil {
		t.Fatalf("first sale after loading a state without counts: %v", err)
	}
	if _, err := fresh.Hold(ctx, storetest.Room, "c", "again", 1, storetest.Until, storetest.Start); !errors.Is(err, queue.ErrSessionLimit) {
		t.Errorf("Hold after that sale: got %v, want ErrSessionLimit", err)
	}
}

// TestCheckPerSession: the check the loader runs on a saved state's
// per-session counts accepts what a sale leaves and refuses counts that
// no sale could leave.
func TestCheckPerSession(t *testing.T) {
	ctx := context.Background()
	sale := func(t *testing.T) *memStock {
		s := New()
		storetest.MustInitStock(t, s, 10)
		storetest.Buy(t, s, "a", "h-a1", 2, storetest.Start)
		storetest.Buy(t, s, "a", "h-a2", 2, storetest.Start)
		storetest.Buy(t, s, "b", "h-b", 2, storetest.Start)
		storetest.MustHold(t, s, "c")
		s.Confirm(ctx, storetest.Room, "never-held", storetest.Start) // sold, to nobody known
		if _, err := s.Hold(ctx, storetest.Room, "d", "h-d", 1, storetest.Until, storetest.Start); err != nil {
			t.Fatal(err)
		}
		s.Confirm(ctx, storetest.Room, "h-d", storetest.After) // a late sale, still d's
		return &s.rooms[storetest.Room].Stock
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
	s := New()
	s.SetStock(ctx, storetest.Room, 5, storetest.Start)
	storetest.MustHold(t, s, "late")
	past := storetest.Until.Add(time.Second)
	storetest.WantStock(t, s, past, queue.Stock{Set: true, Units: 5, Expired: 1})
	if err := s.Confirm(ctx, storetest.Room, "h-late", past.Add(time.Minute)); err != nil {
		t.Fatalf("late Confirm: %v", err)
	}
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load after a late sale: %v", err)
	}
	// The expiry stays counted across the save, once, beside the sale.
	storetest.WantStock(t, got, past.Add(time.Minute), queue.Stock{Set: true, Units: 5, Sold: 1, Expired: 1})
}
