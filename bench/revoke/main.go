// Command revoke measures, from outside, whether ending a session costs
// more as a sale goes on: it starts a built anteroom with the memory store
// in front of a loopback origin, admits shoppers one after another, and has
// the origin revoke each one (X-Anteroom-Command: revoke) on its next
// request, a few shoppers at a time. Every revoke leaves one more ended
// session for the gateway to remember; the revoking requests of the last
// shoppers should take no longer than those of the first.
//
//	go run ./bench/revoke                     # builds with scripts/build.sh
//	go run ./bench/revoke -bin /tmp/anteroom  # a binary built before
//
// For each of -rounds runs, each with a fresh gateway, it prints the
// median and p99 latency of the revoking request over the first and the
// last -window shoppers, and last/first; it exits 2 when the median round's
// ratio of medians is above -max-ratio, 1 when it could not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	room         = "shop"
	cookieName   = "anteroom_session_" + room
	revokePath   = "/revoke"
	maxShoppers  = 1_000_000 // bounds the run whatever the flags say
	startTimeout = 15 * time.Second
)

type options struct {
	bin         string
	shoppers    int
	concurrency int
	window      int
	maxRatio    float64
	rounds      int
	timeout     time.Duration
	keep        bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "anteroom binary; empty: build one with scripts/build.sh")
	flag.IntVar(&o.shoppers, "shoppers", 30000, "shoppers admitted and revoked, one after another")
	flag.IntVar(&o.concurrency, "concurrency", 8, "shoppers in flight at once")
	flag.IntVar(&o.window, "window", 2000, "shoppers in the first and in the last group compared")
	flag.Float64Var(&o.maxRatio, "max-ratio", 1.5, "largest last/first ratio of the medians that passes")
	flag.IntVar(&o.rounds, "rounds", 3, "runs, each with a gateway of its own; the verdict is on the median round")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (config, anteroom's log)")
	flag.Parse()
	code, err := run(o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "revoke:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func (o options) validate() error {
	var errs []error
	if o.shoppers < 1 || o.shoppers > maxShoppers {
		errs = append(errs, fmt.Errorf("-shoppers must be 1-%d, got %d", maxShoppers, o.shoppers))
	}
	if o.concurrency < 1 || o.concurrency > 256 {
		errs = append(errs, fmt.Errorf("-concurrency must be 1-256, got %d", o.concurrency))
	}
	if o.window < 1 || 2*o.window > o.shoppers {
		errs = append(errs, fmt.Errorf("-window must be 1 to half of -shoppers, got %d", o.window))
	}
	if o.rounds < 1 || o.rounds > 20 {
		errs = append(errs, fmt.Errorf("-rounds must be 1-20, got %d", o.rounds))
	}
	return errors.Join(errs...)
}

func run(o options, out io.Writer) (int, error) {
	if err := o.validate(); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "anteroom-revoke-")
	if err != nil {
		return 1, err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "revoke: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if o.bin == "" {
		if o.bin, err = build(tmp); err != nil {
			return 1, err
		}
	}

	var rounds []round
	for i := range o.rounds {
		lat, err := measure(ctx, o, tmp)
		if err != nil {
			return 1, fmt.Errorf("round %d: %w", i+1, err)
		}
		rounds = append(rounds, summarize(lat, o.window))
		fmt.Fprintf(os.Stderr, "revoke: round %d of %d: last/first %.2f\n", i+1, o.rounds, rounds[i].ratio())
	}
	if !report(out, o, rounds) {
		return 2, nil
	}
	return 0, nil
}

// measure runs one round against a gateway and an origin of its own, and
// returns the revoking requests' latencies in shopper order.
func measure(ctx context.Context, o options, tmp string) ([]time.Duration, error) {
	org, err := startOrigin()
	if err != nil {
		return nil, err
	}
	defer org.Close()
	gw, err := startAnteroom(ctx, o.bin, tmp, org.addr)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	lat, err := drive(ctx, gw.url, o)
	if err != nil {
		return nil, fmt.Errorf("%w (anteroom's log: %s)", err, gw.logTail())
	}
	if n := org.revoked.Load(); n != int64(o.shoppers) {
		return nil, fmt.Errorf("the origin revoked %d sessions, want %d", n, o.shoppers)
	}
	if n := org.resurrected.Load(); n != 0 {
		return nil, fmt.Errorf("%d revoked sessions reached the origin again", n)
	}
	return lat, nil
}

