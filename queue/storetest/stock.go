package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The stock's part of the suite (SPEC guarantee 3, no oversell).

func storeStockInit(t *testing.T, b Backend) {
	ctx := context.Background()
	cases := []struct {
		name  string
		setup func(*testing.T, queue.Store)
		want  queue.Stock
	}{
		{"brand-new room", func(*testing.T, queue.Store) {}, queue.Stock{Set: true, Units: 10}},
		{"a ticket was issued", func(t *testing.T, s queue.Store) { JoinN(t, s, 1, Start) }, queue.Stock{}},
		{"opened", func(t *testing.T, s queue.Store) { MustOpen(t, s, Start) }, queue.Stock{}},
		{"a session lives", func(t *testing.T, s queue.Store) { s.Refresh(ctx, Room, []string{"a"}, Start) }, queue.Stock{}},
		{"set before", func(t *testing.T, s queue.Store) { MustInitStock(t, s, 3) }, queue.Stock{Set: true, Units: 3}},
		{"set to zero before", func(t *testing.T, s queue.Store) { MustInitStock(t, s, 0) }, queue.Stock{Set: true}},
		{"set by an operator", func(t *testing.T, s queue.Store) { s.SetStock(ctx, Room, 5, Start) }, queue.Stock{Set: true, Units: 5}},
		{"holds and sales", func(t *testing.T, s queue.Store) {
			MustInitStock(t, s, 4)
			MustHold(t, s, "a")
			s.Confirm(ctx, Room, MustHold(t, s, "b").ID, Start)
		}, queue.Stock{Set: true, Units: 4, Held: 1, Sold: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			tc.setup(t, s)
			if got := MustInitStock(t, s, 10); got != tc.want {
				t.Errorf("InitStock: got %+v, want %+v", got, tc.want)
			}
			WantStock(t, s, Start, tc.want)
			if !tc.want.Set {
				if _, err := s.Hold(ctx, Room, "x", "h-x", 1, Until, Start); !errors.Is(err, queue.ErrNoStock) {
					t.Errorf("Hold without a figure: got %v, want ErrNoStock", err)
				}
			}
		})
	}
	t.Run("negative units", func(t *testing.T) {
		s := b.New(t)
		if _, err := s.InitStock(ctx, Room, -1, Start); err == nil {
			t.Errorf("InitStock(-1): got no error")
		}
		if _, err := s.SetStock(ctx, Room, -1, Start); err == nil {
			t.Errorf("SetStock(-1): got no error")
		}
		WantStock(t, s, Start, queue.Stock{})
	})
}

// storeStockSetKeepsHeldAndSold: an operator's figure is the units for
// sale in all; what is held or sold stays counted, and a figure below
// them leaves the room sold out without taking back a promised unit.
func storeStockSetKeepsHeldAndSold(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	MustInitStock(t, s, 10)
	h1, h2, h3 := MustHold(t, s, "a"), MustHold(t, s, "b"), MustHold(t, s, "c")
	if err := s.Confirm(ctx, Room, h1.ID, Start); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		want queue.Stock
	}{
		{"raised", func() error { _, err := s.SetStock(ctx, Room, 20, Start); return err }, queue.Stock{Set: true, Units: 20, Held: 2, Sold: 1}},
		{"set again", func() error { _, err := s.SetStock(ctx, Room, 20, Start); return err }, queue.Stock{Set: true, Units: 20, Held: 2, Sold: 1}},
		{"below held and sold", func() error { _, err := s.SetStock(ctx, Room, 2, Start); return err }, queue.Stock{Set: true, Units: 2, Held: 2, Sold: 1}},
		{"a held unit still sells", func() error { return s.Confirm(ctx, Room, h2.ID, Start) }, queue.Stock{Set: true, Units: 2, Held: 1, Sold: 2}},
		{"a release", func() error { return s.Release(ctx, Room, h3.ID, Start) }, queue.Stock{Set: true, Units: 2, Sold: 2}},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		WantStock(t, s, Start, st.want)
		probe := fmt.Sprint("probe", i)
		_, err := s.Hold(ctx, Room, probe, probe, 1, Until, Start)
		if st.want.Left() > 0 {
			if err != nil {
				t.Errorf("%s: Hold with %d left: %v", st.name, st.want.Left(), err)
			}
			s.Release(ctx, Room, probe, Start)
		} else if !errors.Is(err, queue.ErrSoldOut) {
			t.Errorf("%s: Hold with %d left: got %v, want ErrSoldOut", st.name, st.want.Left(), err)
		}
	}
	if !StockAt(t, s, Start).SoldOut() {
		t.Errorf("SoldOut: got false with nothing left")
	}
}

