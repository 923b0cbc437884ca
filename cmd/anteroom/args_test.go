package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validConfig keeps its state in ./anteroom.state, so that a stock command
// that ran leaves a trace.
const validConfig = `origin: { url: "http://127.0.0.1:3000" }
rooms:
  - name: shop
    paths: ["/*"]
    max_active_users: 5
    new_users_per_minute: 60
    inventory: { stock: 3 }
`

// inDirWithConfig runs the test in a fresh directory holding a valid
// ./anteroom.yaml, the file a command would fall back to.
func inDirWithConfig(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "anteroom.yaml"), []byte(validConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

// runWithin is runCmd that gives up after a while: a command that ignores
// its arguments might start serving.
func runWithin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	type result struct {
		code        int
		out, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, out, stderr := runCmd(args...)
		done <- result{code, out, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.stderr
	case <-time.After(10 * time.Second):
		t.Fatalf("%q still running after 10s", args)
		return 0, "", ""
	}
}

// TestStrayArgumentsRefused: "anteroom validate typo.yaml" validated
// ./anteroom.yaml and said ok. Every command takes flags only; anything
// else is a usage error (exit 2) that names the argument, and the command
// does nothing.
func TestStrayArgumentsRefused(t *testing.T) {
	inDirWithConfig(t)
	t.Setenv("ANTEROOM_SECRET", "")
	tests := [][]string{
		{"serve", "typo.yaml"},
		{"serve", "-config", "anteroom.yaml", "typo.yaml"},
		{"validate", "typo.yaml"},
		{"validate", "-env", "typo.yaml"},
		{"validate", "-config", "anteroom.yaml", "typo.yaml"},
		{"demo", "typo.yaml"},
		{"demo", "-listen", "127.0.0.1:0", "typo.yaml"},
		{"keygen", "typo.yaml"},
		{"keygen", "-purchase", "key.pem", "typo.yaml"},
		{"stock", "typo.yaml"},
		{"stock", "-room", "shop", "-set", "1", "typo.yaml"},
		{"version", "typo.yaml"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, stderr := runWithin(t, args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stdout %q, stderr %q", code, out, stderr)
			}
			if want := `anteroom ` + args[0] + `: unexpected argument "typo.yaml"`; !strings.Contains(stderr, want) {
				t.Errorf("stderr %q lacks %q", stderr, want)
			}
			if out != "" {
				t.Errorf("the command ran: stdout %q", out)
			}
		})
	}
	if _, err := os.Stat("key.pem"); err == nil {
		t.Error("keygen wrote a key despite the stray argument")
	}
	if code, out, _ := runCmd("stock", "-room", "shop"); code != 0 || !strings.Contains(out, "no stock figure") {
		t.Errorf("stock set despite the stray argument: exit %d, %q", code, out)
	}
}

// TestStrayArgumentHintsAtConfigFlag: for a command that reads a file, the
// error says how to name it.
func TestStrayArgumentHintsAtConfigFlag(t *testing.T) {
	inDirWithConfig(t)
	_, _, stderr := runCmd("validate", "typo.yaml")
	if !strings.Contains(stderr, "-config typo.yaml") {
		t.Errorf("stderr %q does not suggest -config typo.yaml", stderr)
	}
}

// TestValidateMissingConfigFile: a -config file that does not exist fails,
// even with a good ./anteroom.yaml beside it, and says which file.
func TestValidateMissingConfigFile(t *testing.T) {
	inDirWithConfig(t)
	code, out, stderr := runCmd("validate", "-config", "typo.yaml")
	if code != 1 || strings.Contains(out, "ok") {
		t.Fatalf("exit %d, stdout %q; want 1 and no ok", code, out)
	}
	for _, want := range []string{"anteroom validate: ", "typo.yaml", "does not exist"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	// Sanity: the file it could have fallen back to is fine.
	if code, out, stderr := runCmd("validate"); code != 0 || !strings.Contains(out, "anteroom.yaml: ok") {
		t.Errorf("validate ./anteroom.yaml: exit %d, %q %q", code, out, stderr)
	}
}

func TestUsageSaysFlagsOnly(t *testing.T) {
	_, _, stderr := runCmd()
	if !strings.Contains(stderr, "-config FILE") || !strings.Contains(stderr, "any other argument is refused") {
		t.Errorf("usage does not say commands take flags only:\n%s", stderr)
	}
}
