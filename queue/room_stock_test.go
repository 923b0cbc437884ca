package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRoomHoldPerSession: the room passes its units per session to the
// store, 1 when unset, and tells a refused shopper how many that is.
func TestRoomHoldPerSession(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ set, want int }{{0, 1}, {1, 1}, {3, 3}} {
		t.Run(fmt.Sprint(tc.set), func(t *testing.T) {
			store := NewMemoryStore()
			r := NewRoom(rm, store, Options{Policy: roomy, Stock: 10, PerSession: tc.set, Now: func() time.Time { return start }})
			r.Tick(ctx)
			for i := range tc.want {
				h, err := r.Hold(ctx, "a", holdFor)
				if err != nil {
					t.Fatalf("Hold %d of %d: %v", i+1, tc.want, err)
				}
				if err := r.Confirm(ctx, h.ID); err != nil {
					t.Fatal(err)
				}
			}
			if h, err := r.Hold(ctx, "a", holdFor); !errors.Is(err, ErrSessionLimit) {
				t.Errorf("Hold %d of %d: got %+v, %v, want ErrSessionLimit", tc.want+1, tc.want, h, err)
			}
			st := r.SessionLimitStatus()
			if want := fmt.Sprintf("the most one shopper may: %d.", tc.want); st.State != StateClosed || st.Room != rm || !strings.HasSuffix(st.Message, want) {
				t.Errorf("SessionLimitStatus: got %+v, want closed, ending %q", st, want)
			}
			if got := stockAt(t, store, start); got != (Stock{Set: true, Units: 10, Sold: tc.want}) {
				t.Errorf("Stock: got %+v, want %d sold and nothing held", got, tc.want)
			}
		})
	}
}