// storeStockHold: the rules of Hold, each on a fresh store.
func storeStockHold(t *testing.T, b Backend) {
	ctx := context.Background()
	cases := []struct {
		name  string
		units int
		run   func(*testing.T, queue.Store)
		want  queue.Stock // at the end, at start
	}{
		{"one hold per session", 5, func(t *testing.T, s queue.Store) {
			first := MustHold(t, s, "a")
			again, err := s.Hold(ctx, Room, "a", "another", 1, Until.Add(time.Minute), Start.Add(time.Second))
			if err != nil || again.ID != first.ID || !again.Expires.Equal(Until) || again.Session != "a" {
				t.Errorf("second Hold of the session: got %+v, %v, want the first %+v", again, err, first)
			}
		}, queue.Stock{Set: true, Units: 5, Held: 1}},
		{"retried with the same ids", 5, func(t *testing.T, s queue.Store) {
			first := MustHold(t, s, "a")
			if again := MustHold(t, s, "a"); again != first {
				t.Errorf("retried Hold: got %+v, want %+v", again, first)
			}
			if first.ID != "h-a" || first.Session != "a" || !first.Expires.Equal(Until) {
				t.Errorf("Hold: got %+v, want h-a for a until %v", first, Until)
			}
		}, queue.Stock{Set: true, Units: 5, Held: 1}},
		{"sold out", 2, func(t *testing.T, s queue.Store) {
			MustHold(t, s, "a")
			MustHold(t, s, "b")
			if _, err := s.Hold(ctx, Room, "c", "h-c", 1, Until, Start); !errors.Is(err, queue.ErrSoldOut) {
				t.Errorf("third Hold of two units: got %v, want ErrSoldOut", err)
			}
			if !StockAt(t, s, Start).SoldOut() {
				t.Errorf("SoldOut: got false")
			}
		}, queue.Stock{Set: true, Units: 2, Held: 2}},
		{"nothing for sale", 0, func(t *testing.T, s queue.Store) {
			if _, err := s.Hold(ctx, Room, "a", "h-a", 1, Until, Start); !errors.Is(err, queue.ErrSoldOut) {
				t.Errorf("Hold of zero units: got %v, want ErrSoldOut", err)
			}
		}, queue.Stock{Set: true}},
		{"again after a release", 1, func(t *testing.T, s queue.Store) {
			MustHold(t, s, "a")
			s.Release(ctx, Room, "h-a", Start)
			h, err := s.Hold(ctx, Room, "a", "second", 1, Until, Start)
			if err != nil || h.ID != "second" {
				t.Errorf("Hold after a release: got %+v, %v, want a new hold", h, err)
			}
		}, queue.Stock{Set: true, Units: 1, Held: 1}},
		{"again after expiry", 1, func(t *testing.T, s queue.Store) {
			MustHold(t, s, "a")
			h, err := s.Hold(ctx, Room, "a", "second", 1, Until.Add(HoldFor), Until)
			if err != nil || h.ID != "second" {
				t.Errorf("Hold after expiry: got %+v, %v, want a new hold", h, err)
			}
		}, queue.Stock{Set: true, Units: 1, Held: 1, Expired: 1}},
		{"again after a sale, two per session", 2, func(t *testing.T, s queue.Store) {
			s.Confirm(ctx, Room, MustHold(t, s, "a").ID, Start)
			h, err := s.Hold(ctx, Room, "a", "second", 2, Until, Start)
			if err != nil || h.ID != "second" {
				t.Errorf("Hold after a sale: got %+v, %v, want a new hold", h, err)
			}
		}, queue.Stock{Set: true, Units: 2, Held: 1, Sold: 1}},
		{"an ended hold's id", 1, func(t *testing.T, s queue.Store) {
			MustHold(t, s, "a")
			s.Release(ctx, Room, "h-a", Start)
			if _, err := s.Hold(ctx, Room, "a", "h-a", 1, Until, Start); !errors.Is(err, queue.ErrHoldGone) {
				t.Errorf("Hold with the id of a released hold: got %v, want ErrHoldGone", err)
			}
		}, queue.Stock{Set: true, Units: 1}},
		{"a held unit is not for others", 1, func(t *testing.T, s queue.Store) {
			MustHold(t, s, "a")
			if _, err := s.Hold(ctx, Room, "b", "h-b", 1, Until, Until.Add(-time.Second)); !errors.Is(err, queue.ErrSoldOut) {
				t.Errorf("Hold a second before the hold expires: got %v, want ErrSoldOut", err)
			}
			if _, err := s.Hold(ctx, Room, "b", "h-b", 1, Until.Add(HoldFor), Until); err != nil {
				t.Errorf("Hold as the hold expires: got %v, want the unit", err)
			}
		}, queue.Stock{Set: true, Units: 1, Held: 1, Expired: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			MustInitStock(t, s, tc.units)
			tc.run(t, s)
			WantStock(t, s, Start, tc.want)
		})
	}
	t.Run("no stock figure", func(t *testing.T) {
		s := b.New(t)
		if _, err := s.Hold(ctx, Room, "a", "h-a", 1, Until, Start); !errors.Is(err, queue.ErrNoStock) {
			t.Errorf("Hold in a room without a figure: got %v, want ErrNoStock", err)
		}
		WantStock(t, s, Start, queue.Stock{})
	})
}

