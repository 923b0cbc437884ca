package queue

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The memory store is one process's memory; saving it to a file on
// shutdown (and every few seconds) is what keeps every ticket's place across
// a gateway restart on a single node. The file is written to a temporary
// name and renamed, so a crash mid-write leaves the previous state whole.

// stateVersion changes when memRoom's saved form does. Version 2 added
// the stock; a version 1 file loads as rooms with no stock figure. Version
// 3 keeps the poll record in chunks of 16-bit ticks (Polls); older files
// had it in Seen, 32-bit.
const stateVersion = 3

type savedState struct {
	Version int
	Rooms   map[string]*memRoom
}

// Save writes the store's state to path atomically. The state is encoded
// under the store's lock and written after it is released, so shoppers do
// not wait on the disk; saves themselves run one at a time, so an older
// state never replaces a newer one.
func (s *MemoryStore) Save(path string) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	var buf bytes.Buffer
	s.mu.Lock()
	err := gob.NewEncoder(&buf).Encode(savedState{Version: stateVersion, Rooms: s.rooms})
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("saving queue state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("saving queue state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("saving queue state: %w", err)
	}
	// Without the sync, a crash soon after the rename can leave an empty
	// file where the previous state was.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving queue state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving queue state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving queue state: %w", err)
	}
	return nil
}

// LoadMemoryStore reads a store saved by Save. A missing file is a fresh
// start, not an error.
func LoadMemoryStore(path string) (*MemoryStore, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewMemoryStore(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading queue state: %w", err) // names the path
	}
	defer f.Close()
	var st savedState
	if err := gob.NewDecoder(f).Decode(&st); err != nil {
		return nil, fmt.Errorf("loading queue state from %s: %w", path, err)
	}
	if st.Version < 1 || st.Version > stateVersion {
		return nil, fmt.Errorf("loading queue state from %s: version %d, want %d", path, st.Version, stateVersion)
	}
	s := NewMemoryStore()
	for name, r := range st.Rooms {
		// gob leaves empty maps nil.
		if r.Sessions == nil {
			r.Sessions = make(map[string]int64)
		}
		if r.Ended == nil {
			r.Ended = make(map[string]int64)
		}
		if r.Calls == nil {
			r.Calls = make(map[uint64]int64)
		}
		if r.Claims == nil {
			r.Claims = make(map[uint64]claim)
		}
		if len(r.Seen) > 0 { // saved before version 3: seconds since Base, plus one
			for i, v := range r.Seen {
				var t uint16
				switch v {
				case 0:
				case ^uint32(0):
					t = seenLeft
				default:
					t = uint16((v-1)%tickSpan) + 1
				}
				r.Polls.grow(uint64(i)+1, t)
			}
			r.Seen = nil
		}
		if r.Stock.Holds == nil {
			r.Stock.Holds = make(map[string]memHold)
		}
		if r.Stock.BySession == nil {
			r.Stock.BySession = make(map[string]string)
		}
		s.rooms[name] = r
	}
	return s, nil
}
