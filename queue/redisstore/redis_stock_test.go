package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
	"github.com/redis/go-redis/v9"
)

// TestRedisStockRetriedAfterLostReply: Redis ran a stock script but its
// answer was lost; go-redis sends it again, and the second run changes
// nothing: one hold, one sale, one unit back.
func TestRedisStockRetriedAfterLostReply(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		script *redis.Script
		setup  func(*testing.T, queue.Store)
		op     func(queue.Store) error
		want   queue.Stock
	}{
		{"Hold", scriptHold, func(*testing.T, queue.Store) {}, func(s queue.Store) error {
			h, err := s.Hold(ctx, storetest.Room, "a", "h-a", 1, storetest.Until, storetest.Start)
			if err == nil && h.ID != "h-a" {
				err = fmt.Errorf("got hold %+v, want h-a", h)
			}
			return err
		}, queue.Stock{Set: true, Units: 3, Held: 1}},
		{"Confirm", scriptConfirm, func(t *testing.T, s queue.Store) { storetest.MustHold(t, s, "a") }, func(s queue.Store) error {
			return s.Confirm(ctx, storetest.Room, "h-a", storetest.Start)
		}, queue.Stock{Set: true, Units: 3, Sold: 1}},
		{"Confirm of an expired hold", scriptConfirm, func(t *testing.T, s queue.Store) { storetest.MustHold(t, s, "a") }, func(s queue.Store) error {
			return s.Confirm(ctx, storetest.Room, "h-a", storetest.After)
		}, queue.Stock{Set: true, Units: 3, Sold: 1, Expired: 1}},
		{"Confirm counts one unit for its session", scriptConfirm, func(t *testing.T, s queue.Store) { storetest.MustHold(t, s, "a") }, func(s queue.Store) error {
			if err := s.Confirm(ctx, storetest.Room, "h-a", storetest.Start); err != nil {
				return err
			}
			// The second of two per session: the retry did not count twice.
			_, err := s.Hold(ctx, storetest.Room, "a", "h-a2", 2, storetest.Until, storetest.Start)
			return err
		}, queue.Stock{Set: true, Units: 3, Held: 1, Sold: 1}},
		{"Release", scriptRelease, func(t *testing.T, s queue.Store) { storetest.MustHold(t, s, "a") }, func(s queue.Store) error {
			return s.Release(ctx, storetest.Room, "h-a", storetest.Start)
		}, queue.Stock{Set: true, Units: 3}},
		{"SetStock", scriptSetStock, func(t *testing.T, s queue.Store) { storetest.MustHold(t, s, "a") }, func(s queue.Store) error {
			_, err := s.SetStock(ctx, storetest.Room, 3, storetest.Start)
			return err
		}, queue.Stock{Set: true, Units: 3, Held: 1}},
	}
	px := newDropProxy(t, startRedis(t))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newRedisStore(t, px.addr(), t.Name(), false)
			storetest.MustInitStock(t, s, 3)
			tc.setup(t, s)
			// EVALSHA runs the script only once Redis has it; a first
			// EVALSHA answered NOSCRIPT would be the one dropped.
			if err := tc.script.Load(ctx, s.client).Err(); err != nil {
				t.Fatal(err)
			}
			before := px.dropped.Load()
			px.arm(tc.script.Hash())
			if err := tc.op(s); err != nil {
				t.Fatalf("%s through a lost reply: %v", tc.name, err)
			}
			if px.dropped.Load() != before+1 {
				t.Fatalf("the proxy dropped %d replies, want 1: the test did not test", px.dropped.Load()-before)
			}
			storetest.WantStock(t, s, storetest.Start, tc.want)
		})
	}
}

