package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// round is one wrk run of one side of one scenario, as compare.sh records
// it: "scenario side round rps p99_ms requests non2xx socket_errors cpu_s",
// cpu_s being the CPU seconds the side's processes used during the run.
type round struct {
	scenario, side string
	n              int
	cpu            float64
	wrkResult
}

// scenario describes a row of the table and the target for it.
type scenario struct {
	key, title string
	minRatio   float64
	maxP99     float64 // 0: no latency target
	maxMiB     float64 // 0: no memory target (MiB of RSS per million arrivals)
}

var scenarios = []scenario{
	{key: "a", title: "(a) admitted: GET / with a session cookie vs nginx proxy GET /", minRatio: 1.0, maxP99: 1.5},
	{key: "b", title: "(b) waiting: GET /.anteroom/status with a ticket vs nginx proxy GET /", minRatio: 1.8},
	{key: "c", title: "(c) arrivals: GET without cookies, full room vs nginx proxy GET /", minRatio: 1.0, maxP99: 2.0, maxMiB: 5},
}

// report prints the comparison table from the recorded rounds and returns
// 2 when a target is missed.
func report(args []string, w io.Writer) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	results := fs.String("results", "", "file of recorded rounds")
	rssBefore := fs.Int64("rss-before", -1, "anteroom VmRSS in kB before the (c) rounds")
	rssAfter := fs.Int64("rss-after", -1, "anteroom VmRSS in kB after the (c) rounds")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if *results == "" {
		return 0, errors.New("report: -results is required")
	}
	f, err := os.Open(*results)
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	rounds, err := readRounds(f)
	if err != nil {
		return 0, fmt.Errorf("report: %s: %w", *results, err)
	}
	return writeReport(w, rounds, *rssBefore, *rssAfter), nil
}

func readRounds(r io.Reader) ([]round, error) {
	var out []round
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 9 {
			return nil, fmt.Errorf("line %d: want 9 fields, got %d", line, len(f))
		}
		var rd round
		var errs []error
		rd.scenario, rd.side = f[0], f[1]
		var err error
		rd.n, err = strconv.Atoi(f[2])
		errs = append(errs, err)
		rd.RPS, err = strconv.ParseFloat(f[3], 64)
		errs = append(errs, err)
		rd.P99ms, err = strconv.ParseFloat(f[4], 64)
		errs = append(errs, err)
		rd.Requests, err = strconv.ParseInt(f[5], 10, 64)
		errs = append(errs, err)
		rd.Non2xx, err = strconv.ParseInt(f[6], 10, 64)
		errs = append(errs, err)
		rd.SocketErrors, err = strconv.ParseInt(f[7], 10, 64)
		errs = append(errs, err)
		rd.cpu, err = strconv.ParseFloat(f[8], 64)
		errs = append(errs, err)
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, rd)
	}
	return out, sc.Err()
}

// side sums up one side of one scenario over its rounds.
type side struct {
	rps, p99         []float64
	requests, non2xx int64
	sockErrs         int64
	cpu              float64
}

// maxErrorFraction is the share of error answers (4xx/5xx, socket errors)
// above which a side's numbers are not a measurement of serving.
const maxErrorFraction = 0.001

func (s side) errorFraction() float64 {
	if s.requests == 0 {
		return 0
	}
	return float64(s.non2xx+s.sockErrs) / float64(s.requests)
}

// cpuPerRequest is the side's CPU time per request in microseconds.
func (s side) cpuPerRequest() float64 {
	if s.requests == 0 {
		return 0
	}
	return s.cpu / float64(s.requests) * 1e6
}

