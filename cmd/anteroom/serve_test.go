package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/token"
)

// openAdminConfig writes a configuration whose admin listener is on every
// interface.
func openAdminConfig(t *testing.T) string {
	return writeFile(t, "anteroom.yaml", `listen: "127.0.0.1:0"
admin: { listen: "0.0.0.0:0" }
origin: { url: "http://127.0.0.1:1" }
store: { memory: { state_file: "-" } }
rooms:
  - name: shop
    paths: ["/*"]
    max_active_users: 5
    new_users_per_minute: 60
`)
}

// TestServeRefusesOpenAdmin: an admin API that anyone on the network could
// use without a token is refused before anything listens, with what to do.
func TestServeRefusesOpenAdmin(t *testing.T) {
	t.Setenv("ANTEROOM_SECRET", token.NewSecret())
	t.Setenv("ANTEROOM_ADMIN_TOKEN", "")
	path := openAdminConfig(t)
	done := make(chan struct{})
	var code int
	var stderr string
	go func() {
		defer close(done)
		code, _, stderr = runCmd("serve", "-config", path)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("serve started with the admin API open to the network")
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"admin.listen", `"0.0.0.0:0" is not a loopback address`, "ANTEROOM_ADMIN_TOKEN", "admin.token_env"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestRunGatewayRefusesOpenAdmin: the check on the bound address holds even
// when the configuration check was skipped.
func TestRunGatewayRefusesOpenAdmin(t *testing.T) {
	t.Setenv("ANTEROOM_SECRET", token.NewSecret())
	t.Setenv("ANTEROOM_ADMIN_TOKEN", "")
	cfg, err := config.Load(openAdminConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = runGateway(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), false)
	if err == nil || !strings.Contains(err.Error(), "admin.listen") || !strings.Contains(err.Error(), "admin.token_env") {
		t.Errorf("got %v, want a refusal naming admin.listen and admin.token_env", err)
	}
	if ctx.Err() != nil {
		t.Error("served until the context ended")
	}
}

// TestValidateEnvReportsOpenAdmin: validate -env finds the missing admin
// token before serve would.
func TestValidateEnvReportsOpenAdmin(t *testing.T) {
	t.Setenv("ANTEROOM_SECRET", token.NewSecret())
	path := openAdminConfig(t)
	for _, tok := range []string{"", "s3cret"} {
		t.Run(fmt.Sprintf("token %q", tok), func(t *testing.T) {
			t.Setenv("ANTEROOM_ADMIN_TOKEN", tok)
			code, out, stderr := runCmd("validate", "-env", "-config", path)
			if tok != "" {
				if code != 0 || !strings.Contains(out, "ok") {
					t.Errorf("exit %d, out %q, stderr %q; want ok", code, out, stderr)
				}
				return
			}
			if code != 1 || !strings.Contains(stderr, "admin.listen") || !strings.Contains(stderr, "admin.token_env") {
				t.Errorf("exit %d, stderr %q; want 1 and the admin.listen problem", code, stderr)
			}
		})
	}
}

// TestServeBinarySurvivesSIGHUP: kill -HUP, the usual "reload", ended the
// process with no drain and no save. Until reload exists the binary logs
// one warning per SIGHUP and goes on serving; SIGTERM still drains and
// saves.
func TestServeBinarySurvivesSIGHUP(t *testing.T) {
	bin := buildBinary(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin page %s", r.URL.Path)
	}))
	defer origin.Close()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	state := filepath.Join(t.TempDir(), "anteroom.state")
	cfg := serveConfig(t, addr, adminAddr, origin.URL, state)

	cmd := exec.Command(bin, "serve", "-config", cfg)
	cmd.Env = append(os.Environ(), "ANTEROOM_SECRET="+token.NewSecret())
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	waitListening(t, addr, exited, logs)

	const warning = "reload is not supported yet"
	for i := 1; i <= 2; i++ {
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(logs.String(), warning) < i && time.Now().Before(deadline) {
			select {
			case err := <-exited:
				t.Fatalf("SIGHUP %d ended the process: %v\n%s", i, err, logs.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		if n := strings.Count(logs.String(), warning); n != i {
			t.Fatalf("after SIGHUP %d, %d warnings, want %d:\n%s", i, n, i, logs.String())
		}
		if resp, body := httpGet(t, "http://"+addr+"/item"); resp.StatusCode != 200 || body != "origin page /item" {
			t.Fatalf("after SIGHUP %d: got %d %q, want the origin page", i, resp.StatusCode, body)
		}
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, warning) && (!strings.Contains(line, "level=WARN") || !strings.Contains(line, "restart")) {
			t.Errorf("got %q, want a warning that says to restart", line)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10s after SIGTERM\n%s", logs.String())
	}
	if _, err := os.Stat(state); err != nil || !strings.Contains(logs.String(), "queue state saved") {
		t.Errorf("no state saved at SIGTERM: %v\n%s", err, logs.String())
	}
}

// syncBuffer is a log the process writes while the test reads it.
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