// TestRedisStockAfterDataLoss: Redis lost everything in the middle of a
// sale. The room must not come back with its configured stock: it has no
// figure, holds stop with ErrNoStock, and neither the Advance that puts
// the opening back nor InitStock on a node that saw the room sets one,
// until an operator does.
func TestRedisStockAfterDataLoss(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		lose func(*testing.T, *redistest.Server)
	}{
		{"flushed", func(t *testing.T, srv *redistest.Server) {
			if _, err := srv.Do("FLUSHALL"); err != nil {
				t.Fatal(err)
			}
		}},
		{"restarted empty", func(t *testing.T, srv *redistest.Server) { srv.Restart() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			s := newRedisStore(t, srv.Addr, "loss", false)
			storetest.MustInitStock(t, s, 10)
			storetest.JoinN(t, s, 3, storetest.Start)
			storetest.MustOpen(t, s, storetest.Start)
			storetest.MustAdvance(t, s, storetest.Roomy, storetest.Start)
			a, b, c := storetest.MustHold(t, s, "a"), storetest.MustHold(t, s, "b"), storetest.MustHold(t, s, "c")
			if err := s.Confirm(ctx, storetest.Room, a.ID, storetest.Start); err != nil {
				t.Fatal(err)
			}
			storetest.WantStock(t, s, storetest.Start, queue.Stock{Set: true, Units: 10, Held: 2, Sold: 1})

			tc.lose(t, srv)
			now := storetest.Start.Add(30 * time.Second)
			fresh := newRedisStore(t, srv.Addr, "loss", false) // a node started after the loss
			if got := storetest.MustAdvance(t, s, storetest.Roomy, now); got.Stock.Set || !got.Opening.Opened {
				t.Fatalf("Advance after the loss: got Stock %+v Opening %+v, want no figure and the opening put back", got.Stock, got.Opening)
			}
			storetest.WantStock(t, s, now, queue.Stock{})
			if _, err := s.Hold(ctx, storetest.Room, "d", "h-d", 1, now.Add(storetest.HoldFor), now); !errors.Is(err, queue.ErrNoStock) {
				t.Errorf("Hold after the loss: got %v, want ErrNoStock", err)
			}
			for name, n := range map[string]*Store{"the node that saw the room": s, "a new node": fresh} {
				if st, err := n.InitStock(ctx, storetest.Room, 10, now); err != nil || st.Set {
					t.Errorf("InitStock by %s after the loss: got %+v, %v; want no figure", name, st, err)
				}
			}
			// The shop sold b's unit while the store was gone; the store
			// cannot count it.
			if err := s.Confirm(ctx, storetest.Room, b.ID, now); !errors.Is(err, queue.ErrHoldGone) {
				t.Errorf("Confirm with no figure: got %v, want ErrHoldGone", err)
			}
			storetest.WantStock(t, s, now, queue.Stock{})

			// What was sold so far is the operator's business: they count
			// the orders at the shop (a and b: 2) and set the units LEFT
			// (10 - 2 = 8). The store starts again from there, with
			// nothing held or sold.
			if st, err := s.SetStock(ctx, storetest.Room, 8, now); err != nil || st != (queue.Stock{Set: true, Units: 8}) {
				t.Fatalf("SetStock after the loss: got %+v, %v", st, err)
			}
			if _, err := s.Hold(ctx, storetest.Room, "d", "h-d", 1, now.Add(storetest.HoldFor), now); err != nil {
				t.Errorf("Hold after the operator set the stock: %v", err)
			}
			// A hold from before the loss, whose token is still valid,
			// sells from what is left.
			if err := fresh.Confirm(ctx, storetest.Room, c.ID, now); err != nil {
				t.Errorf("Confirm of a hold from before the loss: %v", err)
			}
			storetest.WantStock(t, fresh, now, queue.Stock{Set: true, Units: 8, Held: 1, Sold: 1})
			if st, _ := fresh.InitStock(ctx, storetest.Room, 10, now); st != (queue.Stock{Set: true, Units: 8, Held: 1, Sold: 1}) {
				t.Errorf("InitStock after the operator: got %+v, want the operator's figure kept", st)
			}
		})
	}
}

// TestRedisStockNodeRemembersTheFigure: a room given its stock before any
// ticket (so Redis alone would take it for new once flushed) is not given
// it again by a node that saw the figure.
func TestRedisStockNodeRemembersTheFigure(t *testing.T) {
	addr := startRedis(t)
	s := newRedisStore(t, addr, "loss", false)
	ctx := context.Background()
	storetest.MustInitStock(t, s, 10)
	storetest.MustHold(t, s, "a")
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if st := storetest.MustInitStock(t, s, 10); st.Set {
		t.Errorf("InitStock after the loss: got %+v, want no figure", st)
	}
	if _, err := s.Hold(ctx, storetest.Room, "b", "h-b", 1, storetest.Until, storetest.Start); !errors.Is(err, queue.ErrNoStock) {
		t.Errorf("Hold after the loss: got %v, want ErrNoStock", err)
	}
}

// TestRedisHoldKeepMatches: the scripts keep an ended hold's record as
// long as the memory store does.
func TestRedisHoldKeepMatches(t *testing.T) {
	if want := fmt.Sprintf("local KEEP = %d ", queue.HoldKeep.Microseconds()); !strings.Contains(luaStockPrelude, want) {
		t.Errorf("luaStockPrelude does not say %q", want)
	}
}
