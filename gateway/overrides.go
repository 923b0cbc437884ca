package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
)

// An operator's live change to a room (PATCH /api/v1/rooms/NAME, pause,
// resume, close) is an override kept in the store, so that every node
// applies it within a second and it outlives a node's restart.
//
// Which wins: an override wins over the file until the file's value for
// that key changes (seen at a reload or a restart), or until the overrides
// are cleared (DELETE /api/v1/rooms/NAME/overrides). Each override records
// the file's value when it was set; a node whose file says otherwise since
// drops it from the store and logs so. A pause has no key in the file: it
// lasts until resumed or cleared.

// The keys an override may set, as the YAML names them.
const (
	keyMaxActive  = "max_active_users"
	keyPerMinute  = "new_users_per_minute"
	keyBurst      = "burst"
	keySession    = "session_duration"
	keyOpensAt    = "opens_at"
	keyClosesAt   = "closes_at"
	keyPaused     = "paused"
	keyStock      = "stock" // not an override: it sets the store's count
	overridesNote = "a live override wins over the configuration file until the file's value for that key changes (seen at a reload or restart), or until DELETE /api/v1/rooms/%s/overrides clears the room's overrides; a pause lasts until resume"
)

// patchKeys are what PATCH takes, in the order they are applied and listed.
var patchKeys = []string{keyMaxActive, keyPerMinute, keyBurst, keySession, keyOpensAt, keyClosesAt, keyStock}

// override is one live change as the store keeps it.
type override struct {
	// Value is the new value in its canonical form (fileValue's).
	Value string `json:"value"`
	// File is the file's value when the override was set.
	File string    `json:"file"`
	At   time.Time `json:"at"`
	// From is the address the change came from.
	From string `json:"from"`
}

// storedOverrides is one room's overrides as last read from the store.
type storedOverrides struct {
	version uint64
	raw     map[string]string
}

// fileValue is the canonical form of a room's value for key: what an
// override's File is compared with.
func fileValue(rc config.Room, key string) string {
	switch key {
	case keyMaxActive:
		return strconv.Itoa(rc.MaxActiveUsers)
	case keyPerMinute:
		return strconv.Itoa(rc.NewUsersPerMinute)
	case keyBurst:
		return strconv.Itoa(rc.Burst)
	case keySession:
		return rc.SessionDuration.String()
	case keyOpensAt:
		return timeValue(rc.OpensAt)
	case keyClosesAt:
		return timeValue(rc.ClosesAt)
	}
	return ""
}

func timeValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// setValue sets key of rc from its canonical form.
func setValue(rc *config.Room, key, v string) error {
	var err error
	switch key {
	case keyMaxActive:
		rc.MaxActiveUsers, err = strconv.Atoi(v)
	case keyPerMinute:
		rc.NewUsersPerMinute, err = strconv.Atoi(v)
	case keyBurst:
		rc.Burst, err = strconv.Atoi(v)
	case keySession:
		rc.SessionDuration, err = time.ParseDuration(v)
	case keyOpensAt:
		rc.OpensAt, err = parseTimeValue(v)
	case keyClosesAt:
		rc.ClosesAt, err = parseTimeValue(v)
	default:
		err = fmt.Errorf("not a key an override sets")
	}
	return err
}

func parseTimeValue(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, v)
}

// validateRoom checks room i of file with rc in its place, as a file
// holding it would be checked, and returns rc with its routes parsed. The
// problems' paths are the room's own keys ("max_active_users"), their
// messages the file's.
func validateRoom(file *config.Config, i int, rc config.Room) (config.Room, []string) {
	c := *file
	c.Rooms = slices.Clone(file.Rooms)
	c.Rooms[i] = rc
	prefix := fmt.Sprintf("rooms[%d].", i)
	var problems []string
	for _, p := range c.Validate() {
		if key, ok := strings.CutPrefix(p.Path, prefix); ok {
			problems = append(problems, key+": "+p.Msg)
		}
	}
	return c.Rooms[i], problems
}

