package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	var lat []time.Duration
	for i := range 100 {
		lat = append(lat, time.Duration(100-i)*time.Millisecond) // out of order
	}
	got := stats(lat)
	if got.median != 51*time.Millisecond || got.p99 != 100*time.Millisecond {
		t.Errorf("got median %v, p99 %v; want 51ms, 100ms", got.median, got.p99)
	}
	if lat[0] != 100*time.Millisecond {
		t.Error("stats sorted its input")
	}
}

// TestReportVerdict: the verdict is on the median round, so one noisy
// round neither passes nor fails a run.
func TestReportVerdict(t *testing.T) {
	r := func(first, last time.Duration) round {
		return round{first: summary{first, 2 * first}, last: summary{last, 2 * last}}
	}
	cases := []struct {
		name   string
		rounds []round
		pass   bool
	}{
		{"flat", []round{r(1, 1), r(1, 1), r(1, 1)}, true},
		{"one slow round", []round{r(1, 1), r(1, 9), r(1, 1)}, true},
		{"growing", []round{r(1, 2), r(1, 9), r(1, 1)}, false},
		{"at the target", []round{r(2, 3)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			o := options{shoppers: 10, concurrency: 1, window: 5, maxRatio: 1.5, rounds: len(tc.rounds)}
			if got := report(&out, o, tc.rounds); got != tc.pass {
				t.Errorf("got pass %v, want %v:\n%s", got, tc.pass, out.String())
			}
			if rows := strings.Count(out.String(), "\n| "); rows != len(tc.rounds)+2 {
				t.Errorf("got %d table rows, want %d:\n%s", rows, len(tc.rounds)+2, out.String())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := options{shoppers: 30000, concurrency: 8, window: 2000, rounds: 3}
	if err := ok.validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
	bad := options{shoppers: maxShoppers + 1, concurrency: 0, window: 0, rounds: 0}
	err := bad.validate()
	if err == nil {
		t.Fatal("got no error for every option out of range")
	}
	for _, flag := range []string{"-shoppers", "-concurrency", "-window", "-rounds"} {
		if !strings.Contains(err.Error(), flag) {
			t.Errorf("error %q does not name %s", err, flag)
		}
	}
}
