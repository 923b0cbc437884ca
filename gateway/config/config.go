// Package config is anteroom's YAML configuration: the types operators write,
// their defaults, loading with line numbers, and validation that reports every
// problem at once.
//
// A key left out, or set to its zero value, takes the default written in its
// field's comment (see SetDefaults). Durations are Go durations ("30s", "5m");
// times are RFC 3339 ("2026-11-27T09:00:00Z").
package config

import (
	"time"

	"github.com/anteroom/anteroom/gateway/match"
)

// Config is the whole anteroom configuration: one file per gateway.
type Config struct {
	// Listen is the public listener's address, host:port. Default "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// TLS serves the public listener over HTTPS when both files are set.
	TLS TLS `yaml:"tls"`
	// Origin is the shop behind the gateway.
	Origin Origin `yaml:"origin"`
	// Admin is the separate operators' listener.
	Admin Admin `yaml:"admin"`
	// Store holds the shared queue state.
	Store Store `yaml:"store"`
	// Keys names where the signing secrets come from; secrets are never in the file.
	Keys Keys `yaml:"keys"`
	// Limits protect the origin and the gateway from floods.
	Limits Limits `yaml:"limits"`
	// TrustedProxies are CIDRs (or single IP addresses) whose X-Forwarded-For
	// names the real client. Default none: the peer address is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Log chooses the log format and level.
	Log Log `yaml:"log"`
	// Rooms are the waiting rooms, one per rare item or event. At least one is required.
	Rooms []Room `yaml:"rooms"`

	// src maps key paths to lines in the file as it was parsed, for problems
	// found later; nil when the Config was built in code.
	src *source
}

// TLS names a certificate and key in PEM files. Set both or neither; default
// neither (plain HTTP, e.g. behind a TLS-terminating load balancer).
type TLS struct {
	// CertFile is the certificate chain in PEM.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the certificate's private key in PEM.
	KeyFile string `yaml:"key_file"`
}

// Origin is the upstream shop.
type Origin struct {
	// URL is the origin's base URL, absolute http:// or https:// with a host.
	// Required.
	URL string `yaml:"url"`
	// MaxConns bounds the keep-alive pool to the origin. Default 1024.
	MaxConns int `yaml:"max_conns"`
	// Timeout bounds one origin round trip; past it the shopper gets 504. Default 15s.
	Timeout time.Duration `yaml:"timeout"`
}

// Admin is the operators' listener (bearer-token protected).
type Admin struct {
	// Listen is the admin listener's address, host:port; it must differ from
	// the public one. Anywhere but loopback (127.0.0.0/8, ::1, localhost) it
	// needs a token. Default "127.0.0.1:9090".
	Listen string `yaml:"listen"`
	// TokenEnv names the environment variable holding the admin bearer token;
	// without one the admin API is open, so it may listen only on loopback.
	// Default "ANTEROOM_ADMIN_TOKEN".
	TokenEnv string `yaml:"token_env"`
}

// Store selects and configures the shared state store.
type Store struct {
	// Backend is memory (one node) or redis (many nodes). Default "memory".
	Backend Backend `yaml:"backend"`
	// Memory is used when Backend is memory.
	Memory Memory `yaml:"memory"`
	// Redis is used when Backend is redis.
	Redis Redis `yaml:"redis"`
	// OnFailure is hold (new arrivals wait) or open (let them through, bounded
	// by limits.origin_rps) when the store is down. Default "hold".
	OnFailure OnFailure `yaml:"on_failure"`
	// Timeout bounds each store call made for a shopper's request (a join, a
	// claim, a hold…) and each call of a room's background sync; past it the
	// shopper gets the honest store-down answer, so a hanging store cannot
	// pin request handlers. Between 10ms and 30s. Default 1s.
	Timeout time.Duration `yaml:"timeout"`
}

// Memory configures the in-process store of a single node.
type Memory struct {
	// StateFile is where the queue's state is saved on shutdown and every
	// two seconds, and loaded from at start, so a restart keeps every
	// ticket's place. "-" keeps it in memory only. Default "anteroom.state"
	// (relative to the working directory).
	StateFile string `yaml:"state_file"`
}

