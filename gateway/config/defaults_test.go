package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/match"
)

func TestParseAppliesDefaults(t *testing.T) {
	c, err := Parse([]byte(inRoom("    page: {template: page.html}\n")), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listen: "127.0.0.1:8080",
		Origin: Origin{URL: "http://127.0.0.1:3000", MaxConns: 1024, Timeout: 15 * time.Second},
		Admin:  Admin{Listen: "127.0.0.1:9090", TokenEnv: "ANTEROOM_ADMIN_TOKEN"},
		Store: Store{
			Backend:   "memory",
			Redis:     Redis{KeyPrefix: "anteroom"},
			Memory:    Memory{StateFile: "anteroom.state"},
			OnFailure: "hold",
			Timeout:   time.Second,
		},
		Keys:   Keys{SecretEnv: "ANTEROOM_SECRET"},
		Limits: Limits{OriginRPS: 5000, PerClient: Rate{RPS: 20, Burst: 40}},
		Log:    Log{Format: "text", Level: "info"},
		Rooms: []Room{{
			Name:              "shop",
			Paths:             []string{"/*"},
			MaxActiveUsers:    10,
			NewUsersPerMinute: 60,
			Burst:             10,
			SessionDuration:   5 * time.Minute,
			ClaimWindow:       30 * time.Second,
			AbandonAfter:      2 * time.Minute,
			PollInterval:      5 * time.Second,
			Queueing:          "fifo",
			Inventory:         Inventory{Hold: 10 * time.Minute, PerSession: 1},
			Page:              Page{Title: "shop", Template: "page.html"},
			Routes:            Routes{Paths: mustPatterns(t, "/*")},
		}},
	}
	c.src = nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

func mustPatterns(t *testing.T, ps ...string) []match.Pattern {
	t.Helper()
	out, err := match.ParsePatterns(ps, false)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoomBurstDefault(t *testing.T) {
	tests := []struct {
		perMinute, burst, want int
	}{
		{1200, 0, 200},
		{60, 0, 10},
		{11, 0, 1},
		{5, 0, 1},
		{0, 0, 1}, // invalid, but Validate reports the rate rather than the burst
		{1200, 7, 7},
	}
	for _, tt := range tests {
		c := &Config{Rooms: []Room{{NewUsersPerMinute: tt.perMinute, Burst: tt.burst}}}
		c.SetDefaults()
		if got := c.Rooms[0].Burst; got != tt.want {
			t.Errorf("new_users_per_minute %d, burst %d: got burst %d, want %d", tt.perMinute, tt.burst, got, tt.want)
		}
	}
}

func TestSetDefaultsKeepsValuesAndIsIdempotent(t *testing.T) {
	c := &Config{
		Listen: ":80",
		Limits: Limits{OriginRPS: 1},
		Rooms:  []Room{{Name: "a", PollInterval: 2 * time.Second, Page: Page{Title: "A drop"}}},
	}
	c.SetDefaults()
	once := *c
	once.Rooms = append([]Room(nil), c.Rooms...)
	c.SetDefaults()
	if !reflect.DeepEqual(c, &once) {
		t.Errorf("second SetDefaults changed the config:\ngot  %+v\nwant %+v", c, &once)
	}
	if c.Listen != ":80" || c.Limits.OriginRPS != 1 || c.Rooms[0].PollInterval != 2*time.Second || c.Rooms[0].Page.Title != "A drop" {
		t.Errorf("SetDefaults overwrote a set value: %+v", c)
	}
}
