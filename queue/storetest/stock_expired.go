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
	mustInitStock(t, s, 4)
	expiring := mustHold(t, s, "a")
	if err := s.Release(ctx, rm, mustHold(t, s, "b").ID, start); err != nil {
		t.Fatal(err)
	}
	if err := s.Confirm(ctx, rm, mustHold(t, s, "c").ID, start); err != nil {
		t.Fatal(err)
	}
	wantStock(t, s, start, queue.Stock{Set: true, Units: 4, Held: 1, Sold: 1})
	wantStock(t, s, until.Add(-1), queue.Stock{Set: true, Units: 4, Held: 1, Sold: 1})
	expired := queue.Stock{Set: true, Units: 4, Sold: 1, Expired: 1}
	for i, n := range append(nodes, nodes...) { // each node twice
		if got := stockAt(t, n, until); got != expired {
			t.Errorf("read %d at the hold's time: got %+v, want %+v", i, got, expired)
		}
		if c, err := n.Counters(ctx, rm); err != nil || c.Stock != expired {
			t.Errorf("Counters %d: got Stock %+v (%v), want %+v", i, c.Stock, err, expired)
		}
	}
	wantStock(t, nodes[len(nodes)-1], after, expired)
	// Releasing the expired hold changes nothing; confirming it sells a
	// unit from what is left, but it expired all the same, once.
	if err := s.Release(ctx, rm, expiring.ID, after); err != nil {
		t.Fatal(err)
	}
	wantStock(t, s, after, expired)
	if err := nodes[len(nodes)-1].Confirm(ctx, rm, expiring.ID, after); err != nil {
		t.Fatal(err)
	}
	wantStock(t, s, after, queue.Stock{Set: true, Units: 4, Sold: 2, Expired: 1})
}
