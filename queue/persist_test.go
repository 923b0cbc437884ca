package queue

import (
	"context"
	"encoding/gob"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// busyStore is a store in the middle of a sale: sessions, calls, claims,
// ended sessions, polls and an opened pre-queue, in two rooms.
func busyStore(t *testing.T) *MemoryStore {
	t.Helper()
	ctx := context.Background()
	p := with(roomy, func(p *Policy) { p.MaxActive, p.PerMinute, p.Burst = 4, 60, 3 })
	s := NewMemoryStore()
	joinN(t, s, 6, start)
	if _, err := s.Open(ctx, rm, true, 1234, start.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	joinN(t, s, 4, start.Add(2*time.Second))
	mustAdvance(t, s, p, start.Add(3*time.Second))
	called := calledSet(s, rm)
	mustClaim(t, s, called[0], start.Add(4*time.Second))
	s.Refresh(ctx, rm, []string{"restored"}, start.Add(5*time.Second))
	s.End(ctx, rm, "gone", start.Add(5*time.Second))
	s.Seen(ctx, rm, []uint64{7, 9}, start.Add(6*time.Second))
	s.Leave(ctx, rm, 8)
	s.AdmitDirect(ctx, "quiet", "walk-in", p, start)
	// Stock: a hold live, one sold, one released.
	s.SetStock(ctx, rm, 5, start)
	for _, sid := range []string{"held", "sold", "released"} {
		if _, err := s.Hold(ctx, rm, sid, "h-"+sid, 1, start.Add(time.Minute), start); err != nil {
			t.Fatal(err)
		}
	}
	s.Confirm(ctx, rm, "h-sold", start)
	s.Release(ctx, rm, "h-released", start)
	return s
}

// savedForm is r as Save writes it, without what the store derives from
// it on load.
func savedForm(r *memRoom) memRoom {
	c := *r
	c.ix = roomIndex{}
	c.Polls = seenLog{Chunks: r.Polls.Chunks, N: r.Polls.N}
	return c
}

func TestSaveLoadRestoresEverything(t *testing.T) {
	s := busyStore(t)
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := s.Save(path); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatalf("LoadMemoryStore: %v", err)
	}
	if len(got.rooms) != len(s.rooms) {
		t.Fatalf("rooms: got %d, want %d", len(got.rooms), len(s.rooms))
	}
	for name, want := range s.rooms {
		r := got.rooms[name]
		if r == nil {
			t.Fatalf("room %q was not restored", name)
		}
		if got, want := savedForm(r), savedForm(want); !reflect.DeepEqual(got, want) {
			t.Errorf("room %q:\n got %+v\nwant %+v", name, got, want)
		}
	}
	// The restored store behaves as the saved one.
	ctx := context.Background()
	for _, n := range calledSet(s, rm) {
		a, errA := s.Claim(ctx, rm, n, "x", start.Add(10*time.Second))
		b, errB := got.Claim(ctx, rm, n, "x", start.Add(10*time.Second))
		if a != b || (errA == nil) != (errB == nil) {
			t.Errorf("Claim(%d): saved store %q, %v; restored %q, %v", n, a, errA, b, errB)
		}
	}
	ca, _ := s.Counters(ctx, rm)
	cb, _ := got.Counters(ctx, rm)
	if ca != cb {
		t.Errorf("Counters: restored %+v, want %+v", cb, ca)
	}
}

func TestSaveLoadEmptyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := NewMemoryStore().Save(path); err != nil {
		t.Fatal(err)
	}
	s, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := joinN(t, s, 1, start); n[0] != 1 {
		t.Errorf("first ticket of a loaded empty store: got %d, want 1", n[0])
	}
}

func TestLoadMissingFileIsFresh(t *testing.T) {
	s, err := LoadMemoryStore(filepath.Join(t.TempDir(), "never-saved"))
	if err != nil {
		t.Fatalf("LoadMemoryStore: %v", err)
	}
	if len(s.rooms) != 0 {
		t.Errorf("rooms: got %d, want 0", len(s.rooms))
	}
}

