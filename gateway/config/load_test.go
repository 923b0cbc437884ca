package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		src  string
		path string
		line int
		msg  string
	}{
		{"top level", top("listne: \":8080\"\n"), "listne", 2, `unknown key (did you mean "listen"?)`},
		{"nested in flow mapping", top("store: {redis: {adrs: [\"r:6379\"]}}\n"), "store.redis.adrs", 2, `unknown key (did you mean "addrs"?)`},
		{"no close match", top("colour: blue\n"), "colour", 2, "unknown key"},
		{"in second room", inRoom(`  - name: drop
    paths: ["/drop/*"]
    max_active_users: 1
    new_users_per_minute: 1
    inventroy:
      stock: 5
`), "rooms[1].inventroy", 11, `unknown key (did you mean "inventory"?)`},
		{"deep in a room", inRoom("    inventory:\n      stock: 5\n      hodl: 1m\n"), "rooms[0].inventory.hodl", 9, `did you mean "hold"?`},
		{"duplicate key", inRoom("    max_active_users: 20\n"), "rooms[0].max_active_users", 7, "duplicate key (first set on line 5)"},
		{"non-scalar key", top("? [a, b]\n: c\n"), "", 2, "keys must be plain names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantOne(t, parseProblems(t, tt.src), tt.path, tt.line, tt.msg)
		})
	}
}

func TestParseTypeErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		path string
		line int
		msg  string
	}{
		{"duration in words", inRoom("    session_duration: 5 minutes\n"), "rooms[0].session_duration", 7, `must be a duration like "30s" or "5m", got "5 minutes"`},
		{"duration without unit", inRoom("    session_duration: 300\n"), "rooms[0].session_duration", 7, "must be a duration"},
		{"duration as list", inRoom("    claim_window: [1s]\n"), "rooms[0].claim_window", 7, "must be a duration"},
		{"whole number in words", head + "rooms:\n  - name: shop\n    paths: [\"/*\"]\n    max_active_users: lots\n    new_users_per_minute: 60\n", "rooms[0].max_active_users", 5, `must be a whole number, got "lots"`},
		{"whole number with fraction", inRoom("    burst: 1.5\n"), "rooms[0].burst", 7, "must be a whole number"},
		{"whole number quoted", inRoom("    burst: \"10\"\n"), "rooms[0].burst", 7, "must be a whole number"},
		{"whole number too big", inRoom("    burst: 18446744073709551615\n"), "rooms[0].burst", 7, "out of range"},
		{"number in words", top("limits: {origin_rps: fast}\n"), "limits.origin_rps", 2, `must be a number, got "fast"`},
		{"date without time", inRoom("    opens_at: 2026-11-27\n"), "rooms[0].opens_at", 7, "must be an RFC 3339 time"},
		{"time without zone", inRoom("    opens_at: 2026-11-27T09:00:00\n"), "rooms[0].opens_at", 7, "must be an RFC 3339 time"},
		{"time in words", inRoom("    opens_at: tomorrow\n"), "rooms[0].opens_at", 7, `got "tomorrow"`},
		{"time as number", inRoom("    opens_at: 12\n"), "rooms[0].opens_at", 7, "must be an RFC 3339 time"},
		{"string for list", head + "rooms:\n  - name: shop\n    paths: \"/*\"\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths", 4, `must be a list, got "/*"`},
		{"mapping for string", top("listen: {host: a}\n"), "listen", 2, "must be a string, got a mapping"},
		{"string for mapping", "origin: \"http://127.0.0.1:3000\"\n" + room, "origin", 1, "must be a mapping of keys"},
		{"mapping for list", head + "rooms: {name: shop}\n", "rooms", 2, "must be a list, got a mapping"},
		{"list item of wrong kind", head + "rooms:\n  - name: shop\n    paths: [\"/*\", [\"/x\"]]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[1]", 4, "must be a string, got a list"},
		{"whole file a list", "- a\n- b\n", "", 1, "the file must be a YAML mapping"},
		{"bad base64", top("listen: !!binary \"%%%\"\n"), "listen", 2, "base64"},
		{"bad explicit tag", inRoom("    burst: !!int ten\n"), "rooms[0].burst", 7, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Exactly one problem: the value's zero must not also fail validation.
			wantOne(t, parseProblems(t, tt.src), tt.path, tt.line, tt.msg)
		})
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"unclosed flow list", head + "rooms:\n  - name: shop\n    paths: [\"/*\"\n    max_active_users: 1\n", 4, "invalid YAML: did not find expected ',' or ']'"},
		{"list item in a mapping", head + "listen: \":1\"\n- shop\n", 3, "invalid YAML: did not find expected key"},
		{"key after list", "- a\nrooms: []\n", 2, "invalid YAML: did not find expected '-' indicator"},
		{"undefined tag handle", head + "listen: !x!y 1\n", 2, "invalid YAML: found undefined tag handle"},
		{"mapping value on line 1", "listen: a: b\n", 1, "invalid YAML: mapping values are not allowed"},
		{"bad indentation", head + "rooms:\n  - name: shop\n     paths: [\"/*\"]\n", 4, "invalid YAML: mapping values are not allowed"},
		{"tab indentation", head + "rooms:\n\t- name: shop\n", 3, "invalid YAML"},
		{"tab on line 1", "\torigin: {}\n", 1, "invalid YAML"},
		{"unclosed quote", head + "listen: \"127.0.0.1:8080\n", 2, "invalid YAML"},
		{"unknown alias", head + "listen: \":1\"\nrooms: *nope\n", 3, "unknown anchor 'nope'"},
		{"second document", head + room + "---\nlisten: \":1\"\n", 7, "a second YAML document"},
		{"syntax error in second document", head + room + "---\nrooms: [a\n", 8, "invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantOne(t, parseProblems(t, tt.src), "", tt.line, tt.msg)
		})
	}
}