// storeStockExpiry: a hold is over at its until, and its unit comes back
// once, however often the stock is looked at.
func storeStockExpiry(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	MustInitStock(t, s, 4)
	MustHold(t, s, "a")
	MustHold(t, s, "b")
	// Released and sold holds are not returned again at their time.
	if err := s.Release(ctx, Room, MustHold(t, s, "c").ID, Start); err != nil {
		t.Fatal(err)
	}
	if err := s.Confirm(ctx, Room, MustHold(t, s, "d").ID, Start); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at   time.Time
		want queue.Stock
	}{
		{Start, queue.Stock{Set: true, Units: 4, Held: 2, Sold: 1}},
		{Until.Add(-time.Second), queue.Stock{Set: true, Units: 4, Held: 2, Sold: 1}},
		{Until, queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 2}},
		{Until, queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 2}},
		{After, queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 2}},
		{Start, queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 2}}, // an earlier clock does not bring it back
		{Until.Add(3 * queue.HoldKeep), queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 2}},
	}
	for i, st := range steps {
		if got := StockAt(t, s, st.at); got != st.want {
			t.Errorf("step %d, at %v: got %+v, want %+v", i, st.at.Sub(Start), got, st.want)
		}
	}
}

// storeStockConfirm: the rules of Confirm, each on a fresh store.
func storeStockConfirm(t *testing.T, b Backend) {
	ctx := context.Background()
	cases := []struct {
		name  string
		units int
		setup func(*testing.T, queue.Store) string // returns the hold to confirm
		at    time.Time
		err   error
		want  queue.Stock // after confirming twice
	}{
		{"live hold", 2, func(t *testing.T, s queue.Store) string { return MustHold(t, s, "a").ID },
			Start, nil, queue.Stock{Set: true, Units: 2, Sold: 1}},
		{"expired, a unit left", 2, func(t *testing.T, s queue.Store) string { return MustHold(t, s, "a").ID },
			After, nil, queue.Stock{Set: true, Units: 2, Sold: 1, Expired: 1}},
		{"expired, none left", 1, func(t *testing.T, s queue.Store) string {
			h := MustHold(t, s, "a")
			if _, err := s.Hold(ctx, Room, "b", "h-b", 1, After.Add(HoldFor), After); err != nil {
				t.Fatal(err)
			}
			return h.ID
		}, After, queue.ErrHoldGone, queue.Stock{Set: true, Units: 1, Held: 1, Expired: 1}},
		{"released, a unit left", 2, func(t *testing.T, s queue.Store) string {
			h := MustHold(t, s, "a")
			s.Release(ctx, Room, h.ID, Start)
			return h.ID
		}, Start, nil, queue.Stock{Set: true, Units: 2, Sold: 1}},
		{"released, none left", 1, func(t *testing.T, s queue.Store) string {
			h := MustHold(t, s, "a")
			s.Release(ctx, Room, h.ID, Start)
			MustHold(t, s, "b")
			return h.ID
		}, Start, queue.ErrHoldGone, queue.Stock{Set: true, Units: 1, Held: 1}},
		{"unknown hold, a unit left", 1, func(*testing.T, queue.Store) string { return "never-held" },
			Start, nil, queue.Stock{Set: true, Units: 1, Sold: 1}},
		{"unknown hold, none left", 1, func(t *testing.T, s queue.Store) string {
			MustHold(t, s, "a")
			return "never-held"
		}, Start, queue.ErrHoldGone, queue.Stock{Set: true, Units: 1, Held: 1}},
		{"no stock figure", -1, func(*testing.T, queue.Store) string { return "h-a" },
			Start, queue.ErrHoldGone, queue.Stock{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			if tc.units >= 0 {
				MustInitStock(t, s, tc.units)
			}
			hid := tc.setup(t, s)
			for i := range 2 {
				if err := s.Confirm(ctx, Room, hid, tc.at); !errors.Is(err, tc.err) {
					t.Errorf("Confirm #%d: got %v, want %v", i+1, err, tc.err)
				}
			}
			WantStock(t, s, tc.at, tc.want)
			// A release after the sale does not un-sell it.
			s.Release(ctx, Room, hid, tc.at)
			WantStock(t, s, tc.at, tc.want)
		})
	}
}