// build runs scripts/build.sh into dir, from the repository this command
// is run in.
func build(dir string) (string, error) {
	bin := filepath.Join(dir, "anteroom")
	cmd := exec.Command("scripts/build.sh", bin, "revoke-bench")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scripts/build.sh (run from the repository's root): %w", err)
	}
	return bin, nil
}

// drive admits each shopper with a first request and has the origin revoke
// its session on the second, concurrency shoppers at a time, in order, and
// returns the second request's latency per shopper.
func drive(ctx context.Context, base string, o options) ([]time.Duration, error) {
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: o.concurrency,
			DisableCompression:  true,
		},
	}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, o.shoppers)
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, o.concurrency)
	for range o.concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.shoppers || ctx.Err() != nil {
					return
				}
				d, err := shopper(ctx, client, base, i%checkEvery == 0)
				if err != nil {
					errc <- fmt.Errorf("shopper %d: %w", i, err)
					next.Store(int64(o.shoppers)) // the others stop too
					return
				}
				lat[i] = d
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("the run took longer than -timeout: %w", err)
	}
	return lat, nil
}

// checkEvery is how often a shopper comes back with the revoked cookie.
// Not every one: coming back admits them again, and a session more for
// each shopper would change what is measured.
const checkEvery = 100

// shopper is admitted, then revoked; it returns how long the revoking
// request took. With check, it then comes back with the revoked cookie.
func shopper(ctx context.Context, client *http.Client, base string, check bool) (time.Duration, error) {
	resp, err := get(ctx, client, base+"/", "")
	if err != nil {
		return 0, err
	}
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			session = c.Value
		}
	}
	if resp.Header.Get("X-Origin") == "" || session == "" {
		return 0, fmt.Errorf("not admitted at once (status %d)", resp.StatusCode)
	}
	t0 := time.Now()
	resp, err = get(ctx, client, base+revokePath, session)
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if resp.Header.Get("X-Origin") == "" {
		return 0, fmt.Errorf("the revoking request did not reach the origin (status %d)", resp.StatusCode)
	}
	if check {
		// The session is gone: the same cookie again must not reach the
		// origin as that session (the origin counts it if it does).
		if _, err := get(ctx, client, base+"/again", session); err != nil {
			return 0, err
		}
	}
	return d, nil
}

// get sends GET url with the session cookie, if any, and reads the answer
// to the end so that the connection is reused.
func get(ctx context.Context, client *http.Client, url, session string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/html")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: session})
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return nil, fmt.Errorf("reading GET %s: %w", url, err)
	}
	return resp, nil
}

// origin is the shop: it revokes the session of every request for
// revokePath, and counts revoked sessions that come back.
type origin struct {
	*http.Server
	addr        string
	revoked     atomic.Int64
	resurrected atomic.Int64
	mu          sync.Mutex
	gone        map[string]bool
}

func startOrigin() (*origin, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("origin: %w", err)
	}
	o := &origin{addr: ln.Addr().String(), gone: make(map[string]bool)}
	o.Server = &http.Server{Handler: o, ReadHeaderTimeout: 5 * time.Second}
	go o.Serve(ln)
	return o, nil
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get("X-Anteroom-Session")
	o.mu.Lock()
	if o.gone[sid] {
		o.resurrected.Add(1)
	}
	if r.URL.Path == revokePath {
		o.gone[sid] = true
		o.revoked.Add(1)
		w.Header().Set("X-Anteroom-Command", "revoke")
	}
	o.mu.Unlock()
	w.Header().Set("X-Origin", "1")
	io.WriteString(w, "<p>shop</p>")
}

// anteroom is the gateway under test.
type anteroom struct {
	cmd  *exec.Cmd
	url  string
	log  string
	done chan struct{}
}

