package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Size is how much of a sale a node holds before the load starts.
type Size struct {
	Tickets int // tickets issued and waiting (the room is full)
	Active  int // sessions alive: the room's max_active_users
	Ended   int // sessions admitted and revoked
}

// Plan is one soak: a big room and an empty one, the same load on each.
type Plan struct {
	Bin     string // the anteroom binary
	Big     Size
	Ops     int // operations of each kind per round
	Rounds  int // rounds per node, interleaved
	Workers int // concurrent clients
	Log     io.Writer
}

// The kinds of operation the load mixes, in the order they are reported.
var kinds = []string{"poll", "admitted", "join", "revoke"}

// Result is what one node measured: every latency of every kind.
type Result map[string][]time.Duration

// Percentile returns the p-th percentile (0..100) of the kind's latencies.
func (r Result) Percentile(kind string, p float64) time.Duration {
	d := slices.Clone(r[kind])
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p / 100)
	return d[i]
}

// node is one anteroom process with the loopback shop behind it, and what
// the setup kept of its shoppers for the load.
type node struct {
	name    string
	addr    string
	cmd     *exec.Cmd
	exited  chan error
	logs    *lockedBuffer
	client  *fasthttp.HostClient
	tickets []string // ticket cookies from the back of the line: never called during the load
	cookies []string // session cookies, used by admitted requests and revokes
	revokes int      // the last this many cookies are for revokes
	used    atomic.Int64
}

// Run sets up both nodes, then runs the rounds, alternating between them.
func Run(ctx context.Context, p Plan) (big, empty Result, err error) {
	shop, err := startShop()
	if err != nil {
		return nil, nil, err
	}
	defer shop.Close()
	revokes := p.Ops * p.Rounds
	// The empty room holds only what the load itself needs: sessions to
	// use and to revoke, and tickets to poll behind those the revokes
	// call.
	need := revokes + p.Ops
	small := Size{Tickets: need, Active: need}
	large := p.Big
	large.Active = max(large.Active, need)
	large.Tickets = max(large.Tickets, need)
	nodes := make([]*node, 2)
	for i, s := range []Size{large, small} {
		name := []string{"big", "empty"}[i]
		n, err := startNode(ctx, p.Bin, name, shop.Addr().String(), s)
		if err != nil {
			return nil, nil, err
		}
		n.revokes = revokes
		defer n.stop()
		start := time.Now()
		if err := n.fill(ctx, s, p.Workers, p.Ops); err != nil {
			return nil, nil, fmt.Errorf("%s: filling: %w\n%s", name, err, n.logs.String())
		}
		fmt.Fprintf(p.Log, "%s node: %d tickets, %d active, %d ended in %s\n", name, s.Tickets, s.Active, s.Ended, time.Since(start).Round(time.Millisecond))
		nodes[i] = n
	}
	results := []Result{{}, {}}
	for round := range p.Rounds {
		for j := range nodes {
			i := (j + round) % 2 // alternate which goes first
			if err := nodes[i].load(ctx, p.Ops, p.Workers, results[i]); err != nil {
				return nil, nil, fmt.Errorf("%s: round %d: %w\n%s", nodes[i].name, round+1, err, nodes[i].logs.String())
			}
		}
		fmt.Fprintf(p.Log, "round %d/%d done\n", round+1, p.Rounds)
	}
	return results[0], results[1], nil
}

// shopPage is every page of the shop: about 1 KiB, as in bench/compare.sh.
var shopPage = []byte("<!doctype html><p>" + strings.Repeat("shop ", 200) + "</p>")

// startShop is the origin: every page is a small HTML page, and /revoke
// answers with anteroom's revoke order.
func startShop() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go fasthttp.Serve(ln, func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/revoke" {
			ctx.Response.Header.Set("X-Anteroom-Command", "revoke")
		}
		ctx.SetContentType("text/html; charset=utf-8")
		ctx.SetBody(shopPage)
	})
	return ln, nil
}

