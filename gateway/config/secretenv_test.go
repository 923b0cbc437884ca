package config

import (
	"strings"
	"testing"
)

func TestSecretEnvProblems(t *testing.T) {
	good := "hN0dVf4Yt3oS9iA2qZk7WcXbE1uJ6mPrLg8yTnR5vQe" // anteroom keygen
	other := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	keygen := "; generate one with anteroom keygen"
	tests := []struct {
		name string
		keys string // line 2 of the file
		env  map[string]string
		want []Problem
	}{
		{"set", "", map[string]string{"ANTEROOM_SECRET": good}, nil},
		{"unset", "", nil, []Problem{
			{Line: 0, Path: "keys.secret_env", Msg: "environment variable ANTEROOM_SECRET is not set"},
		}},
		{"too short", "keys: {secret_env: SHOP_SECRET}\n", map[string]string{"SHOP_SECRET": "short"}, []Problem{
			{Line: 2, Path: "keys.secret_env", Msg: "environment variable SHOP_SECRET holds a weak secret: 5 bytes, at least 32 needed" + keygen},
		}},
		{"32 spaces", "", map[string]string{"ANTEROOM_SECRET": strings.Repeat(" ", 32)}, []Problem{
			{Line: 0, Path: "keys.secret_env", Msg: "environment variable ANTEROOM_SECRET holds a weak secret: only 1 different byte value, at least 10 needed: repeated characters and short alphabets are easy to guess" + keygen},
		}},
		{"a pattern", "", map[string]string{"ANTEROOM_SECRET": "0123456789abcdef0123456789abcdef-test"}, []Problem{
			{Line: 0, Path: "keys.secret_env", Msg: "environment variable ANTEROOM_SECRET holds a weak secret: about 26 bits of entropy, at least 128 needed: it repeats itself, follows a pattern or is short for its alphabet (32 random bytes are 64 hex digits or 43 base64 characters)" + keygen},
		}},
		{"previous unset", "keys: {previous_secret_env: OLD_SECRET}\n", map[string]string{"ANTEROOM_SECRET": good}, []Problem{
			{Line: 2, Path: "keys.previous_secret_env", Msg: "environment variable OLD_SECRET is not set"},
		}},
		{"previous weak", "keys:\n  previous_secret_env: OLD_SECRET\n", map[string]string{"ANTEROOM_SECRET": good, "OLD_SECRET": strings.Repeat("password", 4)}, []Problem{
			{Line: 3, Path: "keys.previous_secret_env", Msg: "environment variable OLD_SECRET holds a weak secret: only 7 different byte values, at least 10 needed: repeated characters and short alphabets are easy to guess" + keygen},
		}},
		{"both set", "keys: {previous_secret_env: OLD_SECRET}\n", map[string]string{"ANTEROOM_SECRET": good, "OLD_SECRET": other}, nil},
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
				for _, s := range tt.env {
					if strings.Contains(got[i].Msg, s) {
						t.Errorf("problem reveals the secret: %q", got[i].Msg)
					}
				}
			}
		})
	}
}

// TestAdminTokenRequiredOffLoopback: an admin API that anyone on the network
// can reach must have a bearer token; on loopback it may go without.
func TestAdminTokenRequiredOffLoopback(t *testing.T) {
	secret := map[string]string{"ANTEROOM_SECRET": "hN0dVf4Yt3oS9iA2qZk7WcXbE1uJ6mPrLg8yTnR5vQe"}
	withToken := map[string]string{"ANTEROOM_SECRET": secret["ANTEROOM_SECRET"], "ADMIN_TOKEN": "t0ken"}
	tests := []struct {
		listen string
		env    map[string]string
		refuse bool
	}{
		{"127.0.0.1:9090", secret, false},
		{"127.3.2.1:9090", secret, false},
		{"[::1]:9090", secret, false},
		{"localhost:9090", secret, false},
		{"LocalHost:9090", secret, false},
		{"0.0.0.0:9090", secret, true},
		{":9090", secret, true},
		{"[::]:9090", secret, true},
		{"10.0.0.5:9090", secret, true},
		{"admin.example.com:9090", secret, true},
		{"0.0.0.0:9090", withToken, false},
		{":9090", withToken, false},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			src := top(`admin: {listen: "` + tt.listen + `", token_env: ADMIN_TOKEN}` + "\n")
			c, err := Parse([]byte(src), "test.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := c.SecretEnvProblems(func(k string) string { return tt.env[k] })
			if !tt.refuse {
				if len(got) > 0 {
					t.Errorf("got %s, want no problem", render(got))
				}
				return
			}
			if len(got) != 1 || got[0].Path != "admin.listen" || got[0].Line != 2 {
				t.Fatalf("got %s, want one problem at line 2: admin.listen", render(got))
			}
			for _, want := range []string{tt.listen, "not a loopback address", "ADMIN_TOKEN", "admin.token_env", "127.0.0.1"} {
				if !strings.Contains(got[0].Msg, want) {
					t.Errorf("got %q, want it to say %q", got[0].Msg, want)
				}
			}
		})
	}
}
