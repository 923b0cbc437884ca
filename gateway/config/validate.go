package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/anteroom/anteroom/gateway/match"
	"github.com/anteroom/anteroom/queue"
)

// Bounds on values that have a sensible range.
const (
	MinPollInterval = time.Second
	MaxPollInterval = 60 * time.Second
	MaxRoomNameLen  = queue.MaxRoomNameLen
	// A store call that cannot answer in 10ms never will under load; one
	// that takes 30s has long lost its shopper.
	MinStoreTimeout = 10 * time.Millisecond
	MaxStoreTimeout = 30 * time.Second
)

// reservedPrefix is where the gateway serves its own endpoints; a room there
// would never see a request.
const reservedPrefix = "/.anteroom"

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks a configuration whose defaults are set and returns every
// problem found, nil if there are none. Each problem has its key path; its line
// is known when the Config came from Load or Parse.
func (c *Config) Validate() []Problem {
	v := &validator{src: c.src}
	c.validateListeners(v)
	c.validateOrigin(v)
	c.validateStore(v)
	c.validateKeys(v)
	c.validateLimits(v)
	for i, p := range c.TrustedProxies {
		if !validProxy(p) {
			v.add(fmt.Sprintf("trusted_proxies[%d]", i), `must be a CIDR like "10.0.0.0/8" or one IP address, got %q`, p)
		}
	}
	oneOfTyped(v, "log.format", c.Log.Format, LogText, LogJSON)
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	c.validateRooms(v)
	return v.problems
}

type validator struct {
	src      *source
	problems []Problem
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Line: v.src.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) oneOf(path, got string, allowed ...string) {
	for _, a := range allowed {
		if got == a {
			return
		}
	}
	v.add(path, "must be one of %s, got %q", strings.Join(allowed, ", "), got)
}

func (v *validator) envName(path, name string) {
	if !envNameRE.MatchString(name) {
		v.add(path, "must name an environment variable, like ANTEROOM_SECRET, got %q (secrets never go in this file)", name)
	}
}

func (v *validator) positive(path string, d time.Duration) {
	if d <= 0 {
		v.add(path, "must be positive, got %s", d)
	}
}

func (v *validator) atLeast(path string, got, least int) {
	if got < least {
		v.add(path, "must be at least %d, got %d", least, got)
	}
}

func (v *validator) rate(path string, rps float64) {
	if !(rps > 0) || math.IsInf(rps, 0) {
		v.add(path, "must be a number above 0, got %v", rps)
	}
}

func (c *Config) validateListeners(v *validator) {
	publicOK := v.hostPort("listen", c.Listen, false, 0)
	adminOK := v.hostPort("admin.listen", c.Admin.Listen, false, 0)
	if publicOK && adminOK && sameListener(c.Listen, c.Admin.Listen) {
		v.add("admin.listen", "must differ from listen (%s); the admin API has its own listener", c.Listen)
	}
	v.envName("admin.token_env", c.Admin.TokenEnv)
	switch {
	case c.TLS.CertFile != "" && c.TLS.KeyFile == "":
		v.add("tls.key_file", "is required when tls.cert_file is set")
	case c.TLS.CertFile == "" && c.TLS.KeyFile != "":
		v.add("tls.cert_file", "is required when tls.key_file is set")
	}
}

// hostPort checks an address of the form host:port and reports whether it is good.
func (v *validator) hostPort(path, addr string, needHost bool, minPort int) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(path, `must be host:port, like "127.0.0.1:8080", got %q`, addr)
		return false
	}
	if n, err := strconv.Atoi(port); err != nil || n < minPort || n > 65535 {
		v.add(path, "port must be a number from %d to 65535, got %q", minPort, port)
		return false
	}
	if host == "" && needHost {
		v.add(path, "must name a host before the port, got %q", addr)
		return false
	}
	if host != "" && !validHost(host) {
		v.add(path, "host must be a host name or IP address, got %q", host)
		return false
	}
	return true
}

