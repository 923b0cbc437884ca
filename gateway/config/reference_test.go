package config

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const configsDir = "../../configs"

func TestReferenceValidates(t *testing.T) {
	path := configsDir + "/reference.yaml"
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if problems := c.Validate(); len(problems) > 0 {
		t.Fatalf("Validate after Load:\n%s", render(problems))
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	present := make(map[string]bool)
	nodeKeys(&root, "", present)
	var missing []string
	for _, key := range structKeys(reflect.TypeOf(Config{}), "") {
		if !present[key] {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Errorf("reference.yaml does not mention:\n  %s", strings.Join(missing, "\n  "))
	}
}

// The reference shows defaults as the values it sets, so the two must agree.
func TestReferenceShowsDefaults(t *testing.T) {
	ref, err := Load(configsDir + "/reference.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := &Config{Rooms: make([]Room, 1)}
	d.SetDefaults()
	r, dr := ref.Rooms[0], d.Rooms[0]
	checks := []struct {
		key       string
		got, want any
	}{
		{"listen", ref.Listen, d.Listen},
		{"origin.max_conns", ref.Origin.MaxConns, d.Origin.MaxConns},
		{"origin.timeout", ref.Origin.Timeout, d.Origin.Timeout},
		{"admin", ref.Admin, d.Admin},
		{"store.backend", ref.Store.Backend, d.Store.Backend},
		{"store.on_failure", ref.Store.OnFailure, d.Store.OnFailure},
		{"store.timeout", ref.Store.Timeout, d.Store.Timeout},
		{"store.redis.key_prefix", ref.Store.Redis.KeyPrefix, d.Store.Redis.KeyPrefix},
		{"keys", ref.Keys, d.Keys},
		{"limits", ref.Limits, d.Limits},
		{"log", ref.Log, d.Log},
		{"rooms[].burst", r.Burst, max(1, r.NewUsersPerMinute/6)},
		{"rooms[].session_duration", r.SessionDuration, dr.SessionDuration},
		{"rooms[].claim_window", r.ClaimWindow, dr.ClaimWindow},
		{"rooms[].abandon_after", r.AbandonAfter, dr.AbandonAfter},
		{"rooms[].poll_interval", r.PollInterval, dr.PollInterval},
		{"rooms[].queueing", r.Queueing, dr.Queueing},
		{"rooms[].inventory.hold", r.Inventory.Hold, dr.Inventory.Hold},
		{"rooms[].inventory.per_session", r.Inventory.PerSession, dr.Inventory.PerSession},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: reference sets %v, default is %v", c.key, c.got, c.want)
		}
	}
}

func TestMinimalValidates(t *testing.T) {
	c, err := Load(configsDir + "/anteroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if problems := c.Validate(); len(problems) > 0 {
		t.Fatalf("Validate after Load:\n%s", render(problems))
	}
	r := c.Rooms[0]
	if r.Name != "shop" || r.MaxActiveUsers != 500 || r.NewUsersPerMinute != 1200 || c.Origin.URL != "http://127.0.0.1:3000" {
		t.Errorf("unexpected minimal config: %+v", c)
	}
}

// structKeys lists the key path of every field of t, recursively, with "[]"
// for list items: "rooms", "rooms[].inventory", "rooms[].inventory.hold", ….
// It reads the yaml tags itself rather than trusting the loader's reading.
func structKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue // set by Validate, not written (Room.Routes)
		}
		if name == "" {
			panic("field " + f.Name + " has no yaml key")
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		keys = append(keys, key)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			key += "[]"
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Time{}) {
			keys = append(keys, structKeys(ft, key)...)
		}
	}
	sort.Strings(keys)
	return keys
}

// nodeKeys records the key path of every mapping key under n, as structKeys names them.
func nodeKeys(n *yaml.Node, prefix string, present map[string]bool) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			nodeKeys(c, prefix, present)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			nodeKeys(c, prefix+"[]", present)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if prefix != "" {
				key = prefix + "." + key
			}
			present[key] = true
			nodeKeys(n.Content[i+1], key, present)
		}
	}
}
