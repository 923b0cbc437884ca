package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs /metrics and parses it as Prometheus does.
func (a *adminClient) scrape() map[string]*dto.MetricFamily {
	a.t.Helper()
	code, h, body := a.call("GET", "/metrics", "Bearer s3cret")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		a.t.Fatalf("GET /metrics: %d %s", code, h.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		a.t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// metricValue is the value of the sample of name whose labels include
// labels (name=value pairs); ok is false when there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsAddUp: after a crowd where shoppers are admitted at once,
// claim their turn, leave, stop polling or miss their turn, the scraped
// counters account for every arrival:
// arrivals = admitted + waiting + forfeited + abandoned + left.
func TestMetricsAddUp(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	rc := &cfg.Rooms[0]
	rc.MaxActiveUsers, rc.ClaimWindow, rc.AbandonAfter = 3, 10*time.Second, 30*time.Second
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	ctx := context.Background()
	tick := func(d time.Duration) {
		g.clock.Advance(d)
		g.Tick(ctx)
	}
	poll := func(ss ...*shopper) []string {
		var states []string
		for _, s := range ss {
			_, body := s.get(g.URL+"/.anteroom/status?room=shop", "Accept", "application/json")
			states = append(states, body)
		}
		return states
	}

	in := make([]*shopper, 3) // admitted at once: the room is empty
	for i := range in {
		in[i] = newShopper(t)
		if _, body := in[i].get(g.URL + "/item"); !isShopPage(body) {
			t.Fatalf("arrival %d into an empty room was not let in", i)
		}
	}
	line := make([]*shopper, 9) // tickets 1..9
	for i := range line {
		line[i] = newShopper(t)
		if _, body := line[i].get(g.URL + "/item"); isShopPage(body) {
			t.Fatalf("arrival into a full room was let in")
		}
	}
	tick(time.Second)
	leaveRoom(line[0], g.URL) // 1 leaves
	// 2 and 3 stop polling; 4..9 poll every 10 s for 40 s.
	for range 4 {
		tick(10 * time.Second)
		poll(line[3:]...)
	}
	for _, s := range in { // the first three leave: 4, 5 and 6 are called
		leaveRoom(s, g.URL)
	}
	tick(time.Second)
	poll(line[3], line[5]) // 4 and 6 claim; 5 never comes back
	poll(line[6:]...)
	tick(rc.ClaimWindow + time.Second) // 5 forfeits: 7 is called
	poll(line[6:]...)                  // 7 claims
	tick(time.Second)

	a := startAdmin(t, g, "s3cret")
	fams := a.scrape()
	v := func(name string, labels ...string) float64 {
		t.Helper()
		x, ok := metricValue(fams, name, append([]string{"room", "shop"}, labels...)...)
		if !ok {
			t.Fatalf("%s%v: not in /metrics", name, labels)
		}
		return x
	}
	arrivals := v("anteroom_room_arrivals_total")
	immediate := v("anteroom_room_admissions_total", "how", "immediate")
	claimed := v("anteroom_room_admissions_total", "how", "claimed")
	waiting := v("anteroom_room_waiting")
	called := v("anteroom_room_called")
	forfeits := v("anteroom_room_forfeits_total")
	abandons := v("anteroom_room_abandons_total")
	leaves := v("anteroom_room_leaves_total")
	got := [...]float64{arrivals, immediate, claimed, waiting, called, forfeits, abandons, leaves}
	want := [...]float64{12, 3, 3, 2, 0, 1, 2, 1}
	if got != want {
		t.Errorf("arrivals, immediate, claimed, waiting, called, forfeits, abandons, leaves:\n got %v\nwant %v", got, want)
	}
	if sum := immediate + claimed + waiting + forfeits + abandons + leaves; sum != arrivals {
		t.Errorf("admitted %v + waiting %v + forfeited %v + abandoned %v + left %v = %v, want arrivals %v",
			immediate+claimed, waiting, forfeits, abandons, leaves, sum, arrivals)
	}
	if active := v("anteroom_room_active_sessions"); active != 3 {
		t.Errorf("active sessions: %v, want 3 (4, 6 and 7)", active)
	}
	if s := v("anteroom_room_state", "state", "open"); s != 1 {
		t.Errorf("state open: %v, want 1", s)
	}
	if s := v("anteroom_room_state", "state", "paused"); s != 0 {
		t.Errorf("state paused: %v, want 0", s)
	}
	if m := v("anteroom_room_limit_max_active_users"); m != 3 {
		t.Errorf("limit_max_active_users: %v, want 3", m)
	}
	// The request path's own counts.
	proxied, _ := metricValue(fams, "anteroom_requests_total", "outcome", "proxied")
	pages, _ := metricValue(fams, "anteroom_requests_total", "outcome", "page")
	polls, _ := metricValue(fams, "anteroom_requests_total", "outcome", "status")
	if proxied != 3 || pages != 9 || polls < 20 {
		t.Errorf("requests: proxied %v, page %v, status %v; want 3, 9 and every poll", proxied, pages, polls)
	}
	if n, ok := metricValue(fams, "anteroom_origin_request_duration_seconds"); !ok || n != 3 {
		t.Errorf("origin latency observations: %v, want 3", n)
	}
	if n, ok := metricValue(fams, "anteroom_store_call_duration_seconds", "operation", "join"); !ok || n != 9 {
		t.Errorf("store join calls timed: %v, want 9", n)
	}
	if _, ok := metricValue(fams, "anteroom_build_info"); !ok {
		t.Error("anteroom_build_info missing")
	}
	for name, f := range fams {
		if !strings.HasPrefix(name, "anteroom_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %s: not named anteroom_*", name)
		}
		if f.GetType() == dto.MetricType_COUNTER && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
	}
}

// TestMetricsCountGatewayAnswers: the gateway's own errors are counted by
// outcome, and origin failures by reason.
func TestMetricsCountGatewayAnswers(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Limits.PerClient.RPS, cfg.Limits.PerClient.Burst = 1, 2
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	s := newShopper(t)
	for range 5 {
		s.get(g.URL + "/static/x") // bypass: proxied, then 429s
	}
	o.Close() // the origin goes away
	g.clock.Advance(time.Minute)
	s.get(g.URL + "/static/x")
	fams := startAdmin(t, g, "s3cret").scrape()
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"anteroom_requests_total", "outcome", "proxied", 2},
		{"anteroom_requests_total", "outcome", "429", 3},
		{"anteroom_requests_total", "outcome", "502", 1},
		{"anteroom_origin_errors_total", "reason", "unreachable", 1},
		{"anteroom_client_limited_total", "", "", 3},
	} {
		var labels []string
		if c.label != "" {
			labels = []string{c.label, c.value}
		}
		if got, _ := metricValue(fams, c.name, labels...); got != c.want {
			t.Errorf("%s{%s=%q}: got %v, want %v", c.name, c.label, c.value, got, c.want)
		}
	}
	if !strings.Contains(g.logs.String(), "origin failed") {
		t.Errorf("the origin's first error was not logged: %s", g.logs.String())
	}
}