func (s side) medianRPS() float64 { return median(s.rps) }
func (s side) medianP99() float64 { return median(s.p99) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func collect(rounds []round, scenario, name string) side {
	var s side
	for _, r := range rounds {
		if r.scenario != scenario || r.side != name {
			continue
		}
		s.rps = append(s.rps, r.RPS)
		s.p99 = append(s.p99, r.P99ms)
		s.requests += r.Requests
		s.non2xx += r.Non2xx
		s.sockErrs += r.SocketErrors
		s.cpu += r.cpu
	}
	return s
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// writeReport prints the table, then the details a reader needs to trust
// it (round-by-round ratios, error counts, memory), and returns 2 if any
// target failed.
func writeReport(w io.Writer, rounds []round, rssBefore, rssAfter int64) int {
	failed := false
	fmt.Fprintln(w, "| scenario | anteroom req/s | nginx req/s | ratio | anteroom p99 | nginx p99 | p99 ratio | target |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	var notes []string
	for _, sc := range scenarios {
		a, n := collect(rounds, sc.key, "anteroom"), collect(rounds, sc.key, "nginx")
		if len(a.rps) == 0 || len(n.rps) == 0 {
			continue
		}
		ratio := ratioOf(a.medianRPS(), n.medianRPS())
		p99Ratio := ratioOf(a.medianP99(), n.medianP99())
		var targets []string
		ok := ratio >= sc.minRatio
		failed = failed || !ok
		targets = append(targets, fmt.Sprintf("ratio ≥ %.1f %s", sc.minRatio, verdict(ok)))
		if sc.maxP99 > 0 {
			ok := p99Ratio <= sc.maxP99
			failed = failed || !ok
			targets = append(targets, fmt.Sprintf("p99 ratio ≤ %.1f %s", sc.maxP99, verdict(ok)))
		}
		if sc.maxMiB > 0 {
			if rssBefore < 0 || rssAfter < 0 || a.requests == 0 {
				failed = true
				targets = append(targets, fmt.Sprintf("≤ %.0f MiB per million arrivals: not measured FAIL", sc.maxMiB))
			} else {
				mib := float64(rssAfter-rssBefore) / 1024 / (float64(a.requests) / 1e6)
				ok := mib <= sc.maxMiB
				failed = failed || !ok
				targets = append(targets, fmt.Sprintf("%.2f MiB per million arrivals ≤ %.0f %s", mib, sc.maxMiB, verdict(ok)))
				note := fmt.Sprintf("(c) memory: anteroom VmRSS %.1f MiB before, %.1f MiB after %d arrivals (%+.1f MiB)",
					float64(rssBefore)/1024, float64(rssAfter)/1024, a.requests, float64(rssAfter-rssBefore)/1024)
				if a.requests < 1e6 {
					// Go's heap moves by a few MiB on its own.
					note += "; under a million arrivals the per-million figure is mostly noise: raise DURATION"
				}
				notes = append(notes, note)
			}
		}
		// A side that mostly answered errors measured something else: its
		// req/s must not pass a target.
		for _, x := range []struct {
			name string
			s    side
		}{{"anteroom", a}, {"nginx", n}} {
			if f := x.s.errorFraction(); f > maxErrorFraction {
				failed = true
				targets = append(targets, fmt.Sprintf("%s errors %.1f%% > %.1f%% FAIL", x.name, f*100, maxErrorFraction*100))
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.2f | %s | %s | %.2f | %s |\n",
			sc.title, a.medianRPS(), n.medianRPS(), ratio, ms(a.medianP99()), ms(n.medianP99()), p99Ratio, strings.Join(targets, "; "))
		notes = append(notes, fmt.Sprintf("(%s) %d rounds; per-round req/s ratio %s; req/s anteroom %s, nginx %s; "+
			"CPU per request anteroom %.1f µs, nginx proxy %.1f µs (ratio %.2f)",
			sc.key, len(a.rps), perRound(a.rps, n.rps), spread(a.rps), spread(n.rps),
			a.cpuPerRequest(), n.cpuPerRequest(), ratioOf(a.cpuPerRequest(), n.cpuPerRequest())))
		for _, x := range []struct {
			name string
			s    side
		}{{"anteroom", a}, {"nginx", n}} {
			if x.s.non2xx > 0 || x.s.sockErrs > 0 {
				notes = append(notes, fmt.Sprintf("(%s) %s: %d of %d responses were 4xx/5xx, %d socket errors",
					sc.key, x.name, x.s.non2xx, x.s.requests, x.s.sockErrs))
			}
		}
	}
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, "- "+n)
	}
	if failed {
		return 2
	}
	return 0
}

func ratioOf(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.0f µs", v*1000)
	}
	return fmt.Sprintf("%.2f ms", v)
}

// perRound lists anteroom/nginx for each round, in order, so a reader sees
// whether the median hides a drift.
func perRound(a, n []float64) string {
	var parts []string
	for i := range min(len(a), len(n)) {
		parts = append(parts, fmt.Sprintf("%.2f", ratioOf(a[i], n[i])))
	}
	return strings.Join(parts, " ")
}

func spread(v []float64) string {
	return fmt.Sprintf("%.0f–%.0f", slices.Min(v), slices.Max(v))
}
