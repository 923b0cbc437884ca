package config

import (
	"errors"
	"strings"
	"testing"
)

// head is line 1 of most test files.
const head = "origin: {url: \"http://127.0.0.1:3000\"}\n"

// room is lines 2 to 6 of most test files: one valid room.
const room = `rooms:
  - name: shop
    paths: ["/*"]
    max_active_users: 10
    new_users_per_minute: 60
`

// top puts extra on line 2, before a valid room.
func top(extra string) string { return head + extra + room }

// inRoom adds extra to the valid room, from line 7.
func inRoom(extra string) string { return head + room + extra }

// parseProblems parses src and returns its problems, failing the test if the
// error is not an *Errors.
func parseProblems(t *testing.T, src string) []Problem {
	t.Helper()
	c, err := Parse([]byte(src), "test.yaml")
	if err == nil {
		if c == nil {
			t.Fatal("Parse returned neither a config nor an error")
		}
		return nil
	}
	var e *Errors
	if !errors.As(err, &e) {
		t.Fatalf("Parse error is %T, want *Errors: %v", err, err)
	}
	if c != nil {
		t.Errorf("Parse returned a config along with an error")
	}
	if len(e.Problems) == 0 {
		t.Errorf("*Errors without problems")
	}
	if e.File != "test.yaml" {
		t.Errorf("Errors.File = %q, want %q", e.File, "test.yaml")
	}
	return e.Problems
}

// wantOne asserts that problems hold exactly one problem, at path and line,
// whose message contains msg.
func wantOne(t *testing.T, problems []Problem, path string, line int, msg string) {
	t.Helper()
	if len(problems) != 1 {
		t.Fatalf("got %d problems, want 1 at %s:\n%s", len(problems), path, render(problems))
	}
	p := problems[0]
	if p.Path != path || p.Line != line || !strings.Contains(p.Msg, msg) {
		t.Errorf("got %q, want line %d: %s: …%s…", p.String(), line, path, msg)
	}
}

func render(problems []Problem) string {
	return (&Errors{Problems: problems}).Error()
}
