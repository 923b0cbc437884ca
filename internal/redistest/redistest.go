// Package redistest starts real redis-server processes for tests: one
// server, a one-node cluster, or a three-master cluster, each on free
// loopback ports with nothing saved to disk, stopped when the test ends.
// Without redis-server a test is skipped, unless CI=true, where a missing
// server is a failure: CI must never pass by skipping.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one redis-server of a test's own.
type Server struct {
	Addr string

	tb     testing.TB
	bin    string
	args   []string
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	out    *syncBuffer
}

// need returns the path of a program the tests need, or ends the test.
func need(tb testing.TB, name string) string {
	tb.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s not found (apt-get install -y redis-server): %v", name, err)
		}
		tb.Skipf("%s not found; apt-get install -y redis-server", name)
	}
	return bin
}

// Start starts a redis-server on a free loopback port. Extra arguments go
// to redis-server (for example "--cluster-enabled", "yes").
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	bin := need(tb, "redis-server")
	dir := tb.TempDir()
	var lastErr error
	// A free port can be taken between finding it and the server binding
	// it; another one is tried then.
	for range 3 {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("finding a free port: %v", err)
		}
		s := &Server{
			Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			tb:   tb,
			bin:  bin,
			args: append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
				"--dir", dir, "--loglevel", "warning"}, extra...),
		}
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("starting redis-server: %v", lastErr)
	return nil
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin, s.args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := waitRedis(s.Addr, exited, 10*time.Second); err != nil {
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%w\n%s", err, out.String())
	}
	s.cmd, s.exited, s.out = cmd, exited, out
	return nil
}

// Stop kills the server, as a crash would.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same port; with no persistence it
// comes back empty, as a Redis restarted without its data.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.tb.Fatalf("restarting redis-server at %s: %v", s.Addr, err)
	}
}

// Do sends one command and returns the first line of the answer: enough
// to set a server up without a client library.
func (s *Server) Do(args ...string) (string, error) { return command(s.Addr, args...) }

// StartCluster starts a one-node Redis Cluster serving every slot: enough
// to hold code to Cluster's rules (a script's keys on one slot).
func StartCluster(tb testing.TB) *Server {
	tb.Helper()
	dir := tb.TempDir()
	s := Start(tb, "--cluster-enabled", "yes", "--cluster-config-file", dir+"/nodes.conf", "--cluster-announce-ip", "127.0.0.1")
	if _, err := s.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		tb.Fatalf("setting up the cluster: %v", err)
	}
	waitClusterOK(tb, s)
	return s
}

// StartCluster3 starts a real three-master Redis Cluster, made with
// redis-cli --cluster create, and returns its nodes.
func StartCluster3(tb testing.TB) []*Server {
	tb.Helper()
	cli := need(tb, "redis-cli")
	nodes := make([]*Server, 3)
	addrs := make([]string, 3)
	for i := range nodes {
		dir := tb.TempDir()
		nodes[i] = Start(tb, "--cluster-enabled", "yes", "--cluster-config-file", dir+"/nodes.conf",
			"--cluster-announce-ip", "127.0.0.1", "--cluster-node-timeout", "2000")
		addrs[i] = nodes[i].Addr
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range nodes {
		waitClusterOK(tb, n)
	}
	return nodes
}

func waitClusterOK(tb testing.TB, s *Server) {
	tb.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; {
		info, err := bulk(s.Addr, "CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("cluster node %s not ready: %v %s", s.Addr, err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitRedis waits until the server at addr answers PING, or exits.
func waitRedis(addr string, exited <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-exited:
			return fmt.Errorf("redis-server at %s exited", addr)
		default:
		}
		line, err := command(addr, "PING")
		if err == nil && line == "+PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server at %s does not answer: %v %q", addr, err, line)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// command sends one command in RESP and returns the first line of the
// answer.
func command(addr string, args ...string) (string, error) {
	c, r, err := send(addr, args...)
	if err != nil {
		return "", err
	}
	defer c.Close()
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "-") {
		return "", fmt.Errorf("redis: %s", line[1:])
	}
	return line, nil
}

// bulk sends one command whose answer is a bulk string, and returns it.
func bulk(addr string, args ...string) (string, error) {
	c, r, err := send(addr, args...)
	if err != nil {
		return "", err
	}
	defer c.Close()
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("redis: %s", strings.TrimSpace(head))
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil || n < 0 {
		return "", fmt.Errorf("redis: bad answer %q", head)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return string(b[:n]), nil
}

func send(addr string, args ...string) (net.Conn, *bufio.Reader, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, bufio.NewReader(c), nil
}

// syncBuffer collects a server's output from two pipes at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
