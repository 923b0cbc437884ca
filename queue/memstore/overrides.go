package memstore

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/anteroom/anteroom/queue"
)

var _ queue.OverrideStore = (*Store)(nil)

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

// Overrides implements queue.OverrideStore.
func (s *Store) Overrides(_ context.Context, room string) (map[string]string, uint64, error) {
	s.ov.mu.Lock()
	defer s.ov.mu.Unlock()
	o := s.ov.rooms[room]
	if o == nil {
		return nil, 0, nil
	}
	return maps.Clone(o.Values), o.Version, nil
}

// SetOverrides implements queue.OverrideStore.
func (s *Store) SetOverrides(_ context.Context, room string, set map[string]string, del []string) (uint64, error) {
	for k, v := range set {
		if err := queue.CheckOverride(k, v); err != nil {
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
	if len(o.Values) > queue.MaxOverrides {
		return 0, fmt.Errorf("room %s: more than %d overrides", room, queue.MaxOverrides)
	}
	o.Version++
	return o.Version, nil
}

// DropOverride implements queue.OverrideStore.
func (s *Store) DropOverride(_ context.Context, room, key, value string) error {
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
func (s *Store) copyOverrides() map[string]*memOverrides {
	s.ov.mu.Lock()
	defer s.ov.mu.Unlock()
	out := make(map[string]*memOverrides, len(s.ov.rooms))
	for name, o := range s.ov.rooms {
		out[name] = &memOverrides{Version: o.Version, Values: maps.Clone(o.Values)}
	}
	return out
}

// restoreOverrides checks overrides read from a state file and keeps them.
func (s *Store) restoreOverrides(saved map[string]*memOverrides) error {
	if len(saved) > maxStateRooms {
		return &StateError{Field: "Overrides", Problem: fmt.Sprintf("%d rooms, more than %d", len(saved), maxStateRooms)}
	}
	rooms := make(map[string]*memOverrides, len(saved))
	for name, o := range saved {
		switch {
		case !queue.ValidRoomName(name):
			return &StateError{Room: name, Field: "Overrides", Problem: "not a room name"}
		case o == nil:
			continue
		case len(o.Values) > queue.MaxOverrides:
			return &StateError{Room: name, Field: "Overrides", Problem: fmt.Sprintf("%d keys, more than %d", len(o.Values), queue.MaxOverrides)}
		}
		for k, v := range o.Values {
			if err := queue.CheckOverride(k, v); err != nil {
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
