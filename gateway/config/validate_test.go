package config

import (
	"strings"
	"testing"

	"github.com/anteroom/anteroom/gateway/match"
)

func TestValidateRules(t *testing.T) {
	originURL := func(u string) string { return "origin: {url: \"" + u + "\"}\n" + room }
	tests := []struct {
		name string
		src  string
		path string
		line int
		msg  string
	}{
		// Listeners and TLS.
		{"listen not host:port", top("listen: nope\n"), "listen", 2, "must be host:port"},
		{"listen port out of range", top(`listen: "127.0.0.1:99999"` + "\n"), "listen", 2, "port must be a number"},
		{"listen bad host", top(`listen: "bad host!:80"` + "\n"), "listen", 2, "host must be"},
		{"admin listen not host:port", top("admin: {listen: \"9090\"}\n"), "admin.listen", 2, "must be host:port"},
		{"admin listen collides", top("admin: {listen: \"127.0.0.1:8080\"}\n"), "admin.listen", 2, "must differ from listen"},
		{"admin listen collides with wildcard", top("listen: \":9090\"\n"), "admin.listen", 0, "must differ from listen"},
		{"admin token env not a name", top("admin: {token_env: \"s3cret value\"}\n"), "admin.token_env", 2, "must name an environment variable"},
		{"tls cert without key", top("tls: {cert_file: cert.pem}\n"), "tls.key_file", 2, "is required when tls.cert_file is set"},
		{"tls key without cert", top("tls: {key_file: key.pem}\n"), "tls.cert_file", 2, "is required when tls.key_file is set"},

		// Origin.
		{"origin url missing", room, "origin.url", 0, "is required"},
		{"origin url relative", originURL("/shop"), "origin.url", 1, "absolute http:// or https://"},
		{"origin url other scheme", originURL("ftp://shop"), "origin.url", 1, "absolute http:// or https://"},
		{"origin url without host", originURL("http://"), "origin.url", 1, "must name a host"},
		{"origin url without scheme", originURL("127.0.0.1:3000"), "origin.url", 1, "absolute http:// or https://"},
		{"origin url bad port", originURL("http://shop:0"), "origin.url", 1, "port must be"},
		{"origin url with query", originURL("http://shop/?a=1"), "origin.url", 1, "query or fragment"},
		{"origin url with credentials", originURL("http://u:p@shop"), "origin.url", 1, "user name or password"},
		{"origin url unparsable", originURL("http://[::1"), "origin.url", 1, "is not a URL"},
		{"origin max_conns negative", "origin:\n  url: \"http://127.0.0.1:3000\"\n  max_conns: -1\n" + room, "origin.max_conns", 3, "must be at least 1"},
		{"origin timeout negative", "origin: {url: \"http://o\", timeout: -1s}\n" + room, "origin.timeout", 1, "must be positive"},

		// Store.
		{"store backend unknown", top("store: {backend: etcd}\n"), "store.backend", 2, "must be one of memory, redis"},
		{"redis without addrs", top("store: {backend: redis}\n"), "store.redis.addrs", 2, "needs at least one host:port"},
		{"redis addr without port", top("store: {backend: redis, redis: {addrs: [localhost]}}\n"), "store.redis.addrs[0]", 2, "must be host:port"},
		{"redis addr without host", top("store: {redis: {addrs: [\":6379\"]}}\n"), "store.redis.addrs[0]", 2, "must name a host"},
		{"redis addr port zero", top("store: {redis: {addrs: [\"r:0\"]}}\n"), "store.redis.addrs[0]", 2, "port must be a number from 1"},
		{"redis password env not a name", top("store: {redis: {password_env: \"hunter 2\"}}\n"), "store.redis.password_env", 2, "must name an environment variable"},
		{"redis key prefix with braces", top("store: {redis: {key_prefix: \"a{b}\"}}\n"), "store.redis.key_prefix", 2, `must not contain "{"`},
		{"redis key prefix with space", top("store: {redis: {key_prefix: \"a b\"}}\n"), "store.redis.key_prefix", 2, "must not contain spaces"},
		{"on_failure unknown", top("store: {on_failure: close}\n"), "store.on_failure", 2, "must be one of hold, open"},

		// Keys.
		{"secret env not a name", top("keys: {secret_env: \"correct horse battery staple\"}\n"), "keys.secret_env", 2, "must name an environment variable"},
		{"previous secret env not a name", top("keys: {previous_secret_env: \"1X\"}\n"), "keys.previous_secret_env", 2, "must name an environment variable"},
		{"previous secret env same as current", top("keys: {previous_secret_env: ANTEROOM_SECRET}\n"), "keys.previous_secret_env", 2, "must differ from keys.secret_env"},
		{"previous purchase key without a current one", top("keys: {previous_purchase_key_file: old.pem}\n"), "keys.previous_purchase_key_file", 2, "needs keys.purchase_key_file"},
		{"previous purchase key same as current", top("keys: {purchase_key_file: k.pem, previous_purchase_key_file: k.pem}\n"), "keys.previous_purchase_key_file", 2, "must differ from keys.purchase_key_file"},

		// Limits.
		{"origin_rps negative", top("limits: {origin_rps: -1}\n"), "limits.origin_rps", 2, "must be a number above 0"},
		{"origin_rps infinite", top("limits: {origin_rps: .inf}\n"), "limits.origin_rps", 2, "must be a number above 0"},
		{"per_client rps negative", top("limits: {per_client: {rps: -2}}\n"), "limits.per_client.rps", 2, "must be a number above 0"},
		{"store timeout too short", top("store: {timeout: 1ms}\n"), "store.timeout", 2, "must be between 10ms and 30s, got 1ms"},
		{"store timeout too long", top("store: {timeout: 1m}\n"), "store.timeout", 2, "must be between 10ms and 30s"},
		{"per_client burst negative", top("limits: {per_client: {burst: -1}}\n"), "limits.per_client.burst", 2, "must be at least 1"},

		// Trusted proxies and log.
		{"trusted proxy bad CIDR", top("trusted_proxies: [\"10.0.0.0/33\"]\n"), "trusted_proxies[0]", 2, "must be a CIDR"},
		{"trusted proxy host name", top("trusted_proxies: [\"10.0.0.0/8\", proxy.example.com]\n"), "trusted_proxies[1]", 2, "must be a CIDR"},
		{"log format unknown", top("log: {format: xml}\n"), "log.format", 2, "must be one of text, json"},
		{"log level unknown", top("log: {level: verbose}\n"), "log.level", 2, "must be one of debug, info, warn, error"},

		// Rooms.
		{"no rooms key", head, "rooms", 0, "at least one room is required"},
		{"empty rooms", head + "rooms: []\n", "rooms", 2, "at least one room is required"},
		{"room name empty", head + "rooms:\n  - name: \"\"\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].name", 3, "is required"},
		{"room name missing", head + "rooms:\n  - paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].name", 3, "is required"},
		{"room name bad characters", head + "rooms:\n  - name: PS5 Drop\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].name", 3, "must use only a-z"},
		{"room name too long", head + "rooms:\n  - name: " + strings.Repeat("a", 65) + "\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].name", 3, "at most 64"},
		{"room name duplicate", inRoom("  - name: shop\n    paths: [\"/other\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n"), "rooms[1].name", 7, `room "shop" is already defined at rooms[0]`},
		{"host with scheme", inRoom("    hosts: [\"https://shop.example.com\"]\n"), "rooms[0].hosts[0]", 7, "must be a host name"},
		{"host empty", inRoom("    hosts:\n      - shop.example.com\n      - \"\"\n"), "rooms[0].hosts[1]", 9, "must be a host name"},
		{"host twice", inRoom("    hosts: [shop.example.com, SHOP.example.com]\n"), "rooms[0].hosts[1]", 7, "listed twice"},
		{"host twice with a trailing dot", inRoom("    hosts: [shop.example.com, shop.example.com.]\n"), "rooms[0].hosts[1]", 7, "listed twice"},
		// Regression: a host with a port validated, but the router compares
		// the request's host without its port, so the room never matched.
		{"host with port", inRoom("    hosts: [\"shop.example.com:8080\"]\n"), "rooms[0].hosts[0]", 7, `must not name a port: a room matches its hosts on every port, so write "shop.example.com"`},
		{"path not canonical", head + "rooms:\n  - name: shop\n    paths: [\"/ps5//x/../*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, `write "/ps5/*"`},
		{"exact path with trailing slash", head + "rooms:\n  - name: shop\n    paths: [\"/ps5/\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, `a trailing slash is ignored when matching, so write "/ps5"`},
		{"path with parameter", head + "rooms:\n  - name: shop\n    paths: [\"/ps5;x\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, `must not contain ";"`},
		{"path twice in any case", head + "rooms:\n  - name: shop\n    case_insensitive: true\n    paths: [\"/ps5\", \"/PS5\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[1]", 5, "listed twice"},
		{"bypass covers a path in any case", head + "rooms:\n  - name: shop\n    case_insensitive: true\n    paths: [\"/ps5/*\"]\n    bypass: [\"/PS5/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 5, "bypassed entirely"},
		{"paths missing", head + "rooms:\n  - name: shop\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths", 3, "at least one path"},
		{"paths empty", head + "rooms:\n  - name: shop\n    paths: []\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths", 4, "at least one path"},
		{"path without slash", head + "rooms:\n  - name: shop\n    paths:\n      - /ok\n      - ps5\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[1]", 6, `must start with "/"`},
		{"path empty", head + "rooms:\n  - name: shop\n    paths: [\"\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, "must not be empty"},
		{"path star not trailing", head + "rooms:\n  - name: shop\n    paths: [\"/a/*/b\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, `"*" only as a trailing "/*"`},
		{"path star without slash", head + "rooms:\n  - name: shop\n    paths: [\"/ps5*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, `"*" only as a trailing "/*"`},
		{"path with query", head + "rooms:\n  - name: shop\n    paths: [\"/a?b=1\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, "without query"},
		{"path with space", head + "rooms:\n  - name: shop\n    paths: [\"/a b\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, "spaces"},
		{"path reserved", head + "rooms:\n  - name: shop\n    paths: [\"/.anteroom/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[0]", 4, "reserved"},
		{"path twice", head + "rooms:\n  - name: shop\n    paths: [\"/a\", \"/a\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[0].paths[1]", 4, "listed twice"},
		{"bypass without slash", inRoom("    bypass: [\"static/*\"]\n"), "rooms[0].bypass[0]", 7, `must start with "/"`},
		{"bypass star inside", inRoom("    bypass: [\"/static/*.css\"]\n"), "rooms[0].bypass[0]", 7, `"*" only as a trailing "/*"`},
		{"bypass covers a path", inRoom("    bypass: [\"/*\"]\n"), "rooms[0].paths[0]", 4, "bypassed entirely by bypass[0]"},
		{"max_active_users zero", head + "rooms:\n  - name: shop\n    paths: [\"/*\"]\n    max_active_users: 0\n    new_users_per_minute: 1\n", "rooms[0].max_active_users", 5, "must be at least 1"},
		{"max_active_users missing", head + "rooms:\n  - name: shop\n    paths: [\"/*\"]\n    new_users_per_minute: 1\n", "rooms[0].max_active_users", 3, "must be at least 1"},
		{"new_users_per_minute negative", head + "rooms:\n  - name: shop\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: -5\n", "rooms[0].new_users_per_minute", 6, "must be at least 1"},
		{"burst negative", inRoom("    burst: -1\n"), "rooms[0].burst", 7, "must be at least 1"},
		{"session_duration negative", inRoom("    session_duration: -5m\n"), "rooms[0].session_duration", 7, "must be positive"},
		{"claim_window negative", inRoom("    claim_window: -1s\n"), "rooms[0].claim_window", 7, "must be positive"},
		{"claim_window shorter than two polls", inRoom("    claim_window: 8s\n"), "rooms[0].claim_window", 7, "at least twice poll_interval"},
		{"default claim_window too short for poll", inRoom("    poll_interval: 20s\n"), "rooms[0].claim_window", 3, "at least twice poll_interval (20s)"},
		{"abandon_after negative", inRoom("    abandon_after: -2m\n"), "rooms[0].abandon_after", 7, "must be positive"},
		{"abandon_after too long", inRoom("    abandon_after: 9h\n"), "rooms[0].abandon_after", 7, "must be at most 8h0m0s"},
		{"abandon_after shorter than two polls", inRoom("    abandon_after: 9s\n"), "rooms[0].abandon_after", 7, "at least twice poll_interval"},
		{"poll_interval too short", inRoom("    poll_interval: 500ms\n"), "rooms[0].poll_interval", 7, "between 1s and 1m0s"},
		{"poll_interval too long", inRoom("    poll_interval: 61s\n    claim_window: 3m\n    abandon_after: 3m\n"), "rooms[0].poll_interval", 7, "between 1s and 1m0s"},
		{"queueing unknown", inRoom("    queueing: lottery\n"), "rooms[0].queueing", 7, "must be one of fifo, random"},
		{"prequeue without opens_at", inRoom("    prequeue_from: 2026-11-27T08:30:00Z\n"), "rooms[0].prequeue_from", 7, "needs opens_at"},
		{"prequeue after opens_at", inRoom("    prequeue_from: 2026-11-27T09:30:00Z\n    opens_at: 2026-11-27T09:00:00Z\n"), "rooms[0].prequeue_from", 7, "must be before opens_at"},
		{"prequeue at opens_at", inRoom("    prequeue_from: 2026-11-27T09:00:00Z\n    opens_at: 2026-11-27T10:00:00+01:00\n"), "rooms[0].prequeue_from", 7, "must be before opens_at"},
		{"closes before opens", inRoom("    opens_at: 2026-11-27T09:00:00Z\n    closes_at: 2026-11-27T08:00:00Z\n"), "rooms[0].closes_at", 8, "must be after opens_at"},
		{"stock negative", inRoom("    inventory: {stock: -1}\n"), "rooms[0].inventory.stock", 7, "must be 0"},
		{"purchase paths without stock", inRoom("    inventory:\n      purchase_paths: [/buy]\n"), "rooms[0].inventory.purchase_paths", 8, "need inventory.stock above 0"},
		{"purchase path syntax", inRoom("    inventory: {stock: 5, purchase_paths: [buy]}\n"), "rooms[0].inventory.purchase_paths[0]", 7, `must start with "/"`},
		{"purchase path bypassed", inRoom("    bypass: [\"/checkout/*\"]\n    inventory: {stock: 5, purchase_paths: [/checkout/submit]}\n"), "rooms[0].inventory.purchase_paths[0]", 8, "bypassed by bypass[0]"},
		{"purchase path outside room", head + "rooms:\n  - name: shop\n    paths: [\"/ps5/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n    inventory: {stock: 5, purchase_paths: [/checkout]}\n", "rooms[0].inventory.purchase_paths[0]", 7, "outside the room's paths"},
		{"hold negative", inRoom("    inventory: {stock: 5, hold: -1m}\n"), "rooms[0].inventory.hold", 7, "must be positive"},
		{"per_session negative", inRoom("    inventory:\n      stock: 5\n      per_session: -1\n"), "rooms[0].inventory.per_session", 9, "must be at least 1, got -1"},
		{"same path in two rooms for any host", inRoom("  - name: other\n    paths: [\"/x\", \"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n"), "rooms[1].paths[1]", 8, `"/*" is also claimed by room "shop" (rooms[0])`},
		{"same path in two rooms for one host", head + "rooms:\n  - name: a\n    hosts: [a.example, b.example]\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n  - name: b\n    hosts: [B.example]\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n", "rooms[1].paths[0]", 10, `also claimed by room "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantOne(t, parseProblems(t, tt.src), tt.path, tt.line, tt.msg)
		})
	}
}

// Valid configurations that a careless rule might reject.
func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"listen on all interfaces", top("listen: \":8080\"\nadmin: {listen: \":9090\"}\n")},
		{"IPv6 listeners", top("listen: \"[::1]:8080\"\nadmin: {listen: \"[::1]:9090\"}\n")},
		{"host name listener", top("listen: \"localhost:8080\"\n")},
		{"https origin with a path", "origin: {url: \"https://shop.internal:8443/base\"}\n" + room},
		{"tls with both files", top("tls: {cert_file: c.pem, key_file: k.pem}\n")},
		{"redis cluster", top("store: {backend: redis, on_failure: open, redis: {addrs: [\"r1:6379\", \"10.0.0.2:6380\"], password_env: REDIS_PASSWORD}}\n")},
		{"trusted proxies", top("trusted_proxies: [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\"]\n")},
		{"json debug log", top("log: {format: json, level: debug}\n")},
		{"previous secret", top("keys: {previous_secret_env: ANTEROOM_SECRET_OLD}\n")},
		{"hosts in any spelling", inRoom("    hosts: [\"Shop.Example.com.\", \"192.0.2.1\", \"[2001:db8::1]\"]\n")},
		{"case-insensitive room", inRoom("    case_insensitive: true\n    bypass: [\"/Static/*\"]\n")},
		{"bypass inside the room", inRoom("    bypass: [\"/static/*\", \"/favicon.ico\"]\n")},
		{"opens only", inRoom("    opens_at: 2026-11-27T09:00:00Z\n")},
		{"closes only", inRoom("    closes_at: 2026-11-27T09:00:00+01:00\n")},
		{"pre-queue lottery", inRoom("    queueing: random\n    prequeue_from: 2026-11-27T08:30:00Z\n    opens_at: 2026-11-27T09:00:00Z\n")},
		{"slow polling", inRoom("    poll_interval: 60s\n    claim_window: 2m\n    abandon_after: 2m\n")},
		{"several units per session", inRoom("    inventory: {stock: 5, purchase_paths: [/buy], per_session: 3}\n")},
		{"more per session than in stock", inRoom("    inventory: {stock: 2, per_session: 5}\n")},
		{"purchase path is a room path", head + "rooms:\n  - name: shop\n    paths: [\"/buy\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n    inventory: {stock: 1, purchase_paths: [\"/buy\"]}\n"},
		{"same path for different hosts", head + "rooms:\n  - name: a\n    hosts: [a.example]\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n  - name: b\n    hosts: [b.example]\n    paths: [\"/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n"},
		{"nested paths in two rooms", inRoom("  - name: ps5\n    paths: [\"/ps5/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n")},
		{"nulls take defaults", top("listen:\nstore: ~\nlog: {format: null}\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if problems := parseProblems(t, tt.src); len(problems) > 0 {
				t.Errorf("unexpected problems:\n%s", render(problems))
			}
		})
	}
}

// A Config built in code, without defaults, is checked the same way, without lines.
func TestValidateWithoutLoad(t *testing.T) {
	c := &Config{Rooms: []Room{{Name: "shop", Paths: []string{"/*"}, MaxActiveUsers: 1, NewUsersPerMinute: 1}}}
	got := make(map[string]bool)
	for _, p := range c.Validate() {
		if p.Line != 0 {
			t.Errorf("got line %d for %s in a Config built in code", p.Line, p.Path)
		}
		got[p.Path] = true
	}
	for _, path := range []string{"listen", "admin.listen", "admin.token_env", "origin.url", "origin.max_conns", "origin.timeout",
		"store.backend", "store.on_failure", "store.redis.key_prefix", "keys.secret_env", "limits.origin_rps",
		"limits.per_client.rps", "limits.per_client.burst", "log.format", "log.level", "rooms[0].burst",
		"rooms[0].session_duration", "rooms[0].claim_window", "rooms[0].abandon_after", "rooms[0].poll_interval",
		"rooms[0].queueing", "rooms[0].inventory.hold", "rooms[0].inventory.per_session"} {
		if !got[path] {
			t.Errorf("no problem at %s", path)
		}
	}
	c.SetDefaults()
	c.Origin.URL = "http://127.0.0.1:3000"
	if problems := c.Validate(); len(problems) > 0 {
		t.Errorf("after SetDefaults:\n%s", render(problems))
	}
}

// TestValidateParsesRoutes: validation leaves each room's routes in the
// form requests are matched on, so routing uses what was checked.
func TestValidateParsesRoutes(t *testing.T) {
	c, err := Parse([]byte(head+"rooms:\n  - name: shop\n    hosts: [Shop.Example.com.]\n    case_insensitive: true\n    paths: [\"/PS5/*\"]\n    bypass: [\"/PS5/static/*\"]\n    max_active_users: 1\n    new_users_per_minute: 1\n    inventory: {stock: 1, purchase_paths: [/PS5/buy]}\n"), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Rooms[0].Routes
	if len(r.Hosts) != 1 || r.Hosts[0] != "shop.example.com" {
		t.Errorf("hosts %q, want [shop.example.com]", r.Hosts)
	}
	for _, tc := range []struct {
		got  []match.Pattern
		want string
	}{{r.Paths, "/ps5/*"}, {r.Bypass, "/ps5/static/*"}, {r.Purchases, "/ps5/buy"}} {
		if len(tc.got) != 1 || tc.got[0].String() != tc.want {
			t.Errorf("got %v, want [%s]", tc.got, tc.want)
		}
	}
}
