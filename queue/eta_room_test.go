package queue

import (
	"testing"
	"time"
)

// TestEstimate: the figures a waiting shopper is shown, worked out by hand
// from the model of eta.go.
func TestEstimate(t *testing.T) {
	rateBound := with(shop, func(p *Policy) { p.PerMinute, p.MaxActive = 60, 1000 })
	full := with(shop, func(p *Policy) { p.PerMinute = 60 }) // 5 slots, sessions of 1 min
	line := Counters{Issued: 20, Serving: 10, Waiting: 10}
	cases := []struct {
		name            string
		policy          Policy
		pos, line       uint64
		c               Counters
		view            etaView
		ahead           uint64
		lo, hi, percent int
	}{
		// 1 s a place at 60 a minute; prior spread 0.75–1.35, ±2–3 s.
		{"next in line", rateBound, 11, 0, line, etaView{}, 0, 0, 5, 90},
		{"all polling", rateBound, 20, 0, line, etaView{}, 9, 5, 17, 50},
		{"progress from the ticket's line", rateBound, 20, 5, line, etaView{}, 9, 5, 17, 33},
		{"half gone", rateBound, 20, 0, Counters{Issued: 20, Serving: 10, Waiting: 5}, etaView{}, 4, 2, 11, 50},
		{"fewer places admitted than poll", rateBound, 20, 0, line, etaView{perPos: 0.5}, 9, 2, 11, 50},
		{"spread learnt", rateBound, 20, 0, line, etaView{learnt: true, low: 0.8, high: 1.3}, 9, 6, 16, 50},
		// Full: one place frees every life/5 s; prior life 60+2+30 s,
		// prior spread 0.6–1.6.
		{"full, life guessed", full, 20, 0, Counters{Issued: 20, Serving: 10, Waiting: 10, Active: 5}, etaView{}, 9, 108, 298, 50},
		{"full, life measured", full, 20, 0, Counters{Issued: 20, Serving: 10, Waiting: 10, Active: 5}, etaView{life: 50}, 9, 58, 163, 50},
		{"newer than the snapshot", rateBound, 30, 0, line, etaView{}, 19, 13, 30, 33},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// No store: an estimate is worked out from the snapshot alone.
			r := NewRoom("shop", nil, Options{Policy: tc.policy, PollInterval: 5 * time.Second, Now: newClock().Now, Log: quiet})
			st := Status{Position: tc.pos}
			r.estimate(&st, &snapshot{Counters: tc.c, eta: etaViews{cur: tc.view.counted(tc.c, start)}}, Ticket{Number: tc.pos, Line: tc.line}, start)
			if st.Ahead != tc.ahead || st.ETALow != tc.lo || st.ETAHigh != tc.hi || st.Progress != tc.percent {
				t.Errorf("got ahead %d, ETA %d..%d, progress %d; want %d, %d..%d, %d",
					st.Ahead, st.ETALow, st.ETAHigh, st.Progress, tc.ahead, tc.lo, tc.hi, tc.percent)
			}
			if st.PollAfterMS <= 0 {
				t.Errorf("PollAfterMS: got %d", st.PollAfterMS)
			}
		})
	}
}

// TestProgressNeverGoesBack: as the serving counter moves from a ticket's
// line to its place, progress goes from 0 up, never back, and stays below
// 100 until the turn comes.
func TestProgressNeverGoesBack(t *testing.T) {
	for _, tc := range []struct{ line, pos uint64 }{{0, 1}, {0, 7}, {10, 11}, {10, 500}, {499, 500}, {1 << 40, 1<<40 + 3}} {
		last := 0
		for serving := tc.line; serving < tc.pos; serving++ {
			p := progress(serving, tc.pos, tc.line)
			if p < last || p >= 100 || (serving == tc.line && p != 0) {
				t.Fatalf("line %d, place %d: progress %d at serving %d after %d", tc.line, tc.pos, p, serving, last)
			}
			last = p
		}
	}
	// A store that lost its data reads a serving counter below the line.
	if p := progress(3, 20, 10); p != 0 {
		t.Errorf("serving below the line: got %d, want 0", p)
	}
}
