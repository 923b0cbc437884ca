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
	err = runGateway(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), false, reloading{})
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

// TestServeBinaryReloadsAtSIGHUP: kill -HUP, the usual "reload", once
// ended the process with no drain and no save. Now it reloads: a good file
// is applied and logged, a bad one is refused with each problem on a line
// of its own naming its line in the file, and the node goes on serving
// either way; SIGTERM still drains and saves.
func TestServeBinaryReloadsAtSIGHUP(t *testing.T) {
	bin := buildBinary(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin page %s", r.URL.Path)
	}))
	defer origin.Close()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	state := filepath.Join(t.TempDir(), "anteroom.state")
	cfg := serveConfig(t, addr, adminAddr, origin.URL, state)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}

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

	hup := func(want string, n int) {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(logs.String(), want) < n && time.Now().Before(deadline) {
			select {
			case err := <-exited:
				t.Fatalf("SIGHUP ended the process: %v\n%s", err, logs.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		if got := strings.Count(logs.String(), want); got != n {
			t.Fatalf("after SIGHUP, %d lines with %q, want %d:\n%s", got, want, n, logs.String())
		}
		if resp, body := httpGet(t, "http://"+addr+"/item"); resp.StatusCode != 200 || body != "origin page /item" {
			t.Fatalf("after SIGHUP: got %d %q, want the origin page", resp.StatusCode, body)
		}
	}
	os.WriteFile(cfg, []byte(strings.Replace(string(good), "max_active_users: 5", "max_active_users: 7", 1)), 0o600)
	hup("configuration reloaded", 1)
	// Two problems, on lines 8 and 9: both are logged, with their lines.
	bad := strings.Replace(string(good), "max_active_users: 5", "max_active_users: 0", 1)
	bad = strings.Replace(bad, "new_users_per_minute: 60", "new_users_per_minute: -1", 1)
	os.WriteFile(cfg, []byte(bad), 0o600)
	hup("reload refused", 2)
	for _, want := range []string{"line 8: rooms[0].max_active_users: must be at least 1, got 0", "line 9: rooms[0].new_users_per_minute: must be at least 1, got -1"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the refused reload did not log %q:\n%s", want, logs.String())
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
