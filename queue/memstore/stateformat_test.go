package memstore

import (
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stateV3 is walkInStore's state as Save wrote it before the save format
// had types of its own (it encoded the live rooms): a file saved by that
// anteroom must load into the same rooms.
const stateV3 = "Ln8DAQEKc2F2ZWRTdGF0ZQH/gAABAgEHVmVyc2lvbgEEAAEFUm9vbXMB/6YAAAAq/6UEAQEZbWFwW3N0cmluZ10qcXVldWUubWVtUm9vbQH/pgABDAH/ggAA/9H/gQMBAv+CAAERAQZJc3N1ZWQBBgABB1NlcnZpbmcBBgABCEFkbWl0dGVkAQYAAQdPcGVuaW5nAf+EAAEGVG9rZW5zAQgAAQhUb2tlbnNBdAEEAAEIU2Vzc2lvbnMB/4gAAQVFbmRlZAH/iAABBUNhbGxzAf+KAAEGQ2xhaW1zAf+OAAEFUG9sbHMB/5AAAQRCYXNlAQQAAQRTZWVuAf+WAAEHV2FpdGluZwEEAAEJV2FpdGluZ0F0AQQAAQRMYXN0AQQAAQVTdG9jawH/mAAAAEz/gwMBAQdPcGVuaW5nAf+EAAEFAQZPcGVuZWQBAgABAkF0Af+GAAELUHJlcXVldWVFbmQBBgABBlJhbmRvbQECAAEEU2VlZAEGAAAAEP+FBQEBBFRpbWUB/4YAAAAg/4cEAQEQbWFwW3N0cmluZ11pbnQ2NAH/iAABDAEEAAAg/4kEAQEQbWFwW3VpbnQ2NF1pbnQ2NAH/igABBgEEAAAn/40EAQEWbWFwW3VpbnQ2NF1xdWV1ZS5jbGFpbQH/jgABBgH/jAAAG/+LAwEC/4wAAQIBA1NJRAEMAAECQXQBBAAAACf/jwMBAQdzZWVuTG9nAf+QAAECAQZDaHVua3MB/5QAAQFOAQYAAAAZ/5MCAQEKW11bXXVpbnQxNgH/lAAB/5IAAAz/kQIBAv+SAAEGAAAW/5UCAQEIW111aW50MzIB/5YAAQYAAGn/lwMBAQhtZW1TdG9jawH/mAABCAEDU2V0AQIAAQVVbml0cwEEAAEESGVsZAEEAAEEU29sZAEEAAEFSG9sZHMB/5wAAQlCeVNlc3Npb24B/54AAQNEdWUB/6IAAQZCb3VnaHQB/6QAAAAp/5sEAQEYbWFwW3N0cmluZ11xdWV1ZS5tZW1Ib2xkAf+cAAEMAf+aAAA2/5kDAQL/mgABBAEHU2Vzc2lvbgEMAAEFVW50aWwBBAABBVN0YXRlAQYAAQVFbmRlZAEEAAAAIf+dBAEBEW1hcFtzdHJpbmddc3RyaW5nAf+eAAEMAQwAAB7/oQIBAQ9bXXF1ZXVlLmhvbGREdWUB/6IAAf+gAAAj/58DAQEHaG9sZER1ZQH/oAABAgECQXQBBAABAklEAQwAAAAe/6MEAQEObWFwW3N0cmluZ11pbnQB/6QAAQwBBAAA/gFO/4ABBgEBBGRyb3ADBAEBAQEPAQAAAA7sApCQAAAAAP//AAH9II9AAfg2OLYC05dAAAEDBGhlbGT4Nji2AtOXQAAEc29sZPg2OLYC05dAAAhyZWxlYXNlZPg2OLYC05dAAAEBBGdvbmX4Nji2AtOXQAABAAEAAQAF+DY4tgLTl0AAAQEBAQoBAgECAQMGaC1oZWxkAQRoZWxkAfg2OLYexCXwAAEBAAZoLXNvbGQBBHNvbGQB+DY4th7EJfAAAQIB+DY4tgLTl0AAAApoLXJlbGVhc2VkAQhyZWxlYXNlZAH4Nji2HsQl8AABAwH4Nji2AtOXQAAAAQEEaGVsZAZoLWhlbGQBAwH4Nji2HsQl8AABBmgtaGVsZAAB+DY4th7EJfAAAQZoLXNvbGQAAfg2OLYexCXwAAEKaC1yZWxlYXNlZAABAQRzb2xkAgAAAA=="

func TestLoadStateWrittenFromTheLiveRooms(t *testing.T) {
	data, err := base64.StdEncoding.DecodeString(stateV3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadState(data)
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	want := walkInStore(t)
	if len(got.rooms) != len(want.rooms) {
		t.Fatalf("rooms: got %d, want %d", len(got.rooms), len(want.rooms))
	}
	for name, w := range want.rooms {
		r := got.rooms[name]
		if r == nil {
			t.Fatalf("room %q was not loaded", name)
		}
		if g, w := savedForm(r), savedForm(w); !reflect.DeepEqual(g, w) {
			t.Errorf("room %q:\n got %+v\nwant %+v", name, g, w)
		}
	}
}

// TestLoadRefusesUnknownVersion: a file of a version this build does not
// read is refused whole, saying which version it is and which it reads.
func TestLoadRefusesUnknownVersion(t *testing.T) {
	cases := []struct {
		version int
		want    string
	}{
		{stateVersion + 1, "Version: 4, written by a newer anteroom (this one reads 1 to 3)"},
		{99, "Version: 99, written by a newer anteroom (this one reads 1 to 3)"},
		{0, "Version: 0, want 1 to 3"},
		{-1, "Version: -1, want 1 to 3"},
	}
	for _, tc := range cases {
		path := writeState(t, encodeState(t, tc.version, walkInStore(t).rooms))
		_, err := Load(path)
		wantRefused(t, err, path, "", "Version")
		if err != nil && !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("version %d: got %q, want it to end %q", tc.version, err, tc.want)
		}
	}
}

// TestLoadRefusesHostileFiles: gob streams that are not a state file, or
// are one with fields of the wrong type, are refused as not a queue state
// rather than loaded in part.
func TestLoadRefusesHostileFiles(t *testing.T) {
	encode := func(v any) []byte {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(v); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	cases := []struct {
		name, room string
		data       []byte
		want       string
	}{
		{"version as text", "", encode(struct{ Version string }{"3"}), "not a queue state"},
		{"rooms as a list", "", encode(struct {
			Version int
			Rooms   []string
		}{stateVersion, []string{"drop"}}), "not a queue state"},
		{"a room of the wrong type", "", encode(struct {
			Version int
			Rooms   map[string]string
		}{stateVersion, map[string]string{"drop": "x"}}), "not a queue state"},
		{"a field of the wrong type", "", encode(struct {
			Version int
			Rooms   map[string]struct{ Issued string }
		}{stateVersion, map[string]struct{ Issued string }{"drop": {"many"}}}), "not a queue state"},
		{"an unrelated value", "", encode(time.Now()), "not a queue state"},
		{"no version", "", encode(struct {
			Rooms map[string]struct{ Issued uint64 }
		}{map[string]struct{ Issued uint64 }{"drop": {1}}}), "Version: 0, want 1 to 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeState(t, tc.data)
			_, err := Load(path)
			wantRefused(t, err, path, tc.room, "")
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// TestStateFileHoldsNoLiveType: every type a state file is made of is the
// save format's own (or a standard one), so changing how the store keeps
// a room cannot change the file by accident.
func TestStateFileHoldsNoLiveType(t *testing.T) {
	own := map[string]bool{"stateFile": true, "savedRoom": true, "savedOpening": true, "savedClaim": true,
		"savedPolls": true, "savedStock": true, "savedHold": true, "savedDue": true, "savedOverrides": true, "savedLottery": true}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		if ty.PkgPath() == reflect.TypeFor[stateFile]().PkgPath() && !own[ty.Name()] {
			t.Errorf("%s is %s, a type of the live store", path, ty)
		}
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(ty.Elem(), path+"[]")
		case reflect.Map:
			walk(ty.Key(), path+"{key}")
			walk(ty.Elem(), path+"{}")
		case reflect.Struct:
			if ty.PkgPath() != reflect.TypeFor[stateFile]().PkgPath() {
				return // time.Time: gob encodes it by its own method
			}
			for f := range ty.Fields() {
				if !f.IsExported() {
					t.Errorf("%s.%s is unexported; gob would drop it", path, f.Name)
				}
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[stateFile](), "stateFile")
}