// storeStockRelease: the rules of Release, each on a fresh store of one
// unit; after the release under test, "b" takes the unit if it is free
// and the release is sent again, as a retry would.
func storeStockRelease(t *testing.T, b Backend) {
	ctx := context.Background()
	cases := []struct {
		name  string
		setup func(*testing.T, queue.Store) string
		at    time.Time
		want  queue.Stock
	}{
		{"live hold", func(t *testing.T, s queue.Store) string { return MustHold(t, s, "a").ID },
			Start, queue.Stock{Set: true, Units: 1, Held: 1}},
		{"expired hold", func(t *testing.T, s queue.Store) string { return MustHold(t, s, "a").ID },
			After, queue.Stock{Set: true, Units: 1, Held: 1, Expired: 1}},
		{"sold hold", func(t *testing.T, s queue.Store) string {
			h := MustHold(t, s, "a")
			s.Confirm(ctx, Room, h.ID, Start)
			return h.ID
		}, Start, queue.Stock{Set: true, Units: 1, Sold: 1}},
		{"unknown hold", func(*testing.T, queue.Store) string { return "never-held" },
			Start, queue.Stock{Set: true, Units: 1, Held: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			MustInitStock(t, s, 1)
			hid := tc.setup(t, s)
			if err := s.Release(ctx, Room, hid, tc.at); err != nil {
				t.Fatalf("Release: %v", err)
			}
			s.Hold(ctx, Room, "b", "h-b", 1, tc.at.Add(2*HoldFor), tc.at)
			if err := s.Release(ctx, Room, hid, tc.at); err != nil {
				t.Fatalf("Release again: %v", err)
			}
			WantStock(t, s, tc.at, tc.want)
			// Nor does the released hold's time coming give it back again.
			WantStock(t, s, Until.Add(time.Minute), tc.want)
		})
	}
	t.Run("unknown room", func(t *testing.T) {
		s := b.New(t)
		if err := s.Release(ctx, "nowhere", "h", Start); err != nil {
			t.Errorf("Release in an unknown room: %v", err)
		}
	})
}

