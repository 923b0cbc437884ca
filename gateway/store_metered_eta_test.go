package gateway

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// etaDown is a store that keeps a shared ETA model and cannot be reached.
type etaDown struct{ queue.Store }

func (etaDown) PublishETA(context.Context, string, int64, []byte) ([]byte, error) {
	return nil, errStoreDown
}

// TestMeteredStoreETA: the metered store passes the shared ETA model
// through, so rooms behind it still share one, counts its failures like
// any store call's, and says so when the store under it keeps none.
func TestMeteredStoreETA(t *testing.T) {
	ctx := context.Background()
	tele := newTelemetry()
	quietLog := newErrorLog(slog.New(slog.DiscardHandler))
	var _ queue.ETAStore = newMeteredStore(memstore.New(), tele, quietLog)
	if _, err := newMeteredStore(memstore.New(), tele, quietLog).PublishETA(ctx, "r", 1, []byte("{}")); !errors.Is(err, queue.ErrNoSharedETA) {
		t.Errorf("over the memory store: %v, want ErrNoSharedETA", err)
	}
	if n := publishErrors(t, tele); n != 0 {
		t.Errorf("a store keeping no model counted %v errors", n)
	}
	m := newMeteredStore(etaDown{memstore.New()}, tele, quietLog)
	if _, err := m.PublishETA(ctx, "r", 1, []byte("{}")); !errors.Is(err, errStoreDown) {
		t.Errorf("over a store that is down: %v", err)
	}
	if n := publishErrors(t, tele); n != 1 {
		t.Errorf("publish_eta errors counted: %v, want 1", n)
	}
}

func publishErrors(t *testing.T, tele *telemetry) float64 {
	t.Helper()
	mfs, err := tele.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "anteroom_store_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == "publish_eta" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
