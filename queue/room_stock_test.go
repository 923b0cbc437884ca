package queue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/queue/storetest"
)

// TestRoomHoldPerSession: the room passes its units per session to the
// store, 1 when unset, and tells a refused shopper how many that is.
func TestRoomHoldPerSession(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ set, want int }{{0, 1}, {1, 1}, {3, 3}} {
		t.Run(fmt.Sprint(tc.set), func(t *testing.T) {
			store := memstore.New()
			r := queue.NewRoom(storetest.Room, store, queue.Options{Policy: storetest.Roomy, Stock: 10, PerSession: tc.set, Now: func() time.Time { return storetest.Start }})
			r.Tick(ctx)
			for i := range tc.want {
				h, err := r.Hold(ctx, "a", storetest.HoldFor)
				if err != nil {
					t.Fatalf("Hold %d of %d: %v", i+1, tc.want, err)
				}
				if err := r.Confirm(ctx, h.ID); err != nil {
					t.Fatal(err)
				}
			}
			if h, err := r.Hold(ctx, "a", storetest.HoldFor); !errors.Is(err, queue.ErrSessionLimit) {
				t.Errorf("Hold %d of %d: got %+v, %v, want ErrSessionLimit", tc.want+1, tc.want, h, err)
			}
			st := r.SessionLimitStatus()
			if want := fmt.Sprintf("the most one shopper may: %d.", tc.want); st.State != queue.StateClosed || st.Room != storetest.Room || !strings.HasSuffix(st.Message, want) || st.Count != uint64(tc.want) {
				t.Errorf("SessionLimitStatus: got %+v, want closed, ending %q, count %d", st, want, tc.want)
			}
			if got := storetest.StockAt(t, store, storetest.Start); got != (queue.Stock{Set: true, Units: 10, Sold: tc.want}) {
				t.Errorf("Stock: got %+v, want %d sold and nothing held", got, tc.want)
			}
		})
	}
}
