package memstore

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

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// busyStore is a store in the middle of a sale: sessions, calls, claims,
// ended sessions, polls and an opened pre-queue, in two rooms.
func busyStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 4, 60, 3 })
	s := New()
	storetest.JoinN(t, s, 6, storetest.Start)
	if _, err := s.Open(ctx, storetest.Room, true, 1234, storetest.Start.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	storetest.JoinN(t, s, 4, storetest.Start.Add(2*time.Second))
	storetest.MustAdvance(t, s, p, storetest.Start.Add(3*time.Second))
	called := calledSet(s, storetest.Room)
	storetest.MustClaim(t, s, called[0], storetest.Start.Add(4*time.Second))
	s.Refresh(ctx, storetest.Room, []string{"restored"}, storetest.Start.Add(5*time.Second))
	s.End(ctx, storetest.Room, "gone", storetest.Start.Add(5*time.Second))
	s.Seen(ctx, storetest.Room, []uint64{7, 9}, storetest.Start.Add(6*time.Second))
	s.Leave(ctx, storetest.Room, 8)
	s.AdmitDirect(ctx, "quiet", "walk-in", p, storetest.Start)
	// Stock: a hold live, one sold, one released.
	s.SetStock(ctx, storetest.Room, 5, storetest.Start)
	for _, sid := range []string{"held", "sold", "released"} {
		if _, err := s.Hold(ctx, storetest.Room, sid, "h-"+sid, 1, storetest.Start.Add(time.Minute), storetest.Start); err != nil {
			t.Fatal(err)
		}
	}
	s.Confirm(ctx, storetest.Room, "h-sold", storetest.Start)
	s.Release(ctx, storetest.Room, "h-released", storetest.Start)
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
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
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
	for _, n := range calledSet(s, storetest.Room) {
		a, errA := s.Claim(ctx, storetest.Room, n, "x", storetest.Start.Add(10*time.Second))
		b, errB := got.Claim(ctx, storetest.Room, n, "x", storetest.Start.Add(10*time.Second))
		if a != b || (errA == nil) != (errB == nil) {
			t.Errorf("Claim(%d): saved store %q, %v; restored %q, %v", n, a, errA, b, errB)
		}
	}
	ca, _ := s.Counters(ctx, storetest.Room)
	cb, _ := got.Counters(ctx, storetest.Room)
	if ca != cb {
		t.Errorf("Counters: restored %+v, want %+v", cb, ca)
	}
}

func TestSaveLoadEmptyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.state")
	if err := New().Save(path); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := storetest.JoinN(t, s, 1, storetest.Start); n[0] != 1 {
		t.Errorf("first ticket of a loaded empty store: got %d, want 1", n[0])
	}
}

func TestLoadMissingFileIsFresh(t *testing.T) {
	s, err := Load(filepath.Join(t.TempDir(), "never-saved"))
	if err != nil {
		t.Fatalf("Load: %v", err)
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
			s, err := Load(tc.path)
			if err == nil {
				t.Fatalf("Load: got a store with %d rooms, want an error", len(s.rooms))
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
		})
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), dir) {
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
		storetest.JoinN(t, s, 1, storetest.Start)
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
			s.Join(context.Background(), storetest.Room, storetest.Start.Add(time.Duration(i)*time.Millisecond))
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
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := got.Counters(context.Background(), storetest.Room); c.Issued != 210 {
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
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	storetest.WantStock(t, s, storetest.Start, queue.Stock{Set: true, Units: 5, Held: 1, Sold: 1})
	if h, err := s.Hold(ctx, storetest.Room, "held", "another", 1, storetest.Until, storetest.Start); err != nil || h.ID != "h-held" {
		t.Errorf("Hold of the session holding a unit: got %+v, %v, want h-held", h, err)
	}
	if err := s.Confirm(ctx, storetest.Room, "h-sold", storetest.Start); err != nil {
		t.Errorf("Confirm of the sold hold: %v", err)
	}
	if _, err := s.Hold(ctx, storetest.Room, "released", "h-released", 1, storetest.Until, storetest.Start); !errors.Is(err, queue.ErrHoldGone) {
		t.Errorf("Hold with the released hold's id: got %v, want ErrHoldGone", err)
	}
	storetest.WantStock(t, s, storetest.Start, queue.Stock{Set: true, Units: 5, Held: 1, Sold: 1})
	storetest.WantStock(t, s, storetest.Start.Add(time.Minute), queue.Stock{Set: true, Units: 5, Sold: 1, Expired: 1})
}

// TestLoadVersion1: a file saved before the stock was kept loads, with
// every place kept and no stock figure: the room lived, so only an
// operator sets one.
func TestLoadVersion1(t *testing.T) {
	old := New()
	storetest.JoinN(t, old, 3, storetest.Start)
	old.rooms[storetest.Room].Stock = memStock{} // as version 1 had none
	path := filepath.Join(t.TempDir(), "queue.state")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(stateFile{Version: 1, Rooms: saveRooms(old.rooms)}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err := Load(path)
	if err != nil {
		t.Fatalf("Load of version 1: %v", err)
	}
	ctx := context.Background()
	if c, _ := s.Counters(ctx, storetest.Room); c.Issued != 3 || c.Stock != (queue.Stock{}) {
		t.Errorf("Counters: got Issued %d Stock %+v, want 3 and no figure", c.Issued, c.Stock)
	}
	if st := storetest.MustInitStock(t, s, 10); st.Set {
		t.Errorf("InitStock of a room with tickets: got %+v, want no figure", st)
	}
	if _, err := s.SetStock(ctx, storetest.Room, 10, storetest.Start); err != nil {
		t.Fatal(err)
	}
	storetest.MustHold(t, s, "a")
	storetest.WantStock(t, s, storetest.Start, queue.Stock{Set: true, Units: 10, Held: 1})
}