// storeStockInCounters: Advance and Counters carry the stock, with the
// holds due by then counted as returned; Counters changes nothing, but
// reports as of the latest time the store heard.
func storeStockInCounters(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	if c, _ := s.Counters(ctx, Room); c.Stock != (queue.Stock{}) {
		t.Errorf("Counters.Stock of an unknown room: got %+v", c.Stock)
	}
	if st := StockAt(t, s, Start); st != (queue.Stock{}) {
		t.Errorf("Stock of an unknown room: got %+v", st)
	}
	MustInitStock(t, s, 5)
	MustOpen(t, s, Start)
	MustHold(t, s, "a")
	held := queue.Stock{Set: true, Units: 5, Held: 1}
	if c := MustAdvance(t, s, Roomy, Start.Add(time.Second)); c.Stock != held {
		t.Errorf("Advance: got Stock %+v, want %+v", c.Stock, held)
	}
	if c, _ := s.Counters(ctx, Room); c.Stock != held {
		t.Errorf("Counters: got Stock %+v, want %+v", c.Stock, held)
	}
	JoinN(t, s, 1, After) // the store hears of a time past the hold's
	free := queue.Stock{Set: true, Units: 5, Expired: 1}
	for range 2 {
		if c, _ := s.Counters(ctx, Room); c.Stock != free {
			t.Errorf("Counters after the hold's time: got Stock %+v, want %+v", c.Stock, free)
		}
	}
	if c := MustAdvance(t, s, Roomy, After); c.Stock != free {
		t.Errorf("Advance after the hold's time: got Stock %+v, want %+v", c.Stock, free)
	}
	WantStock(t, s, After, free)
}

// storeStockConcurrentHolds: five thousand shoppers try to hold one of a
// hundred units at once; exactly a hundred get one.
func storeStockConcurrentHolds(t *testing.T, b Backend) {
	const shoppers, units = 5000, 100
	s := b.New(t)
	ctx := context.Background()
	MustInitStock(t, s, units)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		granted []string
		soldOut atomic.Int32
	)
	for i := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sid := fmt.Sprintf("s%d", i)
			h, err := s.Hold(ctx, Room, sid, "h-"+sid, 1, Until, Start)
			switch {
			case err == nil:
				mu.Lock()
				granted = append(granted, h.ID)
				mu.Unlock()
			case errors.Is(err, queue.ErrSoldOut):
				soldOut.Add(1)
			default:
				t.Errorf("Hold(%s): %v", sid, err)
			}
		}()
	}
	wg.Wait()
	if len(granted) != units || soldOut.Load() != shoppers-units {
		t.Fatalf("got %d holds and %d sold out, want %d and %d", len(granted), soldOut.Load(), units, shoppers-units)
	}
	WantStock(t, s, Start, queue.Stock{Set: true, Units: units, Held: units})
	for _, hid := range granted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Confirm(ctx, Room, hid, Start); err != nil {
				t.Errorf("Confirm(%s): %v", hid, err)
			}
		}()
	}
	wg.Wait()
	st := StockAt(t, s, After)
	if st != (queue.Stock{Set: true, Units: units, Sold: units}) || st.Left() != 0 || !st.SoldOut() {
		t.Errorf("after confirming every hold: got %+v (Left %d), want Sold %d and Left 0", st, st.Left(), units)
	}
}

// storeStockConcurrentHoldsOfOneSession: one shopper's requests racing
// each other get one hold between them.
func storeStockConcurrentHoldsOfOneSession(t *testing.T, b Backend) {
	s := b.New(t)
	ctx := context.Background()
	MustInitStock(t, s, 10)
	ids := make([]string, 50)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := s.Hold(ctx, Room, "one", fmt.Sprintf("h%d", i), 1, Until, Start)
			if err != nil {
				t.Errorf("Hold: %v", err)
			}
			ids[i] = h.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one session got holds %q and %q", ids[0], id)
		}
	}
	WantStock(t, s, Start, queue.Stock{Set: true, Units: 10, Held: 1})
}