// Redis addresses one Redis server (one address) or a cluster (several).
type Redis struct {
	// Addrs are host:port addresses; at least one when store.backend is redis.
	Addrs []string `yaml:"addrs"`
	// PasswordEnv names the environment variable holding the Redis password;
	// empty means no password. Default empty.
	PasswordEnv string `yaml:"password_env"`
	// KeyPrefix starts every key anteroom writes, so that several
	// deployments can share one Redis; no braces. Default "anteroom".
	KeyPrefix string `yaml:"key_prefix"`
}

// Keys names the environment variables holding secrets, and the purchase key file.
type Keys struct {
	// SecretEnv names the environment variable holding the HMAC secret that
	// signs tickets and sessions: at least 32 bytes that token.CheckSecret
	// finds random enough (make one with anteroom keygen). Default
	// "ANTEROOM_SECRET".
	SecretEnv string `yaml:"secret_env"`
	// PreviousSecretEnv names the variable holding a retired secret that still
	// verifies, for rotation without logging anyone out. Default empty (none).
	PreviousSecretEnv string `yaml:"previous_secret_env"`
	// PurchaseKeyFile is an Ed25519 private key in PEM; generated in memory if
	// empty (then purchase tokens do not verify across nodes or restarts).
	// Default empty.
	PurchaseKeyFile string `yaml:"purchase_key_file"`
	// PreviousPurchaseKeyFile is the retired purchase key, still published
	// in the JWKS so tokens it signed verify until they expire: rotate by
	// moving the old file here and a new one to PurchaseKeyFile. Default
	// empty (none).
	PreviousPurchaseKeyFile string `yaml:"previous_purchase_key_file"`
}

// Limits are the rate limits that protect the origin.
type Limits struct {
	// OriginRPS bounds requests forwarded to the origin per node; excess gets
	// 503. Must be above 0. Default 5000.
	OriginRPS float64 `yaml:"origin_rps"`
	// PerClient bounds requests per client IP; excess gets 429. Default rps
	// 20, burst 40.
	PerClient Rate `yaml:"per_client"`
}

// Rate is a token bucket.
type Rate struct {
	// RPS is the sustained rate in requests per second, above 0.
	RPS float64 `yaml:"rps"`
	// Burst is the bucket's size, at least 1.
	Burst int `yaml:"burst"`
}

// Log configures log/slog.
type Log struct {
	// Format is text or json. Default "text".
	Format LogFormat `yaml:"format"`
	// Level is debug, info, warn or error. Default "info".
	Level string `yaml:"level"`
}

// Room is one waiting room with its own limits, counters and page.
type Room struct {
	// Routes are Hosts, Paths, Bypass and Inventory.PurchasePaths in the
	// form requests are matched on, set by Validate: validation and
	// routing use these very values.
	Routes Routes `yaml:"-"`

	// Name identifies the room in cookies, store keys, metrics and the admin
	// API: unique, 1 to 64 of a-z, 0-9, "_" and "-". Required.
	Name string `yaml:"name"`
	// Hosts the room answers for, on any port ("shop.example.com", no
	// port); empty means any host. Case and a trailing dot do not matter.
	// Default empty.
	Hosts []string `yaml:"hosts"`
	// Paths are exact paths or prefixes ending in "/*"; at least one. Two
	// rooms whose hosts overlap may not list the same pattern. A pattern is
	// written in canonical form (no "//", "." or ".." segments, no ";", no
	// escaped letters or digits, no trailing slash on an exact path), the
	// form requests are matched on: see the README's "How paths match".
	Paths []string `yaml:"paths"`
	// Bypass paths are proxied without a ticket or session; same syntax as
	// Paths. Default empty.
	Bypass []string `yaml:"bypass"`
	// MaxActiveUsers bounds the admitted sessions alive at once, across all
	// nodes. At least 1; required.
	MaxActiveUsers int `yaml:"max_active_users"`
	// NewUsersPerMinute is the admission rate (token bucket). At least 1; required.
	NewUsersPerMinute int `yaml:"new_users_per_minute"`
	// Burst is the admission bucket's size. Default NewUsersPerMinute/6
	// (10 s worth), at least 1.
	Burst int `yaml:"burst"`
	// SessionDuration ends a session this long after its last request. Default 5m.
	SessionDuration time.Duration `yaml:"session_duration"`
	// ClaimWindow is how long a called ticket has to come in before it
	// forfeits; at least twice PollInterval. Default 30s.
	ClaimWindow time.Duration `yaml:"claim_window"`
	// AbandonAfter drops a ticket that has not polled for this long; at least
	// twice PollInterval. Default 2m.
	AbandonAfter time.Duration `yaml:"abandon_after"`
	// PollInterval is how often the waiting page asks for news (jittered),
	// between 1s and 60s. Default 5s.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Queueing orders the pre-queue at opens_at: fifo (arrival order) or
	// random (a lottery). Default "fifo".
	Queueing Queueing `yaml:"queueing"`
	// PrequeueFrom is when arrivals start getting pre-queue tickets; it needs
	// OpensAt and must be before it. Zero means any time before OpensAt.
	PrequeueFrom time.Time `yaml:"prequeue_from"`
	// OpensAt is when admissions start; zero means open now.
	OpensAt time.Time `yaml:"opens_at"`
	// ClosesAt is when the room stops taking new arrivals; after OpensAt.
	// Zero means never.
	ClosesAt time.Time `yaml:"closes_at"`
	// CaseInsensitive matches paths, bypass and purchase paths in any case
	// ("/PS5" is "/ps5"), for origins that ignore case (IIS, some
	// frameworks' routers). Default false: paths match case-sensitively.
	CaseInsensitive bool `yaml:"case_insensitive"`
	// Inventory is the room's limited stock, if any.
	Inventory Inventory `yaml:"inventory"`
	// Page customises the waiting page.
	Page Page `yaml:"page"`
}

