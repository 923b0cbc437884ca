package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anteroom/anteroom/token"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateReportsEveryProblem: a file with three mistakes gets all
// three, each with its line and key, and a non-zero exit.
func TestValidateReportsEveryProblem(t *testing.T) {
	path := writeFile(t, "bad.yaml", `origin:
  url: "ftp://shop"
rooms:
  - name: ps5
    paths: ["ps5"]
    max_active_users: 0
    new_users_per_minute: 10
`)
	code, _, stderr := runCmd("validate", "-config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	for _, want := range []string{
		"line 2: origin.url",
		"line 5: rooms[0].paths[0]",
		"line 6: rooms[0].max_active_users",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestValidateShippedConfigs(t *testing.T) {
	for _, f := range []string{"../../configs/anteroom.yaml", "../../configs/reference.yaml"} {
		if code, out, stderr := runCmd("validate", "-config", f); code != 0 || !strings.Contains(out, "ok") {
			t.Errorf("%s: exit %d, out %q, err %q", f, code, out, stderr)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, stderr := runCmd("serv"); code != 2 || !strings.Contains(stderr, `unknown command "serv"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestKeygen(t *testing.T) {
	// Every secret it prints passes the check serve makes, so following the
	// README never ends in "weak secret".
	seen := make(map[string]bool)
	for range 200 {
		code, out, _ := runCmd("keygen")
		s := strings.TrimSuffix(out, "\n")
		if code != 0 || seen[s] {
			t.Fatalf("exit %d, secret %q (seen before: %v)", code, s, seen[s])
		}
		if err := token.CheckSecret([]byte(s)); err != nil {
			t.Fatalf("keygen printed %q, which the secret check refuses: %v", s, err)
		}
		seen[s] = true
	}
	path := filepath.Join(t.TempDir(), "purchase.pem")
	if code, _, stderr := runCmd("keygen", "-purchase", path); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := token.LoadPrivateKeyPEM(pemBytes); err != nil {
		t.Errorf("written key does not load: %v", err)
	}
	if code, _, stderr := runCmd("keygen", "-purchase", path); code == 0 || !strings.Contains(stderr, "exists") {
		t.Errorf("overwrote an existing key: exit %d, stderr %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	if code, out, _ := runCmd("version"); code != 0 || !strings.HasPrefix(out, "anteroom ") {
		t.Errorf("exit %d, out %q", code, out)
	}
}

// TestServeBinary builds the binary as the Docker image does, serves a
// real origin with it, and stops it with SIGTERM while a request is in
// flight: the request completes, the process exits cleanly and the queue
// state is saved.
func TestServeBinary(t *testing.T) {
	bin := buildBinary(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(1500 * time.Millisecond)
		}
		fmt.Fprintf(w, "origin page %s session=%s", r.URL.Path, r.Header.Get("X-Anteroom-Session"))
	}))
	defer origin.Close()

	addr, adminAddr := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	cfg := serveConfig(t, addr, adminAddr, origin.URL, filepath.Join(dir, "anteroom.state"))

	cmd := exec.Command(bin, "serve", "-config", cfg)
	cmd.Env = append(os.Environ(), "ANTEROOM_SECRET="+token.NewSecret())
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	waitListening(t, addr, exited, &logs)

	if resp, body := httpGet(t, "http://"+adminAddr+"/readyz"); resp.StatusCode != 200 || body != "ready\n" {
		t.Errorf("readyz: %d %q", resp.StatusCode, body)
	}
	resp, body := httpGet(t, "http://"+addr+"/item")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "origin page /item session=") || strings.HasSuffix(body, "session=") {
		t.Fatalf("got %d %q, want the origin page with a session", resp.StatusCode, body)
	}
	if s := resp.Header.Get("Server"); strings.Contains(s, "fasthttp") {
		t.Errorf("Server header %q", s)
	}

	slow := make(chan string, 1)
	go func() {
		_, body := httpGet(t, "http://"+addr+"/slow")
		slow <- body
	}()
	time.Sleep(300 * time.Millisecond) // the slow request is in flight
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-slow:
		if !strings.HasPrefix(body, "origin page /slow") {
			t.Errorf("request in flight at SIGTERM got %q", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("request in flight at SIGTERM never completed")
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10s after SIGTERM\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "anteroom.state")); err != nil {
		t.Errorf("no state saved: %v", err)
	}
	// One line per state change, not per request.
	if n := len(regexp.MustCompile(`(?m)^time=`).FindAllString(logs.String(), -1)); n > 6 {
		t.Errorf("%d log lines for two requests:\n%s", n, logs.String())
	}
}

// buildBinary builds anteroom with scripts/build.sh, as the Docker image
// is built, and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "anteroom")
	build := exec.Command("../../scripts/build.sh", bin, "test")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(t *testing.T, addr string, exited chan error, logs fmt.Stringer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case err := <-exited:
			t.Fatalf("anteroom exited at start: %v\n%s", err, logs.String())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("anteroom never listened on %s\n%s", addr, logs.String())
}

func httpGet(t *testing.T, url string) (*http.Response, string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return &http.Response{}, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// serveConfig writes the configuration the serve tests run: one room on
// every path in front of originURL, the queue saved to state.
func serveConfig(t *testing.T, addr, adminAddr, originURL, state string) string {
	t.Helper()
	return writeFile(t, "anteroom.yaml", fmt.Sprintf(`listen: %q
admin: { listen: %q }
origin: { url: %q }
store: { memory: { state_file: %q } }
rooms:
  - name: shop
    paths: ["/*"]
    max_active_users: 5
    new_users_per_minute: 60
`, addr, adminAddr, originURL, state))
}
