package queue

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
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

var (
	_ OverrideStore = (*MemoryStore)(nil)
	_ OverrideStore = (*RedisStore)(nil)
	_ OverrideStore = (*bounded)(nil)
)

// MaxOverrideKey bounds an override's key, and MaxOverrideValue its value:
// overrides are a handful of short settings, and a saved state file that
// says otherwise is refused.
const (
	MaxOverrideKey   = 64
	MaxOverrideValue = 1024
	maxOverrides     = 64 // keys per room
)

// checkOverride refuses a key or value no gateway writes.
func checkOverride(key, value string) error {
	switch {
	case key == "" || len(key) > MaxOverrideKey || strings.ContainsAny(key, "~ \t\r\n"):
		return fmt.Errorf("override key %q: empty, longer than %d bytes, or holding \"~\" or a space", key, MaxOverrideKey)
	case len(value) > MaxOverrideValue:
		return fmt.Errorf("override %s: value longer than %d bytes", key, MaxOverrideValue)
	}
	return nil
}

// memOverrides is one room's overrides in the memory store.
type memOverrides struct {
	Version uint64
	Values  map[string]string
}

// overrideSet is the memory store's overrides: a lock of their own, since
// they change a few times a sale and are read by each node's sync, never
// on a shopper's request.
type overrideSet struct {
	mu    sync.Mutex
	rooms map[string]*memOverrides
}

// Overrides implements OverrideStore.
func (s *MemoryStore) Overrides(_ context.Context, room string) (map[string]string, uint64, error) {
	s.ov.mu.Lock()
	defer s.ov.mu.Unlock()
	o := s.ov.rooms[room]
	if o == nil {
		return nil, 0, nil
	}
	return maps.Clone(o.Values), o.Version, nil
}

// SetOverrides implements OverrideStore.
func (s *MemoryStore) SetOverrides(_ context.Context, room string, set map[string]string, del []string) (uint64, error) {
	for k, v := range set {
		if err := checkOverride(k, v); err != nil {
			return 0, err
		}
	}
	s.ov.mu.Lock()
	defer s.ov.mu.Unlock()
	if s.ov.rooms == nil {
		s.ov.rooms = make(map[string]*memOverrides)
	}
	o := s.ov.rooms[room]
	if o == nil {
		o = &memOverrides{Values: make(map[string]string)}
		s.ov.rooms[room] = o
	}
	for _, k := range del {
		delete(o.Values, k)
	}
	for k, v := range set {
		o.Values[k] = v
	}
	if len(o.Values) > maxOverrides {
		return 0, fmt.Errorf("room %s: more than %d overrides", room, maxOverrides)
	}
	o.Version++
	return o.Version, nil
}

// DropOverride implements OverrideStore.
func (s *MemoryStore) DropOverride(_ context.Context, room, key, value string) error {
	s.ov.mu.Lock()
	defer s.ov.mu.Unlock()
	if o := s.ov.rooms[room]; o != nil {
		if v, ok := o.Values[key]; ok && v == value {
			delete(o.Values, key)
			o.Version++
		}
	}
	return nil
}

// copyOverrides is the overrides as Save writes them.
func (s *MemoryStore) copyOverrides() map[string]*memOverrides {
	s.ov.mu.Lock()
	defer s.ov.mu.Unlock()
	out := make(map[string]*memOverrides, len(s.ov.rooms))
	for name, o := range s.ov.rooms {
		out[name] = &memOverrides{Version: o.Version, Values: maps.Clone(o.Values)}
	}
	return out
}

// restoreOverrides checks overrides read from a state file and keeps them.
func (s *MemoryStore) restoreOverrides(saved map[string]*memOverrides) error {
	if len(saved) > maxStateRooms {
		return &StateError{Field: "Overrides", Problem: fmt.Sprintf("%d rooms, more than %d", len(saved), maxStateRooms)}
	}
	rooms := make(map[string]*memOverrides, len(saved))
	for name, o := range saved {
		switch {
		case !ValidRoomName(name):
			return &StateError{Room: name, Field: "Overrides", Problem: "not a room name"}
		case o == nil:
			continue
		case len(o.Values) > maxOverrides:
			return &StateError{Room: name, Field: "Overrides", Problem: fmt.Sprintf("%d keys, more than %d", len(o.Values), maxOverrides)}
		}
		for k, v := range o.Values {
			if err := checkOverride(k, v); err != nil {
				return &StateError{Room: name, Field: "Overrides", Problem: err.Error()}
			}
		}
		if o.Values == nil {
			o.Values = make(map[string]string)
		}
		rooms[name] = o
	}
	s.ov.mu.Lock()
	s.ov.rooms = rooms
	s.ov.mu.Unlock()
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
