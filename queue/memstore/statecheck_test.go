package memstore

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/storetest"
)

// encodeState is what Save writes for rooms, as bytes.
func encodeState(t testing.TB, version int, rooms map[string]*memRoom) []byte {
	t.Helper()
	return encodeSaved(t, version, saveRooms(rooms))
}

// saveRooms is rooms in the save format.
func saveRooms(rooms map[string]*memRoom) map[string]*savedRoom {
	out := make(map[string]*savedRoom, len(rooms))
	for name, r := range rooms {
		out[name] = saveRoom(r)
	}
	return out
}

// encodeSaved is a state file holding rooms, as bytes.
func encodeSaved(t testing.TB, version int, rooms map[string]*savedRoom) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(stateFile{Version: version, Rooms: rooms}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeState writes state bytes to a file of their own.
func writeState(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "anteroom.state")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// hugePollCount is the first attack of issue 8, item 7: a poll record
// that says it holds a trillion entries and holds none, so the first
// count of the line indexes past its end.
func hugePollCount(t testing.TB) []byte {
	s := New()
	storetest.JoinN(t, s, 3, storetest.Start)
	s.rooms[storetest.Room].Polls = seenLog{N: 1 << 40}
	return encodeState(t, stateVersion, s.rooms)
}

// issuedMax is the second: a room whose last ticket is number 2^64-1,
// so Advance walks the serving counter towards it under the store's lock,
// for ever.
func issuedMax(t testing.TB) []byte {
	s := New()
	storetest.MustOpen(t, s, storetest.Start)
	s.rooms[storetest.Room].Issued = math.MaxUint64
	return encodeState(t, stateVersion, s.rooms)
}

// walkInStore is a small valid state — no ticket, so no 64 KiB poll
// chunk for the fuzzer to drag along — with everything else: sessions
// admitted at once, an ended one, and live, sold and released holds.
func walkInStore(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	s := New()
	storetest.MustOpen(t, s, storetest.Start)
	for _, sid := range []string{"held", "sold", "released", "gone"} {
		if ok, err := s.AdmitDirect(ctx, storetest.Room, sid, storetest.Roomy, storetest.Start); !ok || err != nil {
			t.Fatalf("AdmitDirect: %v, %v", ok, err)
		}
	}
	s.End(ctx, storetest.Room, "gone", storetest.Start)
	s.SetStock(ctx, storetest.Room, 5, storetest.Start)
	for _, sid := range []string{"held", "sold", "released"} {
		if _, err := s.Hold(ctx, storetest.Room, sid, "h-"+sid, 1, storetest.Start.Add(time.Minute), storetest.Start); err != nil {
			t.Fatal(err)
		}
	}
	s.Confirm(ctx, storetest.Room, "h-sold", storetest.Start)
	s.Release(ctx, storetest.Room, "h-released", storetest.Start)
	return s
}

// unbackedMap says its sessions map holds 2^32 entries and holds one: gob
// would make a map that large before finding out, and the runtime would
// give up for want of memory (a fatal error, not a panic).
func unbackedMap(t testing.TB) []byte {
	s := New()
	s.Refresh(context.Background(), storetest.Room, []string{"only-session"}, storetest.Start)
	data := encodeState(t, stateVersion, s.rooms)
	key := []byte("\x0conly-session")
	i := bytes.Index(data, key)
	if i < 1 || data[i-1] != 1 {
		t.Fatalf("no one-entry map before %q in the encoded state", key)
	}
	// The count 1 becomes 2^32: gob writes a long uint as minus its byte
	// count, then the bytes.
	return resizeLastMessage(t, data, i-1, 1, []byte{0xfb, 1, 0, 0, 0, 0})
}

// resizeLastMessage replaces n bytes at i, in the stream's last gob
// message, with repl, and fixes that message's length.
func resizeLastMessage(t testing.TB, data []byte, i, n int, repl []byte) []byte {
	t.Helper()
	at := 0
	for {
		size, width := gobUint(data[at:])
		if at+width+int(size) >= len(data) {
			break
		}
		at += width + int(size)
	}
	size, width := gobUint(data[at:])
	out := append([]byte{}, data[:at]...)
	out = appendGobUint(out, size-uint64(n)+uint64(len(repl)))
	out = append(out, data[at+width:i]...)
	out = append(out, repl...)
	return append(out, data[i+n:]...)
}

func gobUint(b []byte) (uint64, int) {
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	n := int(-int8(b[0]))
	var x uint64
	for _, c := range b[1 : 1+n] {
		x = x<<8 | uint64(c)
	}
	return x, 1 + n
}

func appendGobUint(b []byte, x uint64) []byte {
	if x < 0x80 {
		return append(b, byte(x))
	}
	var be []byte
	for ; x > 0; x >>= 8 {
		be = append([]byte{byte(x)}, be...)
	}
	return append(append(b, byte(-int8(len(be)))), be...)
}

// TestLoadRefusesHugePollCount: the poll record's shape is checked
// against its length and the tickets issued before anything indexes it.
func TestLoadRefusesHugePollCount(t *testing.T) {
	path := writeState(t, hugePollCount(t))
	s, err := Load(path)
	if err == nil {
		// What the check prevents: the first count of the line panics.
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("the loaded store panicked: %v", p)
			}
		}()
		s.Advance(context.Background(), storetest.Room, storetest.Roomy, storetest.Start.Add(2*time.Second))
		t.Fatal("the file was loaded")
	}
	wantRefused(t, err, path, storetest.Room, "Polls.N")
}