func TestLoadBadFileNamesThePath(t *testing.T) {
	dir := t.TempDir()
	wrongVersion := filepath.Join(dir, "v99")
	f, err := os.Create(wrongVersion)
	if err != nil {
		t.Fatal(err)
	}
	gob.NewEncoder(f).Encode(stateFile{Version: 99})
	f.Close()
	cases := []struct {
		name, path string
		content    []byte
	}{
		{"garbage", filepath.Join(dir, "garbage"), []byte("this is not gob\x00\x01\x02")},
		{"empty", filepath.Join(dir, "empty"), nil},
		{"truncated", filepath.Join(dir, "truncated"), nil},
		{"wrong version", wrongVersion, nil},
	}
	good := filepath.Join(dir, "good")
	if err := busyStore(t).Save(good); err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(good)
	cases[2].content = whole[:len(whole)/2]
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.content != nil || tc.name == "empty" {
				if err := os.WriteFile(tc.path, tc.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := LoadMemoryStore(tc.path)
			if err == nil {
				t.Fatalf("LoadMemoryStore: got a store with %d rooms, want an error", len(s.rooms))
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
		})
	}
	if _, err := LoadMemoryStore(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("loading a directory: got %v, want an error naming it", err)
	}
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "queue.state")
	s := busyStore(t)
	for range 3 {
		if err := s.Save(path); err != nil {
			t.Fatalf("Save: %v", err)
		}
		joinN(t, s, 1, start)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "queue.state" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only queue.state", names)
	}
	// A Save that cannot finish leaves the previous state whole.
	before, _ := os.ReadFile(path)
	if err := s.Save(filepath.Join(dir, "missing-dir", "queue.state")); err == nil {
		t.Errorf("Save into a missing directory: got nil error")
	}
	blocked := filepath.Join(dir, "blocked")
	os.Mkdir(blocked, 0o755)
	os.WriteFile(filepath.Join(blocked, "x"), nil, 0o600)
	if err := s.Save(blocked); err == nil {
		t.Errorf("Save over a non-empty directory: got nil error")
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Errorf("a failed Save changed the saved state")
	}
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "queue.state.") || strings.HasPrefix(e.Name(), "blocked.") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestSaveWhileBusy saves while other goroutines change the store; run
// with -race.
func TestSaveWhileBusy(t *testing.T) {
	s := busyStore(t)
	path := filepath.Join(t.TempDir(), "queue.state")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			s.Join(context.Background(), rm, start.Add(time.Duration(i)*time.Millisecond))
		}
	}()
	for range 20 {
		if err := s.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := got.Counters(context.Background(), rm); c.Issued != 210 {
		t.Errorf("Issued after the last Save: got %d, want 210", c.Issued)
	}
}

// TestSaveLoadKeepsStock: a restored store counts the same units, knows
// its holds, and returns each to stock once.
func TestSaveLoadKeepsStock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := busyStore(t).Save(path); err != nil {
		t.Fatal(err)
	}
	s, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wantStock(t, s, start, Stock{Set: true, Units: 5, Held: 1, Sold: 1})
	if h, err := s.Hold(ctx, rm, "held", "another", 1, until, start); err != nil || h.ID != "h-held" {
		t.Errorf("Hold of the session holding a unit: got %+v, %v, want h-held", h, err)
	}
	if err := s.Confirm(ctx, rm, "h-sold", start); err != nil {
		t.Errorf("Confirm of the sold hold: %v", err)
	}
	if _, err := s.Hold(ctx, rm, "released", "h-released", 1, until, start); !errors.Is(err, ErrHoldGone) {
		t.Errorf("Hold with the released hold's id: got %v, want ErrHoldGone", err)
	}
	wantStock(t, s, start, Stock{Set: true, Units: 5, Held: 1, Sold: 1})
	wantStock(t, s, start.Add(time.Minute), Stock{Set: true, Units: 5, Sold: 1, Expired: 1})
}

// TestLoadVersion1: a file saved before the stock was kept loads, with
// every place kept and no stock figure: the room lived, so only an
// operator sets one.
func TestLoadVersion1(t *testing.T) {
	old := NewMemoryStore()
	joinN(t, old, 3, start)
	old.rooms[rm].Stock = memStock{} // as version 1 had none
	path := filepath.Join(t.TempDir(), "queue.state")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(stateFile{Version: 1, Rooms: saveRooms(old.rooms)}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatalf("LoadMemoryStore of version 1: %v", err)
	}
	ctx := context.Background()
	if c, _ := s.Counters(ctx, rm); c.Issued != 3 || c.Stock != (Stock{}) {
		t.Errorf("Counters: got Issued %d Stock %+v, want 3 and no figure", c.Issued, c.Stock)
	}
	if st := mustInitStock(t, s, 10); st.Set {
		t.Errorf("InitStock of a room with tickets: got %+v, want no figure", st)
	}
	if _, err := s.SetStock(ctx, rm, 10, start); err != nil {
		t.Fatal(err)
	}
	mustHold(t, s, "a")
	wantStock(t, s, start, Stock{Set: true, Units: 10, Held: 1})
}
