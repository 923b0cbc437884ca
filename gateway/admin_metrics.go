package gateway

import (
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/anteroom/anteroom/queue"
)

// registerMetrics adds to the registry, once per gateway, what /metrics
// shows besides the request path's counters (telemetry.go): each room's
// figures read at the scrape from what its last tick cached (no store
// call, no lock a request takes), the build, and the Go runtime's own.
func (g *Gateway) registerMetrics(version string) {
	g.tele.reg.MustRegister(roomCollector{g}, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo(version))
}

// metricsHandler serves GET /metrics in the Prometheus text format.
func (g *Gateway) metricsHandler() func(*fasthttp.RequestCtx, adminCall) {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(g.tele.reg, promhttp.HandlerOpts{}))
	return func(ctx *fasthttp.RequestCtx, _ adminCall) { h(ctx) }
}

func buildInfo(version string) prometheus.Collector {
	if version == "" {
		version = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "anteroom_build_info",
		Help:        "Always 1; its labels name the running build.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	}, func() float64 { return 1 })
}

// The per-room metrics. Counts marked "this node" are summed over nodes
// for the room's; the others are the room's as the store counts them, the
// same on every node (take max over nodes, not sum).
var (
	descWaiting    = roomDesc("waiting", "Tickets in line still polling (the room's, from the store).")
	descActive     = roomDesc("active_sessions", "Admitted sessions alive (the room's, from the store).")
	descCalled     = roomDesc("called", "Tickets whose turn came and that have not claimed it yet (the room's).")
	descArrivals   = roomDesc("arrivals_total", "Entries into the room on this node: tickets handed out (a new place after a forfeited turn too) and arrivals admitted at once.")
	descAdmissions = prometheus.NewDesc("anteroom_room_admissions_total", "Admissions made by this node, by how: immediate (an arrival let in at once) or claimed (a ticket whose turn came).", []string{"room", "how"}, nil)
	descForfeits   = roomDesc("forfeits_total", "Tickets called and not claimed within claim_window (the room's, from the store).")
	descAbandons   = roomDesc("abandons_total", "Tickets that stopped polling and were skipped when their turn came (the room's, from the store).")
	descLeaves     = roomDesc("leaves_total", "Tickets taken out of the line by their holder (the room's, from the store).")
	descRevokes    = roomDesc("revokes_total", "Sessions the origin ended with X-Anteroom-Command: revoke, on this node.")
	descStockTotal = roomDesc("stock_total", "Units for sale (rooms with inventory only).")
	descStockLeft  = roomDesc("stock_left", "Units nobody holds or has bought.")
	descStockHeld  = roomDesc("stock_holds", "Units held by purchases in progress.")
	descStockSold  = roomDesc("stock_sold", "Units sold (confirmed by the origin).")
	descReleased   = roomDesc("stock_released_total", "Holds returned to stock by the origin's answer, on this node.")
	// Not in the anteroom_room_ family: the name was asked for as it is.
	descExpired   = roomDesc("stock_expired_total", "Holds returned to stock because their time ran out (the room's, from the store).")
	descETA       = roomDesc("eta_seconds", "How long a newcomer would wait now, at the measured admission rate.")
	descRate      = roomDesc("admissions_per_second", "Admissions per second over the last minute (the room's; 0 until ten seconds are measured).")
	descState     = prometheus.NewDesc("anteroom_room_state", "1 for the state the room is in, 0 for the others.", []string{"room", "state"}, nil)
	descStoreUp   = roomDesc("store_up", "1 when the room's last sync with the store worked.")
	descMaxActive = roomDesc("limit_max_active_users", "max_active_users now in force.")
	descPerMinute = roomDesc("limit_new_users_per_minute", "new_users_per_minute now in force.")
	descBurst     = roomDesc("limit_burst", "burst now in force.")
	descSession   = roomDesc("limit_session_duration_seconds", "session_duration now in force.")
	descOpensAt   = roomDesc("opens_at_timestamp_seconds", "opens_at, when set.")
	descClosesAt  = roomDesc("closes_at_timestamp_seconds", "closes_at, when set.")
)

func roomDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("anteroom_room_"+name, help, []string{"room"}, nil)
}

// roomCollector reads every room's figures at scrape time.
type roomCollector struct{ g *Gateway }

func (roomCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descActive, descCalled, descArrivals, descAdmissions,
		descForfeits, descAbandons, descLeaves, descRevokes, descStockTotal, descStockLeft, descStockHeld,
		descStockSold, descReleased, descExpired, descETA, descRate, descState, descStoreUp, descMaxActive, descPerMinute,
		descBurst, descSession, descOpensAt, descClosesAt} {
		ch <- d
	}
}

func (c roomCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.g.roomList() {
		o, ev := r.engine.Overview(), r.engine.Events()
		n := r.name
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, n)
		}
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), n)
		}
		cs := o.Counters
		gauge(descWaiting, float64(cs.Waiting))
		gauge(descActive, float64(cs.Active))
		gauge(descCalled, float64(cs.Called))
		counter(descArrivals, ev.Arrivals)
		ch <- prometheus.MustNewConstMetric(descAdmissions, prometheus.CounterValue, float64(ev.Immediate), n, "immediate")
		ch <- prometheus.MustNewConstMetric(descAdmissions, prometheus.CounterValue, float64(ev.Claimed), n, "claimed")
		counter(descForfeits, cs.Outcomes.Forfeited)
		counter(descAbandons, cs.Outcomes.Abandoned)
		counter(descLeaves, cs.Outcomes.Left)
		counter(descRevokes, ev.Revoked)
		if o.Stocked {
			gauge(descStockTotal, float64(cs.Stock.Units))
			gauge(descStockLeft, float64(max(cs.Stock.Left(), 0)))
			gauge(descStockHeld, float64(cs.Stock.Held))
			gauge(descStockSold, float64(cs.Stock.Sold))
			counter(descReleased, ev.Released)
			counter(descExpired, uint64(cs.Stock.Expired))
		}
		gauge(descETA, float64(o.ETASeconds))
		gauge(descRate, o.AdmittedPerSecond)
		for _, s := range queue.RoomStates {
			v := 0.0
			if s == o.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, v, n, string(s))
		}
		up := 1.0
		if o.Err != nil {
			up = 0
		}
		gauge(descStoreUp, up)
		gauge(descMaxActive, float64(o.Policy.MaxActive))
		gauge(descPerMinute, float64(o.Policy.PerMinute))
		gauge(descBurst, float64(o.Policy.Burst))
		gauge(descSession, o.Policy.SessionTTL.Seconds())
		if t := o.Schedule.OpensAt; !t.IsZero() {
			gauge(descOpensAt, float64(t.Unix()))
		}
		if t := o.Schedule.ClosesAt; !t.IsZero() {
			gauge(descClosesAt, float64(t.Unix()))
		}
	}
}