// Inventory is a room's limited stock.
type Inventory struct {
	// Stock is the number of units; zero means the room sells no limited
	// stock. Default 0.
	Stock int `yaml:"stock"`
	// PurchasePaths take a hold on one unit before reaching the origin; path
	// syntax as Room.Paths, inside the room's paths, and only with Stock above
	// 0. Default empty.
	PurchasePaths []string `yaml:"purchase_paths"`
	// Hold is how long an unconfirmed hold lasts before returning to stock.
	// Default 10m.
	Hold time.Duration `yaml:"hold"`
	// PerSession is the units one session may hold or buy in all: its hold
	// in progress and its sales count, a released or expired hold does
	// not. Past it a purchase gets 409 and the origin is not asked. At
	// least 1. Default 1.
	PerSession int `yaml:"per_session"`
}

// Page customises the waiting page.
type Page struct {
	// Title is the waiting page's title. Default the room's name.
	Title string `yaml:"title"`
	// Template is a Go html/template file replacing the built-in page.
	// Default empty (the built-in page).
	Template string `yaml:"template"`
	// Language fixes the page's language: one of en, de, fr, es, it, pt,
	// nl, pl, sv, tr, ja, ko, zh-Hans, ar. Default empty: each shopper's
	// Accept-Language chooses, English when none of theirs is spoken.
	Language string `yaml:"language"`
	// Strings overrides the page's texts per language: language → key →
	// text, e.g. {de: {waiting_h: "Du bist dabei"}}. Keys are those of
	// static/lang/en.json, the err_ keys of the error pages the gateway
	// answers on the room's paths included; a text with a count is set per
	// plural category ("eta_min.one", "eta_min.other"). Default empty.
	Strings map[string]map[string]string `yaml:"strings"`
	// LogoFile is a PNG or SVG file of at most 16 KB, inlined into the page.
	// An SVG must be inert: no scripts, event handlers or references
	// outside itself. Default empty (no logo).
	LogoFile string `yaml:"logo_file"`
	// AccentColor is the page's accent, "#rrggbb" or "#rgb", for the progress
	// bar, links and buttons; darkened or lightened as far as needed for
	// 4.5:1 contrast in light and dark mode. Default empty (#1d4ed8).
	AccentColor string `yaml:"accent_color"`
	// Message is one line of plain text from the shop, shown under the title
	// in every state. Default empty.
	Message string `yaml:"message"`
	// HomeURL is the shop's home page, an absolute http(s) URL, linked as
	// "back to the shop" on the sold-out and closed pages. Default empty.
	HomeURL string `yaml:"home_url"`
}

// Routes is what a room's hosts and path patterns become once parsed
// (package match): the form validation checked and routing matches on.
type Routes struct {
	Hosts                    []string // lower case, no port, no trailing dot
	Paths, Bypass, Purchases []match.Pattern
}
