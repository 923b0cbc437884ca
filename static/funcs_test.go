package static

import (
	"math"
	"strings"
	"testing"
)

func TestComma(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{uint64(0), "0"},
		{uint64(7), "7"},
		{uint64(999), "999"},
		{uint64(1000), "1,000"},
		{uint64(1234), "1,234"},
		{uint64(123456), "123,456"},
		{uint64(1234567), "1,234,567"},
		{uint64(math.MaxUint64), "18,446,744,073,709,551,615"},
		{42, "42"},
		{-1234, "-1,234"},
		{-5, "-5"},
		{int64(math.MinInt64), "-9,223,372,036,854,775,808"},
		{uint(10000), "10,000"},
	}
	for _, tt := range tests {
		got, err := comma(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("comma(%v): got %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := comma("12"); err == nil {
		t.Error(`comma("12"): no error`)
	}
}

func TestETA(t *testing.T) {
	tests := []struct {
		lo, hi int
		want   string
	}{
		{0, 0, "We'll update this as the line moves"},
		{-5, 0, "We'll update this as the line moves"},
		{0, 45, "less than a minute"},
		{10, 59, "less than a minute"},
		{0, 60, "about 1 minute"},
		{60, 60, "about 1 minute"},
		{30, 90, "about 1–2 minutes"},
		{180, 300, "about 3–5 minutes"},
		{170, 290, "about 3–5 minutes"},
		{300, 180, "about 3–5 minutes"},
		{600, 600, "about 10 minutes"},
		{3000, 5400, "about 50–90 minutes"},
		{3000, 6000, "about 1–2 hours"},
		{7200, 7200, "about 2 hours"},
		{7200, 4 * 3600, "about 2–4 hours"},
	}
	for _, tt := range tests {
		if got := eta(tt.lo, tt.hi); got != tt.want {
			t.Errorf("eta(%d, %d): got %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestClock(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{-3, "00:00:00"},
		{0, "00:00:00"},
		{59, "00:00:59"},
		{754, "00:12:34"},
		{3723, "01:02:03"},
		{36 * 3600, "36:00:00"},
		{100*3600 + 61, "100:01:01"},
	}
	for _, tt := range tests {
		if got := clock(tt.in); got != tt.want {
			t.Errorf("clock(%d): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	for ms, want := range map[int]int{0: 1, 1: 1, 1000: 1, 1001: 2, 2500: 3, 5000: 5} {
		if got := seconds(ms); got != want {
			t.Errorf("seconds(%d): got %d, want %d", ms, got, want)
		}
	}
}

func TestShow(t *testing.T) {
	if got, want := string(show("waiting", "waiting paused")), `data-show="waiting paused"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := string(show("closed", "waiting paused")), `data-show="waiting paused" hidden`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := string(show("x", `"><b>`)); strings.Contains(got, "<b>") {
		t.Errorf("show did not escape: %q", got)
	}
}

func TestLiveEscapes(t *testing.T) {
	got := string(live(PageData{Room: `a"b<c>`, State: StateWaiting}))
	if !strings.Contains(got, `data-room="a&#34;b&lt;c&gt;"`) {
		t.Errorf("live did not escape the room: %s", got)
	}
}
