package gateway

import (
	"context"
	"testing"
	"time"
)

// TestMetricsStockExpired: anteroom_room_stock_expired_total counts the holds
// whose time ran out, once however often it is scraped, and neither a
// released hold nor a sold one.
func TestMetricsStockExpired(t *testing.T) {
	o := newOrigin(t, nil)
	g := startGatewayWith(t, stockConfig(o.URL, 5), nil, nil, noWatch)
	a := startAdmin(t, g, "s3cret")
	ctx := context.Background()
	now := g.clock.Now()
	for _, sid := range []string{"expires", "released", "sold"} {
		if _, err := g.store.Hold(ctx, "shop", sid, "h-"+sid, 1, now.Add(time.Minute), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.store.Release(ctx, "shop", "h-released", now); err != nil {
		t.Fatal(err)
	}
	if err := g.store.Confirm(ctx, "shop", "h-sold", now); err != nil {
		t.Fatal(err)
	}
	expired := func() float64 {
		t.Helper()
		g.Tick(ctx)
		v, ok := metricValue(a.scrape(), "anteroom_room_stock_expired_total", "room", "shop")
		if !ok {
			t.Fatal("anteroom_room_stock_expired_total{room=shop}: not in /metrics")
		}
		return v
	}
	if v := expired(); v != 0 {
		t.Errorf("before the hold's time: %v expired, want 0", v)
	}
	g.clock.Advance(time.Minute + time.Second)
	for i := range 2 {
		if v := expired(); v != 1 {
			t.Errorf("scrape %d after the hold's time: %v expired, want 1", i+1, v)
		}
	}
}
