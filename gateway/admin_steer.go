package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue"
)

// The operators' hands on a live sale (SPEC's admin section): change a
// room's limits, schedule and stock, pause, resume or close it, clear its
// overrides, reload the file. Every change is an override in the store
// (overrides.go), applied here at once and on every other node within
// overrideEvery, and logs one audit line per key: what, old → new, and
// the address it came from.

// maxPatchBody bounds a PATCH: a few keys.
const maxPatchBody = 4 << 10

// writeJSON answers v as JSON.
func (g *Gateway) writeJSON(ctx *fasthttp.RequestCtx, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		g.jsonError(ctx, fasthttp.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

// change is one key of a room changed through the API.
type change struct {
	key, old, new string
}

// steerAnswer is what every change answers: the room's overrides after
// it, and which wins.
type steerAnswer struct {
	Room       string              `json:"room"`
	Changed    map[string]string   `json:"changed,omitempty"`
	Paused     bool                `json:"paused"`
	Closed     bool                `json:"closed"`
	Stock      *stockAnswer        `json:"stock,omitempty"`
	Overrides  map[string]override `json:"overrides"`
	Precedence string              `json:"precedence"`
}

type stockAnswer struct {
	Total int `json:"total"`
	Left  int `json:"left"`
	Held  int `json:"held"`
	Sold  int `json:"sold"`
}

// patchRoom changes a room's limits, schedule or stock. Every key is
// checked (as the file's would be, with the file's messages) before any
// is applied: a request with one bad key changes nothing.
func (g *Gateway) patchRoom(ctx *fasthttp.RequestCtx, call adminCall) {
	name := call.name
	body := ctx.PostBody()
	if len(body) > maxPatchBody {
		g.jsonError(ctx, fasthttp.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxPatchBody))
		return
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.More() {
		g.jsonError(ctx, fasthttp.StatusBadRequest, `body must be one JSON object of the keys to change, like {"max_active_users": 800}; keys: `+strings.Join(patchKeys, ", "))
		return
	}
	if len(fields) == 0 {
		g.jsonError(ctx, fasthttp.StatusBadRequest, "nothing to change; keys: "+strings.Join(patchKeys, ", "))
		return
	}
	values := make(map[string]string, len(fields))
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		v, err := patchValue(key, fields[key])
		if err != nil {
			problems = append(problems, key+": "+err.Error())
			continue
		}
		values[key] = v
	}
	if len(problems) > 0 {
		g.jsonError(ctx, fasthttp.StatusBadRequest, strings.Join(problems, "; "))
		return
	}
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	i, ok := g.fileRoomLocked(ctx, name)
	if !ok {
		return
	}
	e := g.steer.engines[name]
	if stockV, ok := values[keyStock]; ok {
		n, _ := strconv.Atoi(stockV)
		switch {
		case n < 0:
			problems = append(problems, fmt.Sprintf("stock: must be 0 or more, got %d", n))
		case g.steer.file.Rooms[i].Inventory.Stock == 0:
			problems = append(problems, "stock: this room sells no limited stock (inventory.stock is 0 in the configuration file); set it there and reload")
		}
	}
	// Check the room as it would be, overrides and all.
	cur, _ := g.effectiveLocked(ctx, i)
	next := cur
	for key, v := range values {
		if key != keyStock {
			setValue(&next, key, v)
		}
	}
	_, vproblems := validateRoom(g.steer.file, i, next)
	problems = append(problems, vproblems...)
	if len(problems) > 0 {
		g.jsonError(ctx, fasthttp.StatusUnprocessableEntity, strings.Join(problems, "; "))
		return
	}

	from := ctx.RemoteAddr().String()
	now := time.Now().UTC()
	set := make(map[string]string)
	var changes []change
	for _, key := range slices.Sorted(maps.Keys(values)) {
		if key == keyStock {
			continue
		}
		o := override{Value: values[key], File: fileValue(g.steer.file.Rooms[i], key), At: now, From: from}
		raw, _ := json.Marshal(o)
		set[key] = string(raw)
		changes = append(changes, change{key, fileValue(cur, key), values[key]})
	}
	ans := steerAnswer{Room: name, Changed: make(map[string]string)}
	if len(set) > 0 {
		if !g.writeOverridesLocked(ctx, name, set, nil) {
			return
		}
	}
	if stockV, ok := values[keyStock]; ok {
		n, _ := strconv.Atoi(stockV)
		before, _ := e.Counters()
		s, err := g.store.SetStock(ctx, name, n, g.now())
		if err != nil {
			g.jsonError(ctx, fasthttp.StatusServiceUnavailable, err.Error()+" (the other keys, if any, were applied)")
			return
		}
		old := "unset"
		if before.Stock.Set {
			old = strconv.Itoa(before.Stock.Units)
		}
		changes = append(changes, change{keyStock, old, stockV})
		ans.Stock = &stockAnswer{Total: s.Units, Left: s.Left(), Held: s.Held, Sold: s.Sold}
	}
	for _, c := range changes {
		g.audit(name, c, from)
		ans.Changed[c.key] = c.new
	}
	g.answerLocked(ctx, &ans)
}

// patchValue reads one PATCH key into an override's canonical form. Whole
// numbers come as JSON numbers or strings holding one (the CLI sends
// strings), durations as Go durations ("10m"), times as RFC 3339, or null
// or "" to unset.
func patchValue(key string, raw json.RawMessage) (string, error) {
	var s string
	isString := json.Unmarshal(raw, &s) == nil
	switch key {
	case keyMaxActive, keyPerMinute, keyBurst, keyStock:
		if !isString {
			s = string(raw)
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return "", fmt.Errorf("must be a whole number, got %s", raw)
		}
		return strconv.Itoa(n), nil
	case keySession:
		d, err := time.ParseDuration(s)
		if !isString || err != nil {
			return "", fmt.Errorf(`must be a duration like "10m" or "90s", got %s`, raw)
		}
		return d.String(), nil
	case keyOpensAt, keyClosesAt:
		if string(raw) == "null" || (isString && s == "") {
			return "", nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if !isString || err != nil {
			return "", fmt.Errorf(`must be an RFC 3339 time like "2026-11-27T09:00:00Z", or null to unset, got %s`, raw)
		}
		return timeValue(t), nil
	}
	return "", fmt.Errorf("not a key a change takes; keys: %s", strings.Join(patchKeys, ", "))
}

// roomCommand pauses, resumes or closes a room. Pause: nobody new is
// admitted (tickets keep their place, sessions keep working, a ticket
// already called may still claim within its window). Close: closes_at
// becomes now, so the room takes no new arrivals and serves its line.
// Resume lifts a pause, and a close made through the API.
// roomCommand is the handler of POST /api/v1/rooms/{name}/VERB.
func (g *Gateway) roomCommand(verb string) func(*fasthttp.RequestCtx, adminCall) {
	return func(ctx *fasthttp.RequestCtx, call adminCall) { g.roomVerb(ctx, call.name, verb) }
}

func (g *Gateway) roomVerb(ctx *fasthttp.RequestCtx, name, verb string) {
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	i, ok := g.fileRoomLocked(ctx, name)
	if !ok {
		return
	}
	from := ctx.RemoteAddr().String()
	now := time.Now().UTC()
	file := g.steer.file.Rooms[i]
	cur, paused := g.effectiveLocked(ctx, i)
	set := make(map[string]string)
	var del []string
	var changes []change
	mark := func(key, value, fileV, old string) {
		raw, _ := json.Marshal(override{Value: value, File: fileV, At: now, From: from})
		set[key] = string(raw)
		changes = append(changes, change{key, old, value})
	}
	switch verb {
	case "pause":
		mark(keyPaused, "true", "", strconv.FormatBool(paused))
	case "resume":
		if paused {
			del = append(del, keyPaused)
			changes = append(changes, change{keyPaused, "true", "false"})
		}
		// A close made through the API is lifted too; one the file
		// schedules stays (change closes_at for that).
		if _, ok := g.steer.ov[name].raw[keyClosesAt]; ok && !cur.ClosesAt.IsZero() && !cur.ClosesAt.After(g.now()) {
			del = append(del, keyClosesAt)
			changes = append(changes, change{keyClosesAt, timeValue(cur.ClosesAt), fileValue(file, keyClosesAt)})
		}
	case "close":
		at := g.now().UTC().Truncate(time.Second)
		if !cur.OpensAt.IsZero() && !cur.OpensAt.Before(at) {
			// closes_at must come after opens_at: a room not yet open
			// closes by opening now and closing at once.
			g.jsonError(ctx, fasthttp.StatusUnprocessableEntity, fmt.Sprintf("the room opens at %s; to close it before it opens, set opens_at and closes_at with PATCH", timeValue(cur.OpensAt)))
			return
		}
		mark(keyClosesAt, timeValue(at), fileValue(file, keyClosesAt), timeValue(cur.ClosesAt))
	}
	if len(set) > 0 || len(del) > 0 {
		if !g.writeOverridesLocked(ctx, name, set, del) {
			return
		}
	}
	ans := steerAnswer{Room: name, Changed: make(map[string]string)}
	for _, c := range changes {
		g.audit(name, c, from)
		ans.Changed[c.key] = c.new
	}
	g.answerLocked(ctx, &ans)
}

// getOverrides lists a room's overrides.
func (g *Gateway) getOverrides(ctx *fasthttp.RequestCtx, call adminCall) {
	name := call.name
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	if _, ok := g.fileRoomLocked(ctx, name); !ok {
		return
	}
	g.answerLocked(ctx, &steerAnswer{Room: name})
}

// clearOverrides deletes every override of a room: the file's values hold
// again, and a pause is lifted.
func (g *Gateway) clearOverrides(ctx *fasthttp.RequestCtx, call adminCall) {
	name := call.name
	g.steer.mu.Lock()
	defer g.steer.mu.Unlock()
	i, ok := g.fileRoomLocked(ctx, name)
	if !ok {
		return
	}
	raw := g.steer.ov[name].raw
	keys := slices.Sorted(maps.Keys(raw))
	from := ctx.RemoteAddr().String()
	if len(keys) > 0 && !g.writeOverridesLocked(ctx, name, nil, keys) {
		return
	}
	ans := steerAnswer{Room: name, Changed: make(map[string]string)}
	for _, key := range keys {
		var o override
		json.Unmarshal([]byte(raw[key]), &o)
		c := change{key, o.Value, fileValue(g.steer.file.Rooms[i], key)}
		if key == keyPaused {
			c.new = "false"
		}
		g.audit(name, c, from)
		ans.Changed[key] = c.new
	}
	g.answerLocked(ctx, &ans)
}

// fileRoomLocked finds a room of the file by name, answering 404 when
// there is none.
func (g *Gateway) fileRoomLocked(ctx *fasthttp.RequestCtx, name string) (int, bool) {
	for i, rc := range g.steer.file.Rooms {
		if rc.Name == name {
			return i, true
		}
	}
	g.jsonError(ctx, fasthttp.StatusNotFound, fmt.Sprintf("no room %q; rooms: %s", name, strings.Join(roomNames(g.steer.file), ", ")))
	return 0, false
}

// writeOverridesLocked writes a room's overrides to the store and applies
// them here at once; on failure it answers 503 and reports false.
func (g *Gateway) writeOverridesLocked(ctx context.Context, name string, set map[string]string, del []string) bool {
	os, ok := g.store.(queue.OverrideStore)
	var err error
	if !ok {
		err = errors.New("this store keeps no live overrides")
	} else if _, err = os.SetOverrides(ctx, name, set, del); err == nil {
		var raw map[string]string
		var v uint64
		if raw, v, err = os.Overrides(ctx, name); err == nil {
			g.steer.ov[name] = storedOverrides{version: v, raw: raw}
			g.rebuildLocked(ctx)
		}
	}
	if err != nil {
		if rc, ok := ctx.(*fasthttp.RequestCtx); ok {
			g.jsonError(rc, fasthttp.StatusServiceUnavailable, "the change was not saved: "+err.Error())
		}
		return false
	}
	return true
}

// answerLocked fills in the room's overrides and state, and answers.
func (g *Gateway) answerLocked(ctx *fasthttp.RequestCtx, ans *steerAnswer) {
	ans.Overrides = make(map[string]override)
	for key, raw := range g.steer.ov[ans.Room].raw {
		var o override
		if json.Unmarshal([]byte(raw), &o) == nil {
			ans.Overrides[key] = o
		}
	}
	if e := g.steer.engines[ans.Room]; e != nil {
		ans.Paused, ans.Closed = e.Paused(), e.Closed()
	}
	ans.Precedence = fmt.Sprintf(overridesNote, ans.Room)
	g.writeJSON(ctx, fasthttp.StatusOK, ans)
}

// audit logs one change: what, old → new, from where.
func (g *Gateway) audit(room string, c change, from string) {
	g.log.Info("admin change", "room", room, "what", c.key, "old", c.old, "new", c.new, "from", from)
}

// reloadHandler is POST /api/v1/reload.
func (g *Gateway) reloadHandler(ctx *fasthttp.RequestCtx, _ adminCall) {
	if err := g.Reload(ctx, "POST /api/v1/reload from "+ctx.RemoteAddr().String()); err != nil {
		code := fasthttp.StatusUnprocessableEntity
		if errors.Is(err, ErrNoSource) {
			code = fasthttp.StatusNotImplemented
		}
		g.jsonError(ctx, code, err.Error())
		return
	}
	g.writeJSON(ctx, fasthttp.StatusOK, map[string]any{"reloaded": true, "rooms": g.Rooms()})
}