// sameListener reports whether two good listen addresses would collide.
func sameListener(a, b string) bool {
	ha, pa, _ := net.SplitHostPort(a)
	hb, pb, _ := net.SplitHostPort(b)
	if pa != pb || pa == "0" {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return strings.EqualFold(ha, hb) || wildcard(ha) || wildcard(hb)
}

func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func validProxy(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func (c *Config) validateOrigin(v *validator) {
	const path = "origin.url"
	raw := c.Origin.URL
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.add(path, `is required: the shop's base URL, like "http://127.0.0.1:3000"`)
	case !hasHTTPScheme(raw):
		v.add(path, "must be an absolute http:// or https:// URL, got %q", raw)
	case err != nil:
		v.add(path, "is not a URL: %v", errors.Unwrap(err))
	case u.Host == "" || u.Hostname() == "":
		v.add(path, "must name a host, got %q", raw)
	case !validHost(u.Hostname()):
		v.add(path, "host must be a host name or IP address, got %q", u.Hostname())
	case u.Port() != "" && !validPort(u.Port()):
		v.add(path, "port must be a number from 1 to 65535, got %q", u.Port())
	case u.User != nil:
		v.add(path, "must not hold a user name or password")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		v.add(path, "must not have a query or fragment, got %q", raw)
	}
	v.atLeast("origin.max_conns", c.Origin.MaxConns, 1)
	v.positive("origin.timeout", c.Origin.Timeout)
}

func hasHTTPScheme(raw string) bool {
	lower := strings.ToLower(raw)
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func (c *Config) validateStore(v *validator) {
	s := c.Store
	oneOfTyped(v, "store.backend", s.Backend, BackendMemory, BackendRedis)
	oneOfTyped(v, "store.on_failure", s.OnFailure, OnFailureHold, OnFailureOpen)
	if s.Timeout < MinStoreTimeout || s.Timeout > MaxStoreTimeout {
		v.add("store.timeout", "must be between %s and %s, got %s", MinStoreTimeout, MaxStoreTimeout, s.Timeout)
	}
	if s.Backend == BackendRedis && len(s.Redis.Addrs) == 0 {
		v.add("store.redis.addrs", "needs at least one host:port when store.backend is redis")
	}
	for i, a := range s.Redis.Addrs {
		v.hostPort(fmt.Sprintf("store.redis.addrs[%d]", i), a, true, 1)
	}
	if s.Redis.PasswordEnv != "" {
		v.envName("store.redis.password_env", s.Redis.PasswordEnv)
	}
	switch p := s.Redis.KeyPrefix; {
	case p == "":
		v.add("store.redis.key_prefix", "must not be empty")
	case strings.ContainsAny(p, "{}"):
		// Each room's keys share a {hash tag}; braces in the prefix would move it.
		v.add("store.redis.key_prefix", `must not contain "{" or "}", got %q`, p)
	case strings.IndexFunc(p, unicode.IsSpace) >= 0:
		v.add("store.redis.key_prefix", "must not contain spaces, got %q", p)
	}
}

func (c *Config) validateKeys(v *validator) {
	v.envName("keys.secret_env", c.Keys.SecretEnv)
	if prev := c.Keys.PreviousSecretEnv; prev != "" {
		v.envName("keys.previous_secret_env", prev)
		if prev == c.Keys.SecretEnv {
			v.add("keys.previous_secret_env", "must differ from keys.secret_env (%s)", prev)
		}
	}
	if prev := c.Keys.PreviousPurchaseKeyFile; prev != "" {
		switch {
		case c.Keys.PurchaseKeyFile == "":
			v.add("keys.previous_purchase_key_file", "needs keys.purchase_key_file, the key that signs now")
		case prev == c.Keys.PurchaseKeyFile:
			v.add("keys.previous_purchase_key_file", "must differ from keys.purchase_key_file (%s)", prev)
		}
	}
}

func (c *Config) validateLimits(v *validator) {
	v.rate("limits.origin_rps", c.Limits.OriginRPS)
	v.rate("limits.per_client.rps", c.Limits.PerClient.RPS)
	v.atLeast("limits.per_client.burst", c.Limits.PerClient.Burst, 1)
}

func (c *Config) validateRooms(v *validator) {
	if len(c.Rooms) == 0 {
		v.add("rooms", "at least one room is required")
		return
	}
	firstByName := make(map[string]int)
	for i := range c.Rooms {
		r := &c.Rooms[i]
		p := fmt.Sprintf("rooms[%d]", i)
		r.validate(v, p)
		if r.Name == "" {
			continue
		}
		if j, dup := firstByName[r.Name]; dup {
			v.add(p+".name", "room %q is already defined at rooms[%d]", r.Name, j)
		} else {
			firstByName[r.Name] = i
		}
	}
	// The same pattern in two rooms for the same host leaves the match to chance.
	claimedBy := make(map[string][]int) // pattern → rooms listing it
	for j := range c.Rooms {
		b := &c.Rooms[j]
		for k, pat := range b.Paths {
			if pat == "" {
				continue
			}
			for _, i := range claimedBy[pat] {
				if i != j && hostsOverlap(c.Rooms[i].Hosts, b.Hosts) {
					v.add(fmt.Sprintf("rooms[%d].paths[%d]", j, k),
						"%q is also claimed by room %q (rooms[%d]) for an overlapping set of hosts", pat, c.Rooms[i].Name, i)
					break
				}
			}
			if rooms := claimedBy[pat]; len(rooms) == 0 || rooms[len(rooms)-1] != j {
				claimedBy[pat] = append(rooms, j)
			}
		}
	}
}

func (r *Room) validate(v *validator, p string) {
	switch {
	case r.Name == "":
		v.add(p+".name", "is required")
	case len(r.Name) > MaxRoomNameLen:
		v.add(p+".name", "must be at most %d characters, got %d", MaxRoomNameLen, len(r.Name))
	case !queue.ValidRoomName(r.Name):
		v.add(p+".name", `must use only a-z, 0-9, "_" and "-", got %q`, r.Name)
	}

	r.Page.validate(v, p)

	r.Routes = Routes{}
	hosts := make(map[string]bool)
	for i, h := range r.Hosts {
		hp := fmt.Sprintf("%s.hosts[%d]", p, i)
		name, err := match.ParseHost(h)
		switch {
		case err != nil:
			v.add(hp, "%v", err)
		case hosts[name]:
			v.add(hp, "%q is listed twice", h)
		default:
			r.Routes.Hosts = append(r.Routes.Hosts, name)
		}
		hosts[name] = true
	}

	if len(r.Paths) == 0 {
		v.add(p+".paths", `at least one path is required ("/*" for the whole site)`)
	}
	good := v.patterns(p+".paths", r.Paths, r.CaseInsensitive)
	bypass := v.patterns(p+".bypass", r.Bypass, r.CaseInsensitive)
	r.Routes.Paths = goodPatterns(r.Paths, good, r.CaseInsensitive)
	r.Routes.Bypass = goodPatterns(r.Bypass, bypass, r.CaseInsensitive)
	for i, pat := range r.Paths {
		if !good[i] {
			continue
		}
		if j := coveredBy(pat, r.Bypass, bypass, r.CaseInsensitive); j >= 0 {
			v.add(fmt.Sprintf("%s.paths[%d]", p, i), "%q is bypassed entirely by bypass[%d] %q", pat, j, r.Bypass[j])
		}
	}

	v.atLeast(p+".max_active_users", r.MaxActiveUsers, 1)
	v.atLeast(p+".new_users_per_minute", r.NewUsersPerMinute, 1)
	v.atLeast(p+".burst", r.Burst, 1)
	v.positive(p+".session_duration", r.SessionDuration)
	v.positive(p+".claim_window", r.ClaimWindow)
	v.positive(p+".abandon_after", r.AbandonAfter)
	pollOK := r.PollInterval >= MinPollInterval && r.PollInterval <= MaxPollInterval
	if !pollOK {
		v.add(p+".poll_interval", "must be between %s and %s, got %s", MinPollInterval, MaxPollInterval, r.PollInterval)
	}
	// The waiting page learns it was called, and shows it is still there, only
	// when it polls; with jitter a poll can come late.
	if pollOK && r.ClaimWindow > 0 && r.ClaimWindow < 2*r.PollInterval {
		v.add(p+".claim_window", "must be at least twice poll_interval (%s), got %s; a called shopper only hears of it at the next poll", r.PollInterval, r.ClaimWindow)
	}
	if r.AbandonAfter > MaxAbandonAfter {
		// The memory store's 16-bit poll clock needs ages well under half
		// its 18-hour wrap.
		v.add(p+".abandon_after", "must be at most %s, got %s", MaxAbandonAfter, r.AbandonAfter)
	}
	if pollOK && r.AbandonAfter > 0 && r.AbandonAfter < 2*r.PollInterval {
		v.add(p+".abandon_after", "must be at least twice poll_interval (%s), got %s; otherwise waiting shoppers are dropped between polls", r.PollInterval, r.AbandonAfter)
	}
	oneOfTyped(v, p+".queueing", r.Queueing, QueueingFIFO, QueueingRandom)

	switch {
	case !r.PrequeueFrom.IsZero() && r.OpensAt.IsZero():
		v.add(p+".prequeue_from", "needs opens_at: a pre-queue waits for the room to open")
	case !r.PrequeueFrom.IsZero() && !r.PrequeueFrom.Before(r.OpensAt):
		v.add(p+".prequeue_from", "must be before opens_at (%s), got %s", r.OpensAt.Format(time.RFC3339), r.PrequeueFrom.Format(time.RFC3339))
	}
	if !r.OpensAt.IsZero() && !r.ClosesAt.IsZero() && !r.OpensAt.Before(r.ClosesAt) {
		v.add(p+".closes_at", "must be after opens_at (%s), got %s", r.OpensAt.Format(time.RFC3339), r.ClosesAt.Format(time.RFC3339))
	}

	r.validateInventory(v, p+".inventory", good)
}

func (r *Room) validateInventory(v *validator, p string, goodPaths []bool) {
	inv := r.Inventory
	if inv.Stock < 0 {
		v.add(p+".stock", "must be 0 (no limited stock) or more, got %d", inv.Stock)
	}
	if len(inv.PurchasePaths) > 0 && inv.Stock == 0 {
		v.add(p+".purchase_paths", "need inventory.stock above 0; a room without stock has nothing to hold")
	}
	good := v.patterns(p+".purchase_paths", inv.PurchasePaths, r.CaseInsensitive)
	r.Routes.Purchases = goodPatterns(inv.PurchasePaths, good, r.CaseInsensitive)
	bypassGood := make([]bool, len(r.Bypass))
	for i, b := range r.Bypass {
		bypassGood[i] = patternProblem(b, r.CaseInsensitive) == ""
	}
	for i, pat := range inv.PurchasePaths {
		if !good[i] {
			continue
		}
		pp := fmt.Sprintf("%s.purchase_paths[%d]", p, i)
		if j := coveredBy(pat, r.Bypass, bypassGood, r.CaseInsensitive); j >= 0 {
			v.add(pp, "%q is bypassed by bypass[%d] %q, so no hold would be taken", pat, j, r.Bypass[j])
		} else if coveredBy(pat, r.Paths, goodPaths, r.CaseInsensitive) < 0 {
			v.add(pp, "%q is outside the room's paths, so it never reaches the room", pat)
		}
	}
	v.positive(p+".hold", inv.Hold)
	v.atLeast(p+".per_session", inv.PerSession, 1)
}

// patterns checks a list of path patterns and reports which are well formed.
// Two spellings of one pattern (in a case-insensitive room, "/PS5" and
// "/ps5") are one pattern listed twice.
func (v *validator) patterns(path string, pats []string, fold bool) []bool {
	good := make([]bool, len(pats))
	seen := make(map[string]bool)
	for i, pat := range pats {
		pp := fmt.Sprintf("%s[%d]", path, i)
		if msg := patternProblem(pat, fold); msg != "" {
			v.add(pp, "%s", msg)
			continue
		}
		key := parsed(pat, fold).String()
		if seen[key] {
			v.add(pp, "%q is listed twice", pat)
			continue
		}
		seen[key] = true
		good[i] = true
	}
	return good
}

// patternProblem says what is wrong with a path pattern: an exact path, or a
// prefix ending in "/*", written in the canonical form requests are matched
// on (package match).
func patternProblem(pat string, fold bool) string {
	if _, err := match.ParsePattern(pat, fold); err != nil {
		return err.Error()
	}
	if pat == reservedPrefix || strings.HasPrefix(pat, reservedPrefix+"/") {
		return fmt.Sprintf("%q is reserved for the gateway's own endpoints", reservedPrefix+"/")
	}
	return ""
}

// goodPatterns are the parsed forms of the patterns that passed.
func goodPatterns(pats []string, good []bool, fold bool) []match.Pattern {
	var out []match.Pattern
	for i, pat := range pats {
		if good[i] {
			out = append(out, parsed(pat, fold))
		}
	}
	return out
}

// parsed is a pattern patternProblem accepted.
func parsed(pat string, fold bool) match.Pattern {
	p, _ := match.ParsePattern(pat, fold)
	return p
}

// coveredBy returns the index of the first good pattern in pats that matches
// every path pat matches, or -1.
func coveredBy(pat string, pats []string, good []bool, fold bool) int {
	q := parsed(pat, fold)
	for i, p := range pats {
		if good[i] && parsed(p, fold).Covers(q) {
			return i
		}
	}
	return -1
}

// hostsOverlap reports whether two rooms can both match one host; no hosts
// means any host.
func hostsOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			hx, errx := match.ParseHost(x)
			hy, erry := match.ParseHost(y)
			if errx == nil && erry == nil && hx == hy {
				return true
			}
		}
	}
	return false
}