func startNode(ctx context.Context, bin, name, shop string, s Size) (*node, error) {
	dir, err := os.MkdirTemp("", "anteroom-soak-")
	if err != nil {
		return nil, err
	}
	addr, admin, err := freeAddrs()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "anteroom.yaml")
	// Every limit but the room's capacity is out of the way: what is
	// measured is the cost of the state, not a rate limit. abandon_after
	// is at its most, so every ticket stays in the waiting count.
	yaml := fmt.Sprintf(`listen: %q
admin: { listen: %q }
origin: { url: "http://%s", max_conns: 256 }
store: { memory: { state_file: "-" } }
limits: { origin_rps: 100000000, per_client: { rps: 100000000, burst: 100000000 } }
log: { level: warn }
rooms:
  - name: sale
    paths: ["/*"]
    max_active_users: %d
    new_users_per_minute: 100000000
    burst: 100000000
    session_duration: 24h
    abandon_after: 8h
    claim_window: 8h
`, addr, admin, shop, s.Active)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	secret, err := exec.CommandContext(ctx, bin, "keygen").Output()
	if err != nil {
		return nil, fmt.Errorf("anteroom keygen: %w", err)
	}
	n := &node{name: name, addr: addr, exited: make(chan error, 1), logs: &lockedBuffer{}}
	n.cmd = exec.Command(bin, "serve", "-config", cfg)
	n.cmd.Env = append(os.Environ(), "ANTEROOM_SECRET="+strings.TrimSpace(string(secret)))
	n.cmd.Stderr = n.logs
	n.cmd.Dir = dir
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { n.exited <- n.cmd.Wait(); os.RemoveAll(dir) }()
	n.client = &fasthttp.HostClient{Addr: addr, MaxConns: 1024, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return n, nil
		}
		select {
		case err := <-n.exited:
			return nil, fmt.Errorf("%s node exited at start: %v\n%s", name, err, n.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("%s node not listening after 20s\n%s", name, n.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *node) stop() {
	if n.cmd.Process != nil {
		n.cmd.Process.Signal(os.Interrupt)
		select {
		case <-n.exited:
		case <-time.After(25 * time.Second):
			n.cmd.Process.Kill()
		}
	}
}

// fill brings the node to size s: sessions admitted and revoked, the room
// filled with live sessions, then tickets issued to arrivals that find it
// full. It keeps what the load needs: keep session cookies and the
// tickets at the back of the line.
func (n *node) fill(ctx context.Context, s Size, workers, keep int) error {
	// Ended: admitted at once (nobody waits), then revoked by the shop.
	if err := parallel(ctx, s.Ended, workers, func(int) error {
		c, err := n.arrive("/", "anteroom_session_sale")
		if err != nil {
			return err
		}
		return n.revoke(c)
	}); err != nil {
		return fmt.Errorf("ending sessions: %w", err)
	}
	var mu sync.Mutex
	if err := parallel(ctx, s.Active, workers, func(int) error {
		c, err := n.arrive("/", "anteroom_session_sale")
		if err != nil {
			return err
		}
		mu.Lock()
		n.cookies = append(n.cookies, c)
		mu.Unlock()
		return nil
	}); err != nil {
		return fmt.Errorf("admitting sessions: %w", err)
	}
	// The tickets polled during the load come last, so no revoke of the
	// load frees a slot far enough to call them.
	if err := parallel(ctx, s.Tickets, workers, func(i int) error {
		c, err := n.arrive("/", "anteroom_ticket_sale")
		if err != nil {
			return err
		}
		if i >= s.Tickets-keep {
			mu.Lock()
			n.tickets = append(n.tickets, c)
			mu.Unlock()
		}
		return nil
	}); err != nil {
		return fmt.Errorf("issuing tickets: %w", err)
	}
	return nil
}

// load runs ops operations of each kind, shuffled, over workers clients,
// and adds their latencies to r.
func (n *node) load(ctx context.Context, ops, workers int, r Result) error {
	todo := make([]int, 0, ops*len(kinds))
	for k := range kinds {
		for range ops {
			todo = append(todo, k)
		}
	}
	rand.Shuffle(len(todo), func(i, j int) { todo[i], todo[j] = todo[j], todo[i] })
	lat := make([]time.Duration, len(todo))
	err := parallel(ctx, len(todo), workers, func(i int) error {
		start := time.Now()
		var err error
		switch kinds[todo[i]] {
		case "poll":
			_, _, err = n.do("/.anteroom/status?room=sale", n.tickets[i%len(n.tickets)], fasthttp.StatusOK)
		case "admitted":
			var shop bool
			_, shop, err = n.do("/page", n.cookies[i%(len(n.cookies)-n.revokes)], fasthttp.StatusOK)
			if err == nil && !shop {
				err = errors.New("an admitted request got the waiting page")
			}
		case "join":
			_, err = n.arrive("/page", "anteroom_ticket_sale")
		case "revoke":
			// Each revoke ends a session of its own, from the back of the
			// list, away from those admitted requests use.
			j := len(n.cookies) - 1 - int(n.used.Add(1)-1)
			if j < 0 {
				return errors.New("out of sessions to revoke")
			}
			err = n.revoke(n.cookies[j])
		}
		lat[i] = time.Since(start)
		return err
	})
	if err != nil {
		return err
	}
	for i, k := range todo {
		r[kinds[k]] = append(r[kinds[k]], lat[i])
	}
	return nil
}

// arrive requests path without cookies and returns the cookie it is given
// ("name=value"); the answer must set cookie want.
func (n *node) arrive(path, want string) (string, error) {
	resp, _, err := n.do(path, "", fasthttp.StatusOK)
	if err != nil {
		return "", err
	}
	if c := cookieOf(resp, want); c != "" {
		return c, nil
	}
	return "", fmt.Errorf("GET %s: no %s cookie in the answer", path, want)
}

// revoke asks for the page whose answer orders the session's end; the
// answer must clear the session cookie.
func (n *node) revoke(cookie string) error {
	set, shop, err := n.do("/revoke", cookie, fasthttp.StatusOK)
	if err != nil {
		return err
	}
	if !shop || !slices.ContainsFunc(set, func(h string) bool { return strings.HasPrefix(h, "anteroom_session_sale=;") }) {
		return errors.New("a revoke did not end the session")
	}
	return nil
}

// do sends a GET with cookie and returns the Set-Cookie headers and
// whether the shop answered; the answer must have status want.
func (n *node) do(path, cookie string, want int) ([]string, bool, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + n.addr + path)
	req.Header.Set("Accept", "text/html")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if err := n.client.Do(req, resp); err != nil {
		return nil, false, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode() != want {
		return nil, false, fmt.Errorf("GET %s: status %d, want %d: %.200s", path, resp.StatusCode(), want, resp.Body())
	}
	var set []string
	for _, v := range resp.Header.PeekAll("Set-Cookie") {
		set = append(set, string(v))
	}
	return set, bytes.HasPrefix(resp.Body(), shopPage), nil
}

// cookieOf finds cookie name with a value among Set-Cookie headers and
// returns it as "name=value".
func cookieOf(set []string, name string) string {
	for _, h := range set {
		kv, _, _ := strings.Cut(h, ";")
		if k, v, ok := strings.Cut(kv, "="); ok && k == name && v != "" {
			return kv
		}
	}
	return ""
}

// parallel runs fn(0..n-1) over workers goroutines and returns the first
// error.
func parallel(ctx context.Context, n, workers int, fn func(int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func freeAddrs() (string, string, error) {
	var addrs [2]string
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", err
		}
		defer ln.Close()
		addrs[i] = ln.Addr().String()
	}
	return addrs[0], addrs[1], nil
}

// lockedBuffer collects a node's log while the soak reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
