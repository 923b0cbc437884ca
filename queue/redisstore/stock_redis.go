package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/redis/go-redis/v9"
)

// The stock methods of Store; each runs one script of
// redis_stock_scripts.go, all safe to retry.

// InitStock implements queue.Store. The node's memory of the room counts as its
// past too: after Redis lost its data, a node that saw the room's tickets,
// opening or stock does not set the configured units again.
func (s *Store) InitStock(ctx context.Context, room string, units int, now time.Time) (queue.Stock, error) {
	if err := queue.CheckUnits(room, units); err != nil {
		return queue.Stock{}, err
	}
	r := s.room(room)
	st, err := r.stockReply(scriptInitStock.Run(ctx, s.client, r.keys, now.UnixMicro(), units, boolArg(r.lived())))
	if err != nil {
		return queue.Stock{}, fmt.Errorf("setting up stock of room %s: %w", room, err)
	}
	return st, nil
}

// SetStock implements queue.Store.
func (s *Store) SetStock(ctx context.Context, room string, units int, now time.Time) (queue.Stock, error) {
	if err := queue.CheckUnits(room, units); err != nil {
		return queue.Stock{}, err
	}
	r := s.room(room)
	st, err := r.stockReply(scriptSetStock.Run(ctx, s.client, r.keys, now.UnixMicro(), units))
	if err != nil {
		return queue.Stock{}, fmt.Errorf("setting stock of room %s: %w", room, err)
	}
	return st, nil
}

// Stock implements queue.Store.
func (s *Store) Stock(ctx context.Context, room string, now time.Time) (queue.Stock, error) {
	r := s.room(room)
	st, err := r.stockReply(scriptStock.Run(ctx, s.client, r.keys, now.UnixMicro()))
	if err != nil {
		return queue.Stock{}, fmt.Errorf("reading stock of room %s: %w", room, err)
	}
	return st, nil
}

// stockReply reads a script's stock reply, {set, units, held, sold,
// expired}, and notes it in r.
func (r *redisRoom) stockReply(cmd *redis.Cmd) (queue.Stock, error) {
	v, err := cmd.Result()
	if err != nil {
		return queue.Stock{}, err
	}
	a, ok := v.([]any)
	if !ok || len(a) != 5 {
		return queue.Stock{}, fmt.Errorf("unexpected stock %v", v)
	}
	var n [5]int64
	for i := range n {
		if n[i], ok = a[i].(int64); !ok {
			return queue.Stock{}, fmt.Errorf("unexpected stock %v", v)
		}
	}
	st := queue.Stock{Set: n[0] == 1, Units: int(n[1]), Held: int(n[2]), Sold: int(n[3]), Expired: int(n[4])}
	r.heardStock(st)
	return st, nil
}

// Hold implements queue.Store.
func (s *Store) Hold(ctx context.Context, room, sid, hid string, perSession int, until, now time.Time) (queue.Hold, error) {
	r := s.room(room)
	v, err := scriptHold.Run(ctx, s.client, r.keys, now.UnixMicro(), sid, hid, until.UnixMicro(), max(perSession, 1)).Slice()
	if err != nil {
		return queue.Hold{}, fmt.Errorf("holding stock in room %s: %w", room, err)
	}
	switch code, _ := v[0].(int64); code {
	case 1:
		if len(v) == 4 {
			id, ok1 := v[1].(string)
			session, ok2 := v[2].(string)
			exp, ok3 := v[3].(int64)
			if ok1 && ok2 && ok3 {
				return queue.Hold{ID: id, Session: session, Expires: time.UnixMicro(exp).UTC()}, nil
			}
		}
	case 2:
		return queue.Hold{}, queue.ErrSoldOut
	case 3:
		return queue.Hold{}, queue.ErrHoldGone
	case 4:
		return queue.Hold{}, queue.ErrNoStock
	case 5:
		return queue.Hold{}, queue.ErrSessionLimit
	}
	return queue.Hold{}, fmt.Errorf("holding stock in room %s: unexpected reply %v", room, v)
}

// Confirm implements queue.Store.
func (s *Store) Confirm(ctx context.Context, room, hid string, now time.Time) error {
	r := s.room(room)
	sold, err := scriptConfirm.Run(ctx, s.client, r.keys, now.UnixMicro(), hid).Int64()
	if err != nil {
		return fmt.Errorf("confirming a sale in room %s: %w", room, err)
	}
	if sold != 1 {
		return queue.ErrHoldGone
	}
	return nil
}

// Release implements queue.Store.
func (s *Store) Release(ctx context.Context, room, hid string, now time.Time) error {
	r := s.room(room)
	if err := scriptRelease.Run(ctx, s.client, r.keys, now.UnixMicro(), hid).Err(); err != nil {
		return fmt.Errorf("releasing a hold in room %s: %w", room, err)
	}
	return nil
}
