package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue/memstore"
)

// logLines returns the lines of logs that contain every one of words.
func logLines(logs string, words ...string) []string {
	var out []string
	for l := range strings.Lines(logs) {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

func TestLogLimitsAtStart(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := stockConfig(o.URL, 7)
	cfg.Rooms[0].OpensAt = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	g.LogLimits()
	rc := cfg.Rooms[0]
	lines := logLines(g.logs.String(), "room limits", "room=shop")
	if len(lines) != 1 {
		t.Fatalf("room limits lines: %q, want one", lines)
	}
	for _, kv := range []string{fmt.Sprint("max_active_users=", rc.MaxActiveUsers),
		fmt.Sprint("new_users_per_minute=", rc.NewUsersPerMinute), fmt.Sprint("burst=", rc.Burst),
		"session_duration=" + rc.SessionDuration.String(), "claim_window=" + rc.ClaimWindow.String(),
		"abandon_after=" + rc.AbandonAfter.String(), "opens_at=2026-11-27T10:00:00Z", "stock=7"} {
		if !strings.Contains(lines[0], kv) {
			t.Errorf("room limits line lacks %s: %s", kv, lines[0])
		}
	}
}

// TestSummaryEveryMinuteWhileBusy: one line per room per minute while
// anything happens, none while nothing does.
func TestSummaryEveryMinuteWhileBusy(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 2
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	ctx := context.Background()
	g.logMinute()
	if lines := logLines(g.logs.String(), "room summary"); len(lines) != 0 {
		t.Fatalf("an empty room logged a summary: %q", lines)
	}
	var ss []*shopper
	for range 5 {
		s := newShopper(t)
		s.get(g.URL + "/item")
		ss = append(ss, s)
	}
	g.clock.Advance(time.Second)
	g.Tick(ctx)
	g.logMinute()
	lines := logLines(g.logs.String(), "room summary")
	if len(lines) != 1 {
		t.Fatalf("summaries after a crowd: %q, want one", lines)
	}
	for _, kv := range []string{"room=shop", "state=open", "waiting=3", "active=2", "called=0", "admitted_per_minute=", "eta_seconds="} {
		if !strings.Contains(lines[0], kv) {
			t.Errorf("summary lacks %s: %s", kv, lines[0])
		}
	}
	// Everyone leaves; the minute after, nothing happens: no line.
	for _, s := range ss {
		leaveRoom(s, g.URL)
	}
	g.clock.Advance(time.Second)
	g.Tick(ctx)
	g.logMinute() // the minute they left in
	before := len(logLines(g.logs.String(), "room summary"))
	g.clock.Advance(time.Minute)
	g.Tick(ctx)
	g.logMinute()
	if after := len(logLines(g.logs.String(), "room summary")); after != before {
		t.Errorf("a quiet room logged a summary: %q", logLines(g.logs.String(), "room summary")[before:])
	}
}

// TestErrorLogFirstThenCount: the first error of a run is written at once,
// the rest as one count a minute; a quiet minute ends the run.
func TestErrorLogFirstThenCount(t *testing.T) {
	var buf bytes.Buffer
	e := newErrorLog(slog.New(slog.NewTextHandler(&buf, nil)))
	for i := range 5 {
		e.note("origin", errors.New("dial tcp 127.0.0.1:3000: connection refused #"+string(rune('0'+i))))
	}
	if lines := logLines(buf.String(), "origin failed"); len(lines) != 1 || !strings.Contains(lines[0], "#0") {
		t.Fatalf("after 5 errors: %q, want the first one only", lines)
	}
	e.flush()
	lines := logLines(buf.String(), "origin failed again")
	if len(lines) != 1 || !strings.Contains(lines[0], "count_last_minute=4") || !strings.Contains(lines[0], "#4") {
		t.Fatalf("after a minute: %q, want one line counting 4, with the last error", lines)
	}
	e.flush() // a quiet minute: nothing, and the run ends
	if n := len(logLines(buf.String(), "origin failed")); n != 2 {
		t.Errorf("a quiet minute wrote a line: %d lines, want 2", n)
	}
	e.note("origin", errors.New("again #9"))
	if lines := logLines(buf.String(), "origin failed", "#9"); len(lines) != 1 {
		t.Errorf("the first error of a new run was not written at once: %q", buf.String())
	}
}

// TestStoreErrorsRateLimited: a store that is down is logged once per
// operation, then counted once a minute.
func TestStoreErrorsRateLimited(t *testing.T) {
	o := newOrigin(t, nil)
	store := &flakyStore{Store: memstore.New()}
	g := startGatewayWith(t, testConfig(o.URL), store, nil, noWatch)
	store.down.Store(true)
	for range 4 {
		g.clock.Advance(time.Second)
		g.Tick(context.Background())
	}
	// The rooms' own sync may call Advance besides the four ticks, and may
	// be the first to fail: its line can come a moment after the ticks.
	var first []string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		first = logLines(g.logs.String(), "store advance failed", errStoreDown.Error())
		if len(first) != 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(first) != 1 {
		t.Fatalf("store advance errors logged at once: %d lines, want 1:\n%s", len(first), g.logs.String())
	}
	g.logMinute()
	// Every failed call after the first is counted, none twice: at least
	// the three later ticks', at most every failure the store saw.
	again := logLines(g.logs.String(), "store advance failed again")
	failed := store.failedAdvances.Load()
	if len(again) != 1 {
		t.Fatalf("want one line counting the later errors, got %d:\n%s", len(again), g.logs.String())
	}
	var counted int64
	at := strings.Index(again[0], "count_last_minute=")
	if at < 0 {
		t.Fatalf("no count in %q", again[0])
	}
	if _, err := fmt.Sscanf(again[0][at:], "count_last_minute=%d", &counted); err != nil {
		t.Fatalf("no count in %q: %v", again[0], err)
	}
	if counted < 3 || counted > failed-1 {
		t.Errorf("counted %d later errors; want from 3 (the later ticks) to %d (every failure but the first)", counted, failed-1)
	}
}

// TestClientLimitWarning: one address refused often by the per-client
// limit earns a warning that points at trusted_proxies; one refused a
// few times does not.
func TestClientLimitWarning(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Limits.PerClient.RPS, cfg.Limits.PerClient.Burst = 1, 1
	g := startGatewayWith(t, cfg, nil, nil, noWatch)
	s := newShopper(t)
	for range limitedWarn + 5 {
		s.get(g.URL + "/static/x")
	}
	g.logMinute()
	lines := logLines(g.logs.String(), "keeps hitting the per-client limit")
	if len(lines) != 1 || !strings.Contains(lines[0], "addr=127.0.0.1") || !strings.Contains(lines[0], "trusted_proxies") ||
		!strings.Contains(lines[0], "refused_last_minute=64") {
		t.Fatalf("warning: %q, want one naming 127.0.0.1, 64 refusals and trusted_proxies", lines)
	}
	g.logMinute() // a new minute, no refusals: no warning
	if n := len(logLines(g.logs.String(), "keeps hitting")); n != 1 {
		t.Errorf("warnings after a quiet minute: %d, want still 1", n)
	}

	var l limitedClients
	var buf bytes.Buffer
	few, many := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	for range limitedWarn - 1 {
		l.note(few)
	}
	for range limitedWarn {
		l.note(many)
	}
	l.flush(slog.New(slog.NewTextHandler(&buf, nil)), false)
	if strings.Contains(buf.String(), "10.0.0.1") || !strings.Contains(buf.String(), "10.0.0.2") {
		t.Errorf("warned about %q; want 10.0.0.2 only (10.0.0.1 was refused %d times, under %d)", buf.String(), limitedWarn-1, limitedWarn)
	}
}
