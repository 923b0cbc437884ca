package memstore

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/anteroom/anteroom/queue"
)

// The memory store is one process's memory; saving it to a file on
// shutdown (and every few seconds) is what keeps every ticket's place across
// a gateway restart on a single node. The file is written to a temporary
// name and renamed, so a crash mid-write leaves the previous state whole.

// Save writes the store's state to path atomically. The state is copied
// as of one instant, holding the store's lock a little at a time
// (snapshot.go), then encoded and written without it, so shoppers wait on
// neither the encoder nor the disk; saves themselves run one at a time, so
// an older state never replaces a newer one.
func (s *Store) Save(path string) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	var buf bytes.Buffer
	rooms, release := s.copyState()
	file := stateFile{Version: stateVersion, Rooms: make(map[string]*savedRoom, len(rooms))}
	for name, r := range rooms {
		file.Rooms[name] = saveRoom(r)
	}
	for name, o := range s.copyOverrides() {
		if file.Overrides == nil {
			file.Overrides = make(map[string]*savedOverrides)
		}
		file.Overrides[name] = &savedOverrides{Version: o.Version, Values: o.Values}
	}
	err := gob.NewEncoder(&buf).Encode(file)
	release()
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

// maxStateSize bounds the state file. Saved state takes up to 3 bytes per
// ticket still in line and about 45 per session (a million in line and ten
// thousand sessions: 3 MB), so this is more than one node can serve. It
// also bounds what decoding a crafted file can take: gob makes up to about
// 24 bytes of memory of each byte of the file (a slice header for a 1-byte
// empty slice), growing it as it goes — under a gigabyte at this size.
const maxStateSize = 8 << 20

// maxStateRooms bounds the rooms of a state file: every room configured,
// now or in the past, with room to spare.
const maxStateRooms = 10_000

// Load reads a store saved by Save. A missing file is a fresh
// start, not an error. A file that is not a state Save could have written
// — damaged, or crafted to make the gateway panic, hang, fill its memory or
// sell stock it does not have — is refused with a *StateError naming the
// file, the room and the field.
func Load(path string) (*Store, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading queue state: %w", err) // names the path
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return nil, fmt.Errorf("loading queue state from %s: %w", path, err)
	}
	s, err := loadState(data)
	if bad, ok := err.(*StateError); ok {
		bad.File = path
	}
	return s, err
}

// loadState decodes and checks a saved state. It decodes twice: first
// with every room's content skipped, which gob does without allocating for
// the lengths the file claims, so a map said to hold billions of entries
// fails there for want of them instead of being made that large; then for
// real, now that every length is backed by the bytes it claims.
func loadState(data []byte) (*Store, error) {
	if len(data) > maxStateSize {
		return nil, &StateError{Problem: fmt.Sprintf("larger than %d bytes", maxStateSize)}
	}
	var shape struct {
		Version int
		Rooms   map[string]struct{}
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&shape); err != nil {
		return nil, &StateError{Problem: "not a queue state", Err: err}
	}
	switch {
	case shape.Version > stateVersion:
		return nil, &StateError{Field: "Version", Problem: fmt.Sprintf("%d, written by a newer anteroom (this one reads 1 to %d)", shape.Version, stateVersion)}
	case shape.Version < 1:
		return nil, &StateError{Field: "Version", Problem: fmt.Sprintf("%d, want 1 to %d", shape.Version, stateVersion)}
	}
	if len(shape.Rooms) > maxStateRooms {
		return nil, &StateError{Field: "Rooms", Problem: fmt.Sprintf("%d rooms, more than %d", len(shape.Rooms), maxStateRooms)}
	}
	for _, name := range slices.Sorted(maps.Keys(shape.Rooms)) {
		if !queue.ValidRoomName(name) {
			return nil, &StateError{Room: name, Problem: "not a room name"}
		}
	}
	var st stateFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return nil, &StateError{Problem: "not a queue state", Err: err}
	}
	s := New()
	for _, name := range slices.Sorted(maps.Keys(st.Rooms)) {
		saved := st.Rooms[name]
		if saved == nil {
			return nil, &StateError{Room: name, Problem: "empty"}
		}
		r, err := saved.room(st.Version)
		if err == nil {
			err = r.restore()
		}
		if err != nil {
			return nil, &StateError{Room: name, Field: err.field, Problem: err.problem}
		}
		s.rooms[name] = r
	}
	if err := s.restoreOverrides(convertMap(st.Overrides, func(o *savedOverrides) *memOverrides {
		if o == nil {
			return nil
		}
		return &memOverrides{Version: o.Version, Values: o.Values}
	})); err != nil {
		return nil, err
	}
	return s, nil
}

// restore makes a room read from a file ready to use (gob leaves empty
// maps nil), then checks it and builds its index.
func (r *memRoom) restore() *fieldError {
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
	if r.Stock.Holds == nil {
		r.Stock.Holds = make(map[string]memHold)
	}
	if r.Stock.BySession == nil {
		r.Stock.BySession = make(map[string]string)
	}
	if err := r.check(); err != nil {
		return err
	}
	r.index()
	return nil
}