func startAnteroom(ctx context.Context, bin, dir, originAddr string) (*anteroom, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	config := filepath.Join(dir, "anteroom.yaml")
	// Limits far above what is sent, so that they are not what is
	// measured; sessions outlive the run, so every ended one is still
	// remembered at the end.
	yaml := fmt.Sprintf(`listen: "127.0.0.1:%d"
origin: { url: "http://%s" }
admin: { listen: "127.0.0.1:%d" }
store:
  backend: memory
  memory: { state_file: "-" }
limits:
  origin_rps: 10000000
  per_client: { rps: 100000000, burst: 100000000 }
log: { level: warn }
rooms:
  - name: %s
    paths: ["/*"]
    max_active_users: 1000000
    new_users_per_minute: 100000000
    session_duration: 30m
`, ports[0], originAddr, ports[1], room)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	secret, err := exec.CommandContext(ctx, bin, "keygen").Output()
	if err != nil {
		return nil, fmt.Errorf("%s keygen: %w", bin, err)
	}
	a := &anteroom{url: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), log: filepath.Join(dir, "anteroom.log"), done: make(chan struct{})}
	logf, err := os.Create(a.log)
	if err != nil {
		return nil, err
	}
	a.cmd = exec.Command(bin, "serve", "-config", config)
	a.cmd.Env = append(os.Environ(), "ANTEROOM_SECRET="+strings.TrimSpace(string(secret)))
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	if err := a.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		a.cmd.Wait()
		logf.Close()
		close(a.done)
	}()
	if err := a.waitReady(ctx); err != nil {
		a.stop()
		return nil, fmt.Errorf("%w (log: %s)", err, a.logTail())
	}
	return a, nil
}

func (a *anteroom) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-a.done:
			return errors.New("anteroom exited at start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(a.url + "/.anteroom/jwks.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("anteroom did not answer on %s within %v", a.url, startTimeout)
}

// stop ends the gateway this command started, and waits for it.
func (a *anteroom) stop() {
	a.cmd.Process.Signal(os.Interrupt)
	select {
	case <-a.done:
	case <-time.After(5 * time.Second):
		a.cmd.Process.Kill()
		<-a.done
	}
}

func (a *anteroom) logTail() string {
	b, _ := os.ReadFile(a.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " | ")
}

// freePorts returns n distinct free loopback ports, all chosen while every
// listener is held open.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// round is one run's figures: the first and the last window of shoppers.
type round struct{ first, last summary }

func (r round) ratio() float64 { return float64(r.last.median) / float64(r.first.median) }

type summary struct{ median, p99 time.Duration }

func summarize(lat []time.Duration, window int) round {
	return round{first: stats(lat[:window]), last: stats(lat[len(lat)-window:])}
}

func stats(d []time.Duration) summary {
	s := slices.Clone(d)
	slices.Sort(s)
	return summary{median: s[len(s)/2], p99: s[len(s)*99/100]}
}

// report prints each round and the median of the rounds' ratios, and says
// whether that is within -max-ratio. The median of several rounds, because
// on a shared machine one round's figures can move by half.
func report(w io.Writer, o options, rounds []round) bool {
	fmt.Fprintf(w, "revoking request: %d shoppers, %d at a time, first and last %d, %d rounds\n\n",
		o.shoppers, o.concurrency, o.window, len(rounds))
	fmt.Fprintln(w, "| round | first median | first p99 | last median | last p99 | last/first median | last/first p99 |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	var ratios []float64
	for i, r := range rounds {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %.2f | %.2f |\n", i+1, ms(r.first.median), ms(r.first.p99),
			ms(r.last.median), ms(r.last.p99), r.ratio(), float64(r.last.p99)/float64(r.first.p99))
		ratios = append(ratios, r.ratio())
	}
	slices.Sort(ratios)
	ratio := ratios[len(ratios)/2]
	verdict := "PASS"
	if ratio > o.maxRatio {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "\nmedian over rounds of last/first median: %.2f, target <= %.2f: %s\n", ratio, o.maxRatio, verdict)
	return verdict == "PASS"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }
