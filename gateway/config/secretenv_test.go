package config

import (
	"strings"
	"testing"
)

func TestSecretEnvProblems(t *testing.T) {
	long := strings.Repeat("k", MinSecretLen)
	tests := []struct {
		name string
		keys string // line 2 of the file
		env  map[string]string
		want []Problem
	}{
		{"set", "", map[string]string{"ANTEROOM_SECRET": long}, nil},
		{"unset", "", nil, []Problem{
			{Line: 0, Path: "keys.secret_env", Msg: "environment variable ANTEROOM_SECRET is not set"},
		}},
		{"too short", "keys: {secret_env: SHOP_SECRET}\n", map[string]string{"SHOP_SECRET": "short"}, []Problem{
			{Line: 2, Path: "keys.secret_env", Msg: "environment variable SHOP_SECRET holds 5 bytes; it needs at least 32"},
		}},
		{"previous unset", "keys: {previous_secret_env: OLD_SECRET}\n", map[string]string{"ANTEROOM_SECRET": long}, []Problem{
			{Line: 2, Path: "keys.previous_secret_env", Msg: "environment variable OLD_SECRET is not set"},
		}},
		{"previous too short", "keys:\n  previous_secret_env: OLD_SECRET\n", map[string]string{"ANTEROOM_SECRET": long, "OLD_SECRET": long[1:]}, []Problem{
			{Line: 3, Path: "keys.previous_secret_env", Msg: "environment variable OLD_SECRET holds 31 bytes; it needs at least 32"},
		}},
		{"both set", "keys: {previous_secret_env: OLD_SECRET}\n", map[string]string{"ANTEROOM_SECRET": long, "OLD_SECRET": long}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(top(tt.keys)), "test.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := c.SecretEnvProblems(func(k string) string { return tt.env[k] })
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), render(got))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %q, want %q", got[i].String(), tt.want[i].String())
				}
				if strings.Contains(got[i].Msg, "kkkk") {
					t.Errorf("problem reveals the secret: %q", got[i].Msg)
				}
			}
		})
	}
}
