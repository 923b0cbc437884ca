package gateway

import (
	"bufio"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/token"
)

// BenchmarkTelemetryProxied is what counting adds to each proxied request:
// a clock read, a histogram observation and a counter add. Compare it
// with BenchmarkSessionCheck, the whole admitted request, or run that
// with and without -tags nometrics.
func BenchmarkTelemetryProxied(b *testing.B) {
	t := newTelemetry()
	b.ReportAllocs()
	for b.Loop() {
		t.proxied(time.Now())
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

// BenchmarkAdmittedCPU is BenchmarkSessionCheck (memory store) reporting
// the process's CPU time per request as well (cpu-ns/op): on a machine
// shared with other work the wall time per request mostly measures the
// others, the CPU time far less. Run with and without -tags nometrics to
// see what counting costs an admitted request.
func BenchmarkAdmittedCPU(b *testing.B) {
	g := benchGatewayOn(b, 1000, memstore.New())
	now := time.Now()
	tok, err := g.keys.Load().ring.SignSession(token.Session{Room: "shop", ID: "0123456789abcdef0123456789abcdef", IssuedAt: now, Expires: now.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	var req fasthttp.Request
	raw := "GET /item HTTP/1.1\r\nHost: shop.test\r\nCookie: lang=en; anteroom_session_shop=" + tok + "\r\n\r\n"
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		b.Fatal(err)
	}
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, benchAddr, nil)
	b.ReportAllocs()
	before := cpuTime()
	n := 0
	for b.Loop() {
		serveOnce(g, &ctx, &req)
		n++
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(n), "cpu-ns/op")
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("got %d", ctx.Response.StatusCode())
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
