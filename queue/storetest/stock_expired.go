package storetest

import (
	"context"
	"testing"

	"github.com/anteroom/anteroom/queue"
)

// storeStockExpiredCount: Stock.Expired counts a hold whose time ran out,
// once, however often and from however many nodes the stock is read; a
// released hold and a sold one are not counted, and neither is a late
// confirm or release of the expired hold.
func storeStockExpiredCount(t *testing.T, b Backend) {
	nodes := []queue.Store{b.New(t)}
	if b.Nodes != nil {
		nodes = b.Nodes(t, 2)
	}
	s := nodes[0]
	ctx := context.Background()
	MustInitStock(t, s, 4)
	expiring := MustHold(t, s, "a")
	if err := s.Release(ctx, Room, MustHold(t, s, "b").ID, Start); err != nil {
		t.Fatal(err)
	}
	if err := s.Confirm(ctx, Room, MustHold(t, s, "c").ID, Start); err != nil {
		t.Fatal(err)
	}
	WantStock(t, s, Start, queue.Stock{Set: true, Units: 4, Held: 1, Sold: 1})
	WantStock(t, s, Until.Add(-1), queue.Stock{Set: true, Units: 4, Held: 1, Sold: 1})
	expired := queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 1}
	for i, n := range append(nodes, nodes...) { // each node twice
		if got := StockAt(t, n, Until); got != expired {
			t.Errorf("read %d at the hold's time: got %+v, want %+v", i, got, expired)
		}
		if c, err := n.Counters(ctx, Room); err != nil || c.Stock != expired {
			t.Errorf("Counters %d: got Stock %+v (%v), want %+v", i, c.Stock, err, expired)
		}
	}
	WantStock(t, nodes[len(nodes)-1], After, expired)
	// Releasing the expired hold changes nothing; confirming it sells a
	// unit from what is left, but it expired all the same, once.
	if err := s.Release(ctx, Room, expiring.ID, After); err != nil {
		t.Fatal(err)
	}
	WantStock(t, s, After, expired)
	if err := nodes[len(nodes)-1].Confirm(ctx, Room, expiring.ID, After); err != nil {
		t.Fatal(err)
	}
	WantStock(t, s, After, queue.Stock{Set: true, Units: 4, Sold: 2, Expired: 1})
}