func storeStockExpiryRace(t *testing.T, b Backend) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { stockExpiryRace(t, seed, []queue.Store{b.New(t)}) })
	}
}

// stockExpiryRace races, past the holds' expiry, the expiry itself (run
// by every call) against releases and confirms of the same holds, some
// stamped before the expiry and some after, and new shoppers taking what
// comes back, through the given nodes of one store. Each unit must come
// back at most once: in the end the holds are the new shoppers' and the
// sales are the holds confirmed, never more than the units.
// storeStockTwoNodesExpireOnce is the expiry race with its calls spread
// over two nodes, each with its own connections.
func storeStockTwoNodesExpireOnce(t *testing.T, b Backend) {
	if b.Nodes == nil {
		t.Skip("the backend has no second node over one state (Backend.Nodes)")
	}
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { stockExpiryRace(t, seed, b.Nodes(t, 2)) })
	}
}

func stockExpiryRace(t *testing.T, seed uint64, nodes []queue.Store) {
	const units, takers = 40, 60
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7))
	node := func() queue.Store { return nodes[rng.IntN(len(nodes))] }
	MustInitStock(t, nodes[0], units)
	for i := range units {
		MustHold(t, node(), fmt.Sprint(i))
	}
	before := Until.Add(-time.Second)
	when := func() time.Time {
		if rng.IntN(2) == 0 {
			return before
		}
		return After
	}
	var (
		wg       sync.WaitGroup
		sold     [units]atomic.Bool
		granted  atomic.Int32
		watching atomic.Bool
	)
	watching.Store(true)
	check := func(who string, st queue.Stock) {
		if st.Held < 0 || st.Held+st.Sold > st.Units || st.Units != units {
			t.Errorf("%s: %+v: a unit came back twice or was sold twice", who, st)
		}
	}
	var ops []func()
	for i := range units {
		hid := "h-" + fmt.Sprint(i)
		n1, n2, n3 := node(), node(), node()
		t1, t2, t3 := when(), when(), when()
		ops = append(ops,
			func() {
				if err := n1.Release(ctx, Room, hid, t1); err != nil {
					t.Errorf("Release: %v", err)
				}
			},
			func() {
				for _, c := range []struct {
					n  queue.Store
					at time.Time
				}{{n2, t2}, {n3, t3}} {
					switch err := c.n.Confirm(ctx, Room, hid, c.at); {
					case err == nil:
						sold[i].Store(true)
					case !errors.Is(err, queue.ErrHoldGone):
						t.Errorf("Confirm: %v", err)
					}
				}
			})
	}
	for i := range takers {
		n := node()
		ops = append(ops, func() {
			sid := fmt.Sprintf("taker%d", i)
			switch _, err := n.Hold(ctx, Room, sid, "h-"+sid, 1, After.Add(time.Hour), After); {
			case err == nil:
				granted.Add(1)
			case !errors.Is(err, queue.ErrSoldOut):
				t.Errorf("Hold: %v", err)
			}
		})
	}
	for range 2 {
		n := node()
		ops = append(ops, func() {
			c := MustAdvance(t, n, Roomy, After)
			check("Advance", c.Stock)
		})
	}
	rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	for _, op := range ops {
		wg.Add(1)
		go func() { defer wg.Done(); op() }()
	}
	var watchers sync.WaitGroup
	for range 2 {
		n := node()
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			for watching.Load() {
				st, err := n.Stock(ctx, Room, After)
				if err != nil {
					t.Errorf("Stock: %v", err)
					return
				}
				check("Stock", st)
			}
		}()
	}
	wg.Wait()
	watching.Store(false)
	watchers.Wait()
	confirmed := 0
	for i := range sold {
		if sold[i].Load() {
			confirmed++
		}
	}
	st := StockAt(t, nodes[0], After)
	check("in the end", st)
	if st.Held != int(granted.Load()) || st.Sold != confirmed {
		t.Errorf("in the end: got %+v, want Held %d (the new shoppers' holds) and Sold %d (the holds confirmed)",
			st, granted.Load(), confirmed)
	}
}