// TestLoadRefusesIssuedMax: a file whose last ticket is 2^64-1 is refused
// at once, rather than loaded into a store whose next Advance never ends.
func TestLoadRefusesIssuedMax(t *testing.T) {
	path := writeState(t, issuedMax(t))
	done := make(chan error, 1)
	go func() {
		s, err := Load(path)
		if err == nil {
			_, err = s.Advance(context.Background(), storetest.Room, storetest.Roomy, storetest.Start.Add(time.Second))
			err = errors.Join(errors.New("loaded"), err)
		}
		done <- err
	}()
	select {
	case err := <-done:
		wantRefused(t, err, path, storetest.Room, "Polls.N")
	case <-time.After(5 * time.Second):
		t.Fatal("loading a state with Issued 2^64-1 and advancing it did not finish in 5s")
	}
}

// TestLoadRefusesUnbackedMapLength: a map whose length is not backed by
// entries in the file is refused before anything is made that large.
func TestLoadRefusesUnbackedMapLength(t *testing.T) {
	path := writeState(t, unbackedMap(t))
	_, err := Load(path)
	wantRefused(t, err, path, "", "")
}

// wantRefused checks that err is a *StateError naming path, room (empty:
// the file as a whole) and field (or a field it starts).
func wantRefused(t *testing.T, err error, path, room, field string) {
	t.Helper()
	var se *StateError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want the file refused", err)
	}
	msg := err.Error()
	for _, want := range []string{path, quoted(room), field} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
	if se.Room != room || !strings.HasPrefix(se.Field, field) {
		t.Errorf("refused room %q field %q, want %q and %s", se.Room, se.Field, room, field)
	}
}

// TestLoadRefusesWhatNoStoreSaves: each way a room's fields can disagree
// with what the store's methods leave in them is refused, naming the
// field; the same state untouched loads.
func TestLoadRefusesWhatNoStoreSaves(t *testing.T) {
	cases := []struct {
		field string
		spoil func(r *savedRoom)
	}{
		{"Serving", func(r *savedRoom) { r.Serving = r.Issued + 1 }},
		{"Admitted", func(r *savedRoom) { r.Admitted = 0 }},
		{"Waiting", func(r *savedRoom) { r.Waiting = -1 }},
		{"Waiting", func(r *savedRoom) { r.Waiting = int(r.Issued) + 1 }},
		{"Tokens", func(r *savedRoom) { r.Tokens = math.NaN() }},
		{"Tokens", func(r *savedRoom) { r.Tokens = math.Inf(-1) }},
		{"TokensAt", func(r *savedRoom) { r.TokensAt = r.Last + 1 }},
		{"Last", func(r *savedRoom) { r.Last = -1 }},
		{"Base", func(r *savedRoom) { r.Base = 1 }},
		{"Opening.PrequeueEnd", func(r *savedRoom) { r.Opening.PrequeueEnd = r.Issued + 1 }},
		{"Opening.At", func(r *savedRoom) { r.Opening.At = time.Unix(0, r.Last).Add(time.Hour) }},
		{"Opening", func(r *savedRoom) { r.Opening.Opened = false }},
		{"Polls.N", func(r *savedRoom) { r.Polls.N-- }},
		{"Polls.Chunks", func(r *savedRoom) { r.Polls.Chunks = append(r.Polls.Chunks, make([]uint16, seenChunk)) }},
		{"Polls.Chunks[0]", func(r *savedRoom) { r.Polls.Chunks[0] = r.Polls.Chunks[0][:7] }},
		{"Polls.Chunks[0]", func(r *savedRoom) { r.Polls.Chunks[0] = nil }},
		{"Seen", func(r *savedRoom) { r.Seen = []uint32{1} }},
		{`Sessions["x"]`, func(r *savedRoom) { r.Sessions["x"] = r.Last + 1 }},
		{`Ended["` + strings.Repeat("e", 200) + `"]`, func(r *savedRoom) { r.Ended[strings.Repeat("e", 200)] = r.Last }},
		{"Calls[999]", func(r *savedRoom) { r.Calls[999] = r.Last }},
		{"Calls[", func(r *savedRoom) { // a claimed ticket called again
			for n := range r.Claims {
				r.Calls[n] = r.Last
			}
		}},
		{"Stock", func(r *savedRoom) { r.Stock.Units = -1 }},
		{"Stock", func(r *savedRoom) { r.Stock.Expired = -1 }},
		{"Stock.Expired", func(r *savedRoom) { // an expired hold on record, but none counted
			h := r.Stock.Holds["h-released"]
			h.State = uint8(holdExpired)
			r.Stock.Holds["h-released"] = h
		}},
		{"Stock.Held", func(r *savedRoom) { r.Stock.Held = 0 }},
		{"Stock.Sold", func(r *savedRoom) { r.Stock.Sold = 0 }},
		{"Stock.Set", func(r *savedRoom) { r.Stock.Set = false }},
		{`Stock.Holds["h-held"].State`, func(r *savedRoom) { h := r.Stock.Holds["h-held"]; h.State = 9; r.Stock.Holds["h-held"] = h }},
		{`Stock.Holds["h-held"].Session`, func(r *savedRoom) { r.Stock.BySession["held"] = "h-sold" }},
		{"Stock.BySession", func(r *savedRoom) { r.Stock.BySession["ghost"] = "h-held" }},
		{"Stock.Due", func(r *savedRoom) { r.Stock.Due = r.Stock.Due[1:] }},
		{"Stock.Due[0]", func(r *savedRoom) { r.Stock.Due[0].At++ }},
		{"Stock.Bought", func(r *savedRoom) { r.Stock.Bought = map[string]int{"sold": r.Stock.Sold + 1} }},
		{"Stock.Bought", func(r *savedRoom) { r.Stock.Bought = map[string]int{"sold": -1} }},
	}
	// The busy store's room holds a bit of everything: sessions, ended
	// ones, a call, a claim, live, sold and released holds. Its first poll
	// chunk is not yet released.
	if _, err := loadState(encodeState(t, stateVersion, busyStore(t).rooms)); err != nil {
		t.Fatalf("the unspoiled state: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			rooms := saveRooms(busyStore(t).rooms)
			tc.spoil(rooms[storetest.Room])
			path := writeState(t, encodeSaved(t, stateVersion, rooms))
			_, err := Load(path)
			wantRefused(t, err, path, storetest.Room, tc.field)
		})
	}
}

