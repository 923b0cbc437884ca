package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// soldOutPoll is how often a sold-out page asks again: held units may come
// back to stock, but not often.
const soldOutPoll = 30_000

const soldOutMessage = "Sold out: every unit has been bought or is being bought. If a purchase falls through, this page will tell you."

// soldOut reports whether the room sells limited stock and none is left.
func (r *Room) soldOut(snap *snapshot) bool {
	return r.sellsStock() && snap.Stock.SoldOut()
}

// sellsStock reports whether the room sells limited stock.
func (r *Room) sellsStock() bool { return r.units.Load() > 0 }

// SetInventory changes the configured stock and the units per session (a
// reload). The store keeps its own count of a room it knows: like a
// restart, a new figure in the file reaches the store only for a
// brand-new room; an operator sets it with SetStock.
func (r *Room) SetInventory(units, perSession int) {
	r.units.Store(int64(units))
	r.perSession.Store(int64(max(perSession, 1)))
}

// SoldOut reports, from the cached counters, whether the room is sold out.
func (r *Room) SoldOut() bool { return r.soldOut(r.snap.Load()) }

// initStock gives the store the configured stock once, for a brand-new
// room; a store that knows the room already keeps its own count.
func (r *Room) initStock(ctx context.Context, now time.Time) error {
	r.mu.Lock()
	done := r.stockInit || !r.sellsStock()
	r.mu.Unlock()
	if done {
		return nil
	}
	if _, err := r.store.InitStock(ctx, r.name, int(r.units.Load()), now); err != nil {
		return fmt.Errorf("setting up stock: %w", err)
	}
	r.mu.Lock()
	r.stockInit = true
	r.mu.Unlock()
	return nil
}

// noteStock logs when the store loses its stock figure or gets it back;
// the caller holds r.mu.
func (r *Room) noteStock(s Stock) {
	if !r.sellsStock() || !r.stockInit {
		return
	}
	switch {
	case !s.Set && !r.noStock:
		r.noStock = true
		r.log.Error("queue store has no stock figure (it lost its data): purchases stopped until an operator sets the stock (anteroom stock -set)")
	case s.Set && r.noStock:
		r.noStock = false
		r.log.Info("stock figure set again: purchases resumed", "units", s.Units, "held", s.Held, "sold", s.Sold)
	}
}

// StockProblem says why purchases cannot be served, for readiness checks:
// nil when the room sells no stock or its figure is known.
func (r *Room) StockProblem() error {
	if !r.sellsStock() {
		return nil
	}
	snap := r.snap.Load()
	if snap.err == nil && !snap.Stock.Set {
		return errors.New("the store has no stock figure; set it with anteroom stock -set")
	}
	return nil
}

// Hold takes one unit for session sid for d. A session holding a live
// unit gets that hold again; one that has bought the room's units per
// session gets ErrSessionLimit (see SessionLimitStatus).
func (r *Room) Hold(ctx context.Context, sid string, d time.Duration) (Hold, error) {
	now := r.now()
	h, err := r.store.Hold(ctx, r.name, sid, NewSessionID(), int(r.perSession.Load()), now.Add(d), now)
	if err != nil && !errors.Is(err, ErrSoldOut) && !errors.Is(err, ErrNoStock) && !errors.Is(err, ErrSessionLimit) {
		return h, fmt.Errorf("holding stock: %w", err)
	}
	return h, err
}

// SessionLimitStatus is what a shopper refused a hold with ErrSessionLimit
// is told. The state is closed, not sold_out: nothing will change for this
// session (its sales never come back), so the page should neither poll
// nor send the shopper back to the checkout, as a sold-out page does when
// held units may return.
func (r *Room) SessionLimitStatus() Status {
	n := r.perSession.Load()
	return Status{Room: r.name, State: StateClosed, PollAfterMS: soldOutPoll,
		Message: fmt.Sprintf("You have already bought the most one shopper may: %d.", n), Count: uint64(n)}
}

// Confirm records that hold hid was sold. If the store cannot be told now,
// the sale is sent again at every tick until it is: a sale the store never
// hears of would return to stock when the hold expires.
func (r *Room) Confirm(ctx context.Context, hid string) error {
	err := r.store.Confirm(ctx, r.name, hid, r.now())
	if err == nil || errors.Is(err, ErrHoldGone) {
		return err
	}
	r.mu.Lock()
	r.confirms = append(r.confirms, hid)
	r.mu.Unlock()
	return fmt.Errorf("confirming a sale (will retry): %w", err)
}

// confirmAll sends the sales kept through an outage.
func (r *Room) confirmAll(ctx context.Context, hids []string, now time.Time) error {
	for _, hid := range hids {
		err := r.store.Confirm(ctx, r.name, hid, now)
		if errors.Is(err, ErrHoldGone) {
			r.log.Error("a sale could not be counted: its hold had gone (expired, or the store lost its data) and no unit was left; check the stock against the shop's orders", "hold", hid)
			continue
		}
		if err != nil {
			// Tick keeps the whole batch; confirming twice is one sale.
			return fmt.Errorf("confirming sales: %w", err)
		}
	}
	return nil
}

// Release returns hold hid to stock: the purchase did not go through.
func (r *Room) Release(ctx context.Context, hid string) error {
	if err := r.store.Release(ctx, r.name, hid, r.now()); err != nil {
		return fmt.Errorf("releasing a hold (it will expire on its own): %w", err)
	}
	r.events.released.Add(1)
	return nil
}
