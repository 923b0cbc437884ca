package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The operators' live overrides go through the metered store too, so that
// wrapping the store for its metrics does not hide that it keeps them.

var _ queue.OverrideStore = (*meteredStore)(nil)

// errNoOverrides: the store under the meter keeps no live overrides.
var errNoOverrides = errors.New("this store keeps no live overrides")

func (m *meteredStore) Overrides(ctx context.Context, room string) (map[string]string, uint64, error) {
	os, ok := m.Store.(queue.OverrideStore)
	if !ok {
		return nil, 0, errNoOverrides
	}
	t := time.Now()
	ov, v, err := os.Overrides(ctx, room)
	m.done(opOverrides, t, err)
	return ov, v, err
}

func (m *meteredStore) SetOverrides(ctx context.Context, room string, set map[string]string, del []string) (uint64, error) {
	os, ok := m.Store.(queue.OverrideStore)
	if !ok {
		return 0, errNoOverrides
	}
	t := time.Now()
	v, err := os.SetOverrides(ctx, room, set, del)
	m.done(opSetOverrides, t, err)
	return v, err
}

func (m *meteredStore) DropOverride(ctx context.Context, room, key, value string) error {
	os, ok := m.Store.(queue.OverrideStore)
	if !ok {
		return errNoOverrides
	}
	t := time.Now()
	err := os.DropOverride(ctx, room, key, value)
	m.done(opDropOverride, t, err)
	return err
}
