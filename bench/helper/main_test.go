package main

import (
	"bytes"
	"strings"
	"testing"
)

const wrkOK = `Running 5s test @ http://127.0.0.1:40001/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms    2.01ms  40.12ms   91.20%
    Req/Sec    22.10k     1.90k   27.00k    70.00%
  Latency Distribution
     50%    1.01ms
     75%    1.60ms
     90%    2.90ms
     99%  812.00us
  219876 requests in 5.00s, 250.12MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 17
Requests/sec:  43975.20
Transfer/sec:     50.02MB
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk(strings.NewReader(wrkOK))
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{RPS: 43975.20, P99ms: 0.812, Requests: 219876, Non2xx: 17, SocketErrors: 5}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseWrkWithoutLatency(t *testing.T) {
	out := strings.Replace(wrkOK, "     99%  812.00us\n", "", 1)
	if _, err := parseWrk(strings.NewReader(out)); err == nil {
		t.Error("got no error for output without the 99% line")
	}
}

func TestParseWrkDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{{"812.00us", 0.812}, {"3.21ms", 3.21}, {"1.50s", 1500}, {"2.00m", 120000}} {
		got, err := parseWrkDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := parseWrkDuration("3.2xs"); err == nil {
		t.Error("got no error for an unknown unit")
	}
}

func TestReport(t *testing.T) {
	rounds := `a anteroom 1 1000 2.0 5000 0 0 0.5
a nginx 1 900 1.0 4500 0 0 0.2
a anteroom 2 1200 2.0 6000 0 0 0.6
a nginx 2 1000 1.0 5000 0 0 0.3
b anteroom 1 2000 1.0 10000 0 0 0.1
b nginx 1 1000 1.0 5000 0 0 0.1
c anteroom 1 1000 1.0 2000000 3 0 9
c nginx 1 1000 1.0 5000 0 0 0.1
`
	rs, err := readRounds(strings.NewReader(rounds))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// 4 MiB over 2 million arrivals: 2 MiB per million.
	code := writeReport(&out, rs, 100*1024, 104*1024)
	text := out.String()
	for _, want := range []string{
		"| 1100 | 950 | 1.16 | 2.00 ms | 1.00 ms | 2.00 | ratio ≥ 1.0 PASS; p99 ratio ≤ 1.5 FAIL |",
		"ratio ≥ 1.8 PASS",
		"2.00 MiB per million arrivals ≤ 5 PASS",
		"(c) anteroom: 3 of 2000000 responses were 4xx/5xx",
		"| 1000 | 1000 | 1.00 | 1.00 ms | 1.00 ms | 1.00 | ratio ≥ 1.0 PASS; p99 ratio ≤ 2.0 PASS; 2.00 MiB",
		"CPU per request anteroom 100.0 µs, nginx proxy 52.6 µs (ratio 1.90)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if code != 2 {
		t.Errorf("got exit code %d, want 2 (the p99 target failed)", code)
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with a space and a parenthesis, as the kernel allows.
	line := "4242 (nginx: w) x) S 4200 4200 4200 0 -1 4194624 100 0 0 0 250 75 0 0 20 0 1 0 100 0 0\n"
	ppid, ticks, err := parseProcStat(line)
	if err != nil || ppid != 4200 || ticks != 325 {
		t.Errorf("got ppid %d, ticks %d, err %v; want 4200, 325, nil", ppid, ticks, err)
	}
}

func TestReportErrorsFail(t *testing.T) {
	rs, err := readRounds(strings.NewReader("b anteroom 1 9000 1.0 10000 500 0 0.1\nb nginx 1 1000 1.0 5000 0 0 0.1\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := writeReport(&out, rs, -1, -1); code != 2 {
		t.Errorf("got exit code %d, want 2", code)
	}
	if want := "ratio ≥ 1.8 PASS; anteroom errors 5.0% > 0.1% FAIL"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
}