// TestLoadRefusesBadRooms: room names are held to the configuration's
// rule, and a file cannot hold more rooms or bytes than any store saves.
func TestLoadRefusesBadRooms(t *testing.T) {
	room := func() *memRoom { return newMemRoom() }
	tooMany := make(map[string]*memRoom, maxStateRooms+1)
	for i := range maxStateRooms + 1 {
		tooMany[fmt.Sprintf("r%d", i)] = room()
	}
	cases := []struct {
		name, room, field string
		data              []byte
	}{
		{"name", "Shop\n", "", encodeState(t, stateVersion, map[string]*memRoom{"Shop\n": room()})},
		{"count", "", "Rooms", encodeState(t, stateVersion, tooMany)},
		{"version", "", "Version", encodeState(t, stateVersion+1, nil)},
		{"size", "", "", make([]byte, maxStateSize+1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeState(t, tc.data)
			_, err := Load(path)
			wantRefused(t, err, path, tc.room, tc.field)
		})
	}
}

// FuzzLoadState: whatever the file holds, loading it returns a store or
// a *StateError, and never panics or hangs; a store that loads runs, and
// saves a state that loads again.
func FuzzLoadState(f *testing.F) {
	f.Add(encodeState(f, stateVersion, walkInStore(f).rooms))
	f.Add(hugePollCount(f))
	f.Add(issuedMax(f))
	f.Add(unbackedMap(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := loadState(data)
		if err != nil {
			var se *StateError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *StateError", err)
			}
			return
		}
		ctx := context.Background()
		p := storetest.With(storetest.Roomy, func(p *queue.Policy) { p.MaxActive, p.SessionTTL = 5, time.Minute })
		for name, r := range s.rooms {
			now := time.Unix(0, max(r.Last, minStateTime)).Add(time.Second)
			n, _ := s.Join(ctx, name, now)
			s.Seen(ctx, name, []uint64{1, n}, now)
			s.Open(ctx, name, false, 1, now)
			s.Advance(ctx, name, p, now)
			s.AdmitDirect(ctx, name, "fuzz", p, now)
			s.Hold(ctx, name, "fuzz", "fuzz-hold", 1, now.Add(time.Minute), now)
			s.Confirm(ctx, name, "fuzz-hold", now)
			s.End(ctx, name, "fuzz", now)
			s.Advance(ctx, name, p, now.Add(time.Hour))
			s.Counters(ctx, name)
		}
		if _, err := loadState(encodeState(t, stateVersion, s.rooms)); err != nil {
			t.Fatalf("a loaded store, run and saved, does not load again: %v", err)
		}
	})
}

// quoted is room as an error names it; nothing for the file as a whole.
func quoted(room string) string {
	if room == "" {
		return ""
	}
	return strconv.Quote(room)
}
