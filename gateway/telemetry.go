package gateway

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// telemetry holds what the request path counts for /metrics. Every count
// there is one atomic add on a counter resolved at start-up, and the origin
// latency one histogram observation; the room figures are read at scrape
// time instead (admin_metrics.go).
type telemetry struct {
	reg           *prometheus.Registry
	requests      [numOutcomes]prometheus.Counter
	originLatency prometheus.Histogram
	originErrors  [numOriginErrors]prometheus.Counter
	storeLatency  *prometheus.HistogramVec
	storeErrors   *prometheus.CounterVec
	clientLimited prometheus.Counter
}

// outcome is how the gateway answered a request, for
// anteroom_requests_total{outcome}.
type outcome int

const (
	outProxied outcome = iota // the origin answered (whatever its status)
	outPage                   // the waiting page (or its JSON)
	outStatus                 // a poll of /.anteroom/status
	outLimited                // 429: the per-client limit
	outBusy                   // 503: the origin limit, a busy pool, the store down
	outBadGW                  // 502: the origin could not be reached
	outTimeout                // 504: the origin was too slow
	outRefused                // any other 4xx of ours: a malformed or refused request
	outError                  // any other 5xx of ours
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"proxied", "page", "status", "429", "503", "502", "504", "4xx_refused", "5xx_other"}

// The ways a round trip to the origin fails.
const (
	originTimeout = iota
	originUnreachable
	originBusy
	numOriginErrors
)

var originErrorNames = [numOriginErrors]string{"timeout", "unreachable", "no_free_connection"}

func newTelemetry() *telemetry {
	t := &telemetry{reg: prometheus.NewRegistry()}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "anteroom_requests_total",
		Help: "Requests answered on the public listener, by outcome: proxied (the origin answered), page (the waiting page), status (a waiting page's poll), 429, 503, 502, 504 (the gateway's own answers), 4xx_refused, 5xx_other.",
	}, []string{"outcome"})
	for o, name := range outcomeNames {
		t.requests[o] = requests.WithLabelValues(name)
	}
	t.originLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "anteroom_origin_request_duration_seconds",
		Help:    "Time from sending a request to the origin to its answer's header.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	originErrors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "anteroom_origin_errors_total",
		Help: "Round trips to the origin that failed, by reason: timeout (504), unreachable (502), no_free_connection (503, every origin connection stayed busy).",
	}, []string{"reason"})
	for e, name := range originErrorNames {
		t.originErrors[e] = originErrors.WithLabelValues(name)
	}
	t.storeLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "anteroom_store_call_duration_seconds",
		Help:    "Time of each call to the queue store, by operation.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	}, []string{"operation"})
	t.storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "anteroom_store_errors_total",
		Help: "Calls to the queue store that failed (not its answers such as sold out), by operation.",
	}, []string{"operation"})
	t.clientLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "anteroom_client_limited_total",
		Help: "Requests refused with 429 by the per-client limit (limits.per_client).",
	})
	t.reg.MustRegister(requests, t.originLatency, originErrors, t.storeLatency, t.storeErrors, t.clientLimited)
	return t
}

// count notes one request's outcome.
func (t *telemetry) count(o outcome) {
	if metricsOn {
		t.requests[o].Inc()
	}
}

// proxied notes a request the origin answered, begun at start.
func (t *telemetry) proxied(start time.Time) {
	if metricsOn {
		t.originLatency.Observe(time.Since(start).Seconds())
		t.requests[outProxied].Inc()
	}
}

// countCode notes an answer of the gateway's own by its status code.
func (t *telemetry) countCode(code int) {
	if !metricsOn {
		return
	}
	switch {
	case code == 429:
		t.count(outLimited)
	case code == 503:
		t.count(outBusy)
	case code == 502:
		t.count(outBadGW)
	case code == 504:
		t.count(outTimeout)
	case code >= 400 && code < 500:
		t.count(outRefused)
	case code >= 500:
		t.count(outError)
	}
}
