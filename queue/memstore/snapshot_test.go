package memstore

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestMapCopyIsAsOfItsStart changes a map between the steps of its copy in
// every way the store does — an entry added, changed, deleted, deleted and
// added again, before and after the copy reached it — and wants the map as
// it was at the start.
func TestMapCopyIsAsOfItsStart(t *testing.T) {
	m := make(map[string]int64)
	for i := range 100 {
		m[fmt.Sprint(i)] = int64(i)
	}
	want := maps.Clone(m)
	c := newMapCopy(m)
	set := func(k string, v int64) { c.note(m, k); m[k] = v }
	del := func(k string) { c.note(m, k); delete(m, k) }
	budget := 40
	c.step(&budget)
	for i := range 100 {
		k := fmt.Sprint(i)
		switch i % 5 {
		case 0:
			set(k, -1)
		case 1:
			del(k)
		case 2:
			del(k)
			set(k, -2)
		}
		set(fmt.Sprint("new", i), 1)
	}
	for {
		budget = 7
		if c.step(&budget) {
			break
		}
		set("late", 3) // noted once, whatever follows
		del("late")
	}
	if got := c.result(); !maps.Equal(got, want) {
		t.Errorf("copy has %d entries, want the %d at its start", len(got), len(want))
		for k, v := range want {
			if got[k] != v {
				t.Errorf("entry %q: got %d, want %d", k, got[k], v)
			}
		}
	}
}

// TestSaveWhileEverythingChanges saves over and over while sessions
// start, refresh and end, tickets are called and claimed, and holds are
// taken; each file saved must load: it passes the loader's checks, which
// a copy mixing two instants can fail. Run with -race.
func TestSaveWhileEverythingChanges(t *testing.T) {
	ctx := context.Background()
	p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.PerMinute, p.Burst = 50, 6000, 50 })
	s := New()
	storetest.MustOpen(t, s, storetest.Start)
	s.SetStock(ctx, storetest.Room, 1000, storetest.Start)
	dir := t.TempDir()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		now := storetest.Start
		for i := 0; i < 20000; i++ { // a state well under the file's bound
			select {
			case <-stop:
				return
			default:
			}
			now = now.Add(10 * time.Millisecond)
			n, _ := s.Join(ctx, storetest.Room, now)
			s.Seen(ctx, storetest.Room, []uint64{n, n / 2}, now)
			s.Advance(ctx, storetest.Room, p, now)
			for _, c := range calledSet(s, storetest.Room) {
				sid := fmt.Sprint("s", c)
				if _, err := s.Claim(ctx, storetest.Room, c, sid, now); err == nil && c%3 == 0 {
					s.Hold(ctx, storetest.Room, sid, "h"+sid, 1, now.Add(time.Second), now)
				}
			}
			s.Refresh(ctx, storetest.Room, []string{fmt.Sprint("s", i/2)}, now)
			s.End(ctx, storetest.Room, fmt.Sprint("s", i/3), now)
			s.Confirm(ctx, storetest.Room, fmt.Sprint("hs", i/4), now)
		}
	}()
	for i := range 30 {
		path := filepath.Join(dir, fmt.Sprint(i))
		if err := s.Save(path); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestCopyKeepsPollsOfItsStart: the poll record a copy shares is the one
// of its start, whatever the store writes after.
func TestCopyKeepsPollsOfItsStart(t *testing.T) {
	ctx := context.Background()
	s := New()
	storetest.JoinN(t, s, seenChunk+10, storetest.Start)
	r := s.rooms[storetest.Room]
	want := []uint16{r.Polls.get(0), r.Polls.get(seenChunk + 5)}
	c := r.startCopy()
	later := storetest.Start.Add(time.Minute)
	s.Seen(ctx, storetest.Room, []uint64{1, seenChunk + 6}, later)
	s.Leave(ctx, storetest.Room, 2)
	c.end()
	got := c.result().Polls
	defer r.Polls.unshare()
	if g := []uint16{got.get(0), got.get(seenChunk + 5), got.get(1)}; g[0] != want[0] || g[1] != want[1] || g[2] != want[0] {
		t.Errorf("copy's stamps %v, want %v and %d", g, want, want[0])
	}
	if r.Polls.get(0) == want[0] || r.Polls.get(1) != seenLeft {
		t.Errorf("the store's own stamps did not change: %d, %d", r.Polls.get(0), r.Polls.get(1))
	}
}
