// Command helper does the parts of bench/compare.sh that are awkward in
// bash: picking free loopback ports, reading wrk's output, and turning the
// rounds into the comparison table.
//
//	helper ports N            print N free 127.0.0.1 ports, one a line
//	helper wrk < WRK_OUTPUT   print "rps p99_ms requests non2xx socket_errors"
//	helper cpu PID            print the CPU seconds PID and its children used
//	helper report -results FILE [-rss-before KB -rss-after KB]
//	                          print the markdown table; exit 2 if a target fails
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper ports N | wrk | cpu PID | report -results FILE")
		os.Exit(1)
	}
	var err error
	code := 0
	switch os.Args[1] {
	case "ports":
		err = ports(os.Args[2:], os.Stdout)
	case "wrk":
		var r wrkResult
		if r, err = parseWrk(os.Stdin); err == nil {
			fmt.Printf("%.2f %.3f %d %d %d\n", r.RPS, r.P99ms, r.Requests, r.Non2xx, r.SocketErrors)
		}
	case "cpu":
		var sec float64
		if sec, err = cpuSeconds(os.Args[2:]); err == nil {
			fmt.Printf("%.3f\n", sec)
		}
	case "report":
		code, err = report(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// ports prints n distinct free loopback ports. All listeners are held open
// until every port is chosen, so the n ports differ from each other.
func ports(args []string, w io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: helper ports N")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > 64 {
		return fmt.Errorf("ports: N must be 1-64, got %q", args[0])
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("finding a free port: %w", err)
		}
		lns = append(lns, ln)
	}
	for _, ln := range lns {
		fmt.Fprintln(w, ln.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

// wrkResult is what one wrk --latency run reports.
type wrkResult struct {
	RPS          float64
	P99ms        float64
	Requests     int64
	Non2xx       int64
	SocketErrors int64
}

// parseWrk reads wrk's text output. Requests/sec and the 99% latency line
// (from --latency) are required; the error counts are there only when
// non-zero.
func parseWrk(r io.Reader) (wrkResult, error) {
	var res wrkResult
	var haveRPS, haveP99 bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return res, fmt.Errorf("reading wrk requests/sec %q: %w", f[1], err)
			}
			res.RPS, haveRPS = v, true
		case len(f) == 2 && f[0] == "99%":
			v, err := parseWrkDuration(f[1])
			if err != nil {
				return res, fmt.Errorf("reading wrk 99%% latency: %w", err)
			}
			res.P99ms, haveP99 = v, true
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			v, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return res, fmt.Errorf("reading wrk request count %q: %w", f[0], err)
			}
			res.Requests = v
		case len(f) == 5 && f[0] == "Non-2xx":
			// "Non-2xx or 3xx responses: 12" (wrk counts statuses >= 400)
			v, err := strconv.ParseInt(f[len(f)-1], 10, 64)
			if err != nil {
				return res, fmt.Errorf("reading wrk non-2xx count %q: %w", f[len(f)-1], err)
			}
			res.Non2xx = v
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			// "Socket errors: connect 0, read 0, write 0, timeout 0"
			for i := 3; i < len(f); i += 2 {
				v, err := strconv.ParseInt(strings.TrimSuffix(f[i], ","), 10, 64)
				if err != nil {
					return res, fmt.Errorf("reading wrk socket errors %q: %w", sc.Text(), err)
				}
				res.SocketErrors += v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("reading wrk output: %w", err)
	}
	if !haveRPS || !haveP99 {
		return res, errors.New("wrk output has no Requests/sec or 99% line (was it run with --latency?)")
	}
	return res, nil
}

// parseWrkDuration reads wrk's latency format ("812.00us", "3.21ms",
// "1.02s", "1.50m") into milliseconds.
func parseWrkDuration(s string) (float64, error) {
	units := []struct {
		suffix string
		ms     float64
	}{{"us", 0.001}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("%q: %w", s, err)
			}
			return v * u.ms, nil
		}
	}
	return 0, fmt.Errorf("%q: unknown unit", s)
}
