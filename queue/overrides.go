package queue

import (
	"context"
	"fmt"
	"strings"
)

// OverrideStore keeps operators' live changes to rooms (a new limit, a
// pause) beside the queue state, so that every node sharing the store
// applies them and they outlive a node's restart. Values are opaque to the
// store: the gateway decides what a key means and which wins, the file or
// the override.
type OverrideStore interface {
	// Overrides returns room's overrides by key and their version, which
	// grows with every change, so a node rebuilds a room only when it
	// moved. A room never changed has none and version 0.
	Overrides(ctx context.Context, room string) (map[string]string, uint64, error)
	// SetOverrides sets the keys of set and deletes those of del, in one
	// step, and returns the new version.
	SetOverrides(ctx context.Context, room string, set map[string]string, del []string) (uint64, error)
	// DropOverride deletes key only while it still holds value, so that a
	// node dropping an override the file has overtaken cannot delete a
	// newer change made meanwhile.
	DropOverride(ctx context.Context, room, key, value string) error
}

var _ OverrideStore = (*bounded)(nil)

// MaxOverrideKey bounds an override's key, and MaxOverrideValue its value:
// overrides are a handful of short settings, and a saved state file that
// says otherwise is refused.
const (
	MaxOverrideKey   = 64
	MaxOverrideValue = 1024
	MaxOverrides     = 64 // keys per room
)

// CheckOverride refuses a key or value no gateway writes.
func CheckOverride(key, value string) error {
	switch {
	case key == "" || len(key) > MaxOverrideKey || strings.ContainsAny(key, "~ \t\r\n"):
		return fmt.Errorf("override key %q: empty, longer than %d bytes, or holding \"~\" or a space", key, MaxOverrideKey)
	case len(value) > MaxOverrideValue:
		return fmt.Errorf("override %s: value longer than %d bytes", key, MaxOverrideValue)
	}
	return nil
}

// Overrides implements OverrideStore, bounded like every other call.
func (b *bounded) Overrides(ctx context.Context, room string) (map[string]string, uint64, error) {
	o, ok := b.Store.(OverrideStore)
	if !ok {
		return nil, 0, nil
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return o.Overrides(ctx, room)
}

// SetOverrides implements OverrideStore.
func (b *bounded) SetOverrides(ctx context.Context, room string, set map[string]string, del []string) (uint64, error) {
	o, ok := b.Store.(OverrideStore)
	if !ok {
		return 0, fmt.Errorf("room %s: this store keeps no live overrides", room)
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return o.SetOverrides(ctx, room, set, del)
}

// DropOverride implements OverrideStore.
func (b *bounded) DropOverride(ctx context.Context, room, key, value string) error {
	o, ok := b.Store.(OverrideStore)
	if !ok {
		return nil
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	return o.DropOverride(ctx, room, key, value)
}
