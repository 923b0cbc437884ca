package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmallSoak is the soak at a size CI runs in seconds: both nodes are
// filled as planned, every operation of the load succeeds on both (a poll
// answers, an admitted request reaches the shop, a join gets a ticket, a
// revoke ends a session), and the report has every row. The p99 target is
// for the full size, on a quiet machine: go run ./bench/soak.
func TestSmallSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two nodes")
	}
	bin := filepath.Join(t.TempDir(), "anteroom")
	if err := build(bin); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	plan := Plan{Bin: bin, Big: Size{Tickets: 3000, Active: 300, Ended: 300}, Ops: 100, Rounds: 2, Workers: 8, Log: io.Discard}
	big, empty, err := Run(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Result{big, empty} {
		for _, k := range kinds {
			if got := len(r[k]); got != plan.Ops*plan.Rounds {
				t.Errorf("%s: %d operations measured, want %d", k, got, plan.Ops*plan.Rounds)
			}
		}
	}
	var out bytes.Buffer
	report(&out, plan, big, empty, 1.5)
	for _, k := range kinds {
		if !strings.Contains(out.String(), "| "+k+" |") {
			t.Errorf("report has no row for %s:\n%s", k, out.String())
		}
	}
}

func TestCookieOf(t *testing.T) {
	set := []string{"other=1; Path=/", "anteroom_ticket_sale=; expires=Tue, 10 Nov 2009 23:00:00 GMT", "anteroom_session_sale=abc.def; Max-Age=60; Path=/; HttpOnly"}
	if got := cookieOf(set, "anteroom_session_sale"); got != "anteroom_session_sale=abc.def" {
		t.Errorf("got %q", got)
	}
	if got := cookieOf(set, "anteroom_ticket_sale"); got != "" {
		t.Errorf("a cleared cookie counted: %q", got)
	}
}
