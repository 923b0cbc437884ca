package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
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
	err = runGateway(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
