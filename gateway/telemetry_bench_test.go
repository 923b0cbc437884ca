package gateway

import (
	"testing"
	"time"
)

// BenchmarkTelemetryProxied is what counting adds to each proxied request:
// a clock read, a histogram observation and a counter add. Compare it
// with BenchmarkSessionCheck, the whole admitted request, or run that
// with and without -tags nometrics.
func BenchmarkTelemetryProxied(b *testing.B) {
	t := newTelemetry()
	b.ReportAllocs()
	for b.Loop() {
		t.proxied(originStart())
	}
}

func TestTelemetryProxiedCounts(t *testing.T) {
	if !metricsOn {
		t.Skip("built with -tags nometrics: nothing is counted")
	}
	tl := newTelemetry()
	tl.proxied(time.Now().Add(-30 * time.Millisecond))
	fams, err := tl.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, f := range fams {
		switch f.GetName() {
		case "anteroom_origin_request_duration_seconds":
			h := f.GetMetric()[0].GetHistogram()
			if h.GetSampleCount() != 1 || h.GetSampleSum() < 0.03 {
				t.Errorf("origin latency: %d samples, sum %v; want 1 of at least 30 ms", h.GetSampleCount(), h.GetSampleSum())
			}
			seen++
		case "anteroom_requests_total":
			for _, m := range f.GetMetric() {
				if m.GetLabel()[0].GetValue() == "proxied" && m.GetCounter().GetValue() != 1 {
					t.Errorf("proxied: %v, want 1", m.GetCounter().GetValue())
				}
			}
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("found %d of the 2 metrics", seen)
	}
}