// Three unrelated mistakes in one file are all reported, in file order.
func TestParseReportsEveryProblem(t *testing.T) {
	src := `listen: "127.0.0.1"
origin:
  url: "http://127.0.0.1:3000"
rooms:
  - name: shop
    paths: ["/*", "static/*"]
    max_active_users: 10
    new_users_per_minute: 60
    sesion_duration: 5m
`
	_, err := Parse([]byte(src), "shop.yaml")
	var e *Errors
	if !errors.As(err, &e) {
		t.Fatalf("Parse error = %v, want *Errors", err)
	}
	want := []Problem{
		{Line: 1, Path: "listen", Msg: `must be host:port, like "127.0.0.1:8080", got "127.0.0.1"`},
		{Line: 6, Path: "rooms[0].paths[1]", Msg: `must start with "/", got "static/*"`},
		{Line: 9, Path: "rooms[0].sesion_duration", Msg: `unknown key (did you mean "session_duration"?)`},
	}
	if len(e.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(e.Problems), len(want), err)
	}
	for i := range want {
		if e.Problems[i] != want[i] {
			t.Errorf("problem %d: got %q, want %q", i, e.Problems[i].String(), want[i].String())
		}
	}
	wantText := `shop.yaml: line 1: listen: must be host:port, like "127.0.0.1:8080", got "127.0.0.1"
shop.yaml: line 6: rooms[0].paths[1]: must start with "/", got "static/*"
shop.yaml: line 9: rooms[0].sesion_duration: unknown key (did you mean "session_duration"?)`
	if err.Error() != wantText {
		t.Errorf("got %q, want %q", err.Error(), wantText)
	}
}

func TestErrorsFormat(t *testing.T) {
	e := &Errors{File: "anteroom.yaml", Problems: []Problem{
		{Line: 12, Path: "rooms[0].paths[1]", Msg: `must start with "/"`},
		{Path: "rooms", Msg: "at least one room is required"},
		{Line: 3, Msg: "invalid YAML: found character that cannot start any token"},
	}}
	want := `anteroom.yaml: line 12: rooms[0].paths[1]: must start with "/"
anteroom.yaml: rooms: at least one room is required
anteroom.yaml: line 3: invalid YAML: found character that cannot start any token`
	if got := e.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseAnchorsAndMerges(t *testing.T) {
	src := head + `rooms:
  - &drop
    name: ps5
    paths: ["/ps5/*"]
    max_active_users: 500
    new_users_per_minute: 1200
    session_duration: 3m
  - <<: *drop
    name: xbox
    paths: ["/xbox/*"]
    session_duration: 4m
`
	c, err := Parse([]byte(src), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	x := c.Rooms[1]
	if x.Name != "xbox" || x.MaxActiveUsers != 500 || x.NewUsersPerMinute != 1200 || x.SessionDuration != 4*time.Minute {
		t.Errorf("merged room = %+v", x)
	}

	// A bad key in an anchored room is reported once, where it is written.
	bad := strings.Replace(src, "    session_duration: 3m\n", "    sesion_duration: 3m\n", 1)
	wantOne(t, parseProblems(t, bad), "rooms[0].sesion_duration", 8, "unknown key")

	// A bad value reached through an alias is reported where the alias is used.
	alias := head + "x: &d 5 minutes\n" + room
	problems := parseProblems(t, strings.Replace(alias, "x: &d", "listen: &d", 1)+"    session_duration: *d\n")
	if len(problems) != 2 || problems[1].Path != "rooms[0].session_duration" || problems[1].Line != 8 {
		t.Errorf("got\n%s\nwant listen and rooms[0].session_duration (line 8)", render(problems))
	}

	merge := inRoom("    <<: [1, 2]\n")
	if p := parseProblems(t, merge); len(p) == 0 || p[0].Path != "rooms[0]" || p[0].Line != 7 {
		t.Errorf("bad merge: got\n%s", render(p))
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "~\n", "---\n"} {
		problems := parseProblems(t, src)
		var paths []string
		for _, p := range problems {
			paths = append(paths, p.Path)
		}
		if got := strings.Join(paths, ","); got != "origin.url,rooms" {
			t.Errorf("%q: got problems at %s, want origin.url,rooms", src, got)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}

	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(top("listen: \":8443\"\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8443" {
		t.Errorf("Listen = %q, want %q", c.Listen, ":8443")
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(top("listen: nope\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if want := bad + ": line 2: listen: must be host:port"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %s…", err, want)
	}
}

// Aliases can make a small file describe a huge configuration.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "rooms:\n  - &r\n    name: shop\n    max_active_users: 1\n    new_users_per_minute: 1\n    paths: [")
	for i := range 1000 {
		fmt.Fprintf(&b, "\"/p%d\", ", i)
	}
	b.WriteString("]\n")
	for range 1000 {
		b.WriteString("  - *r\n")
	}
	problems := parseProblems(t, b.String())
	if len(problems) != 1 || !strings.Contains(problems[0].Msg, "more than 200000 values") {
		t.Errorf("got %d problems, want one about the size; first: %v", len(problems), problems[0])
	}
}