// effectiveLocked is room i of the file with its overrides applied, and
// whether it is paused. An override the file has overtaken is dropped from
// the store; overrides that together do not validate are ignored (the
// file's values hold) and logged. The caller holds steer.mu.
func (g *Gateway) effectiveLocked(ctx context.Context, i int) (config.Room, bool) {
	st := &g.steer
	rc := st.file.Rooms[i]
	raw := st.ov[rc.Name].raw
	if len(raw) == 0 {
		return rc, false
	}
	eff, paused := rc, false
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		var o override
		if err := json.Unmarshal([]byte(raw[key]), &o); err != nil {
			g.log.Error("live override unreadable: ignored", "room", rc.Name, "key", key, "err", err)
			continue
		}
		if key != keyPaused && o.File != fileValue(rc, key) {
			g.dropOverride(ctx, rc.Name, key, raw[key], o, fileValue(rc, key))
			continue
		}
		if key == keyPaused {
			paused = o.Value == "true"
			continue
		}
		if err := setValue(&eff, key, o.Value); err != nil {
			g.log.Error("live override unreadable: ignored", "room", rc.Name, "key", key, "value", o.Value, "err", err)
		}
	}
	eff, problems := validateRoom(st.file, i, eff)
	if len(problems) > 0 {
		g.log.Error("live overrides do not fit the configuration file: the file's values hold until they are changed or cleared",
			"room", rc.Name, "problems", strings.Join(problems, "; "))
		return rc, paused
	}
	return eff, paused
}

// dropOverride deletes an override the file has overtaken.
func (g *Gateway) dropOverride(ctx context.Context, room, key, raw string, o override, now string) {
	g.log.Info("live override dropped: the configuration file's value changed since it was set, and the file wins",
		"room", room, "key", key, "override", o.Value, "file_then", o.File, "file_now", now)
	os, ok := g.store.(queue.OverrideStore)
	if !ok {
		return
	}
	if err := os.DropOverride(ctx, room, key, raw); err != nil {
		g.log.Warn("dropping a live override the file overtook (it is ignored meanwhile)", "room", room, "key", key, "err", err)
	}
}

// syncOverrides reads every room's overrides from the store and rebuilds
// the rooms when any changed: how a change made on one node reaches the
// others. It runs every overrideEvery, and at each Tick.
func (g *Gateway) syncOverrides(ctx context.Context) error {
	os, ok := g.store.(queue.OverrideStore)
	if !ok {
		return nil
	}
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	changed := false
	for _, rc := range g.steer.file.Rooms {
		raw, v, err := os.Overrides(ctx, rc.Name)
		if err != nil {
			return err
		}
		if old := g.steer.ov[rc.Name]; old.version == v && maps.Equal(old.raw, raw) {
			continue
		}
		g.steer.ov[rc.Name] = storedOverrides{version: v, raw: raw}
		changed = true
	}
	if changed {
		g.rebuildLocked(ctx)
	}
	return nil
}

// overrideEvery is how often a node reads the overrides: a change made on
// another node holds here within this, well inside the promised second.
const overrideEvery = 200 * time.Millisecond

// syncOverridesEvery runs syncOverrides until ctx ends, logging when the
// store stops answering and when it answers again. While it fails it
// asks less and less often (up to every overrideBackoff): the rooms' own
// sync keeps trying, and each failed dial here would count towards the
// Redis client's limit of dial errors, past which it stops dialling for a
// while even once Redis is back.
func (g *Gateway) syncOverridesEvery(ctx context.Context) {
	t := time.NewTimer(overrideEvery)
	defer t.Stop()
	wait := overrideEvery
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := g.syncOverrides(ctx)
		switch {
		case err != nil && wait == overrideEvery:
			g.log.Warn("reading live overrides from the store: the last ones read still hold", "err", err)
			wait = time.Second
		case err != nil:
			wait = min(2*wait, overrideBackoff)
		case wait != overrideEvery:
			g.log.Info("reading live overrides works again")
			wait = overrideEvery
		}
		t.Reset(wait)
	}
}

// overrideBackoff is the longest wait between two reads of the overrides
// while the store fails.
const overrideBackoff = 5 * time.Second
