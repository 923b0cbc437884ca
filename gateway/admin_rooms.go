package gateway

import (
	"math"
	"time"

	"github.com/valyala/fasthttp"
)

// roomJSON is a room in the admin API (GET /api/v1/rooms[/{name}]). The
// figures are the room's across every node, as the store counts them,
// except arrivals, counted by the node answering (sum the nodes' for the
// room's). anteroom rooms (the CLI) reads this shape.
type roomJSON struct {
	Name              string     `json:"name"`
	State             string     `json:"state"`
	Waiting           int        `json:"waiting"`
	Active            int        `json:"active"`
	Called            int        `json:"called"`
	Arrivals          uint64     `json:"arrivals"`
	Admitted          uint64     `json:"admitted"`
	Forfeited         uint64     `json:"forfeited"`
	Abandoned         uint64     `json:"abandoned"`
	Left              uint64     `json:"left"`
	AdmittedPerMinute float64    `json:"admitted_per_minute"`
	ETASeconds        int        `json:"eta_seconds"`
	Limits            limitsJSON `json:"limits"`
	Stock             *stockJSON `json:"stock,omitempty"`
	// StoreError is the store's last failure, when the last sync failed:
	// the figures are then as of the last one that worked.
	StoreError string `json:"store_error,omitempty"`
}

type limitsJSON struct {
	MaxActiveUsers    int    `json:"max_active_users"`
	NewUsersPerMinute int    `json:"new_users_per_minute"`
	Burst             int    `json:"burst"`
	SessionDuration   string `json:"session_duration"`
	OpensAt           string `json:"opens_at,omitempty"`
	ClosesAt          string `json:"closes_at,omitempty"`
}

type stockJSON struct {
	Total int `json:"total"`
	Left  int `json:"left"`
	Held  int `json:"held"`
	Sold  int `json:"sold"`
}

func roomView(r *room) roomJSON {
	o := r.engine.Overview()
	c := o.Counters
	v := roomJSON{
		Name:              r.name,
		State:             string(o.State),
		Waiting:           c.Waiting,
		Active:            c.Active,
		Called:            c.Called,
		Arrivals:          r.engine.Events().Arrivals,
		Admitted:          c.Admitted,
		Forfeited:         c.Outcomes.Forfeited,
		Abandoned:         c.Outcomes.Abandoned,
		Left:              c.Outcomes.Left,
		AdmittedPerMinute: math.Round(o.AdmittedPerSecond*60*10) / 10,
		ETASeconds:        o.ETASeconds,
		Limits: limitsJSON{
			MaxActiveUsers:    o.Policy.MaxActive,
			NewUsersPerMinute: o.Policy.PerMinute,
			Burst:             o.Policy.Burst,
			SessionDuration:   o.Policy.SessionTTL.String(),
			OpensAt:           rfc3339(o.Schedule.OpensAt),
			ClosesAt:          rfc3339(o.Schedule.ClosesAt),
		},
	}
	if o.Stocked {
		s := c.Stock
		v.Stock = &stockJSON{Total: s.Units, Left: max(s.Left(), 0), Held: s.Held, Sold: s.Sold}
	}
	if o.Err != nil {
		v.StoreError = o.Err.Error()
	}
	return v
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// roomNamed returns the configured room called name, or nil.
func (g *Gateway) roomNamed(name string) *room {
	for _, r := range g.roomList() {
		if r.name == name {
			return r
		}
	}
	return nil
}

// adminRoom answers 404 naming the room when there is none by that name.
func (g *Gateway) adminRoom(ctx *fasthttp.RequestCtx, name string) *room {
	r := g.roomNamed(name)
	if r == nil {
		adminError(ctx, fasthttp.StatusNotFound, "no room named "+quoteName(name)+"; GET /api/v1/rooms lists them")
	}
	return r
}

// quoteName quotes a name from the request for an error message, cut
// short so that a huge one does not come back whole.
func quoteName(s string) string {
	const most = 64
	if len(s) > most {
		s = s[:most] + "…"
	}
	return `"` + s + `"`
}

// apiRooms: GET /api/v1/rooms.
func (g *Gateway) apiRooms(ctx *fasthttp.RequestCtx, _ adminCall) {
	rooms := make([]roomJSON, 0, len(g.roomList()))
	for _, r := range g.roomList() {
		rooms = append(rooms, roomView(r))
	}
	adminJSON(ctx, fasthttp.StatusOK, struct {
		Rooms []roomJSON `json:"rooms"`
	}{rooms})
}

// apiRoom: GET /api/v1/rooms/{name}.
func (g *Gateway) apiRoom(ctx *fasthttp.RequestCtx, c adminCall) {
	if r := g.adminRoom(ctx, c.name); r != nil {
		adminJSON(ctx, fasthttp.StatusOK, roomView(r))
	}
}

// apiHistory: GET /api/v1/rooms/{name}/history, the last 30 minutes in
// columns, as charts take them.
func (g *Gateway) apiHistory(ctx *fasthttp.RequestCtx, c adminCall) {
	if r := g.adminRoom(ctx, c.name); r != nil {
		adminJSON(ctx, fasthttp.StatusOK, g.history.of(r.name).columns(r.name))
	}
}
