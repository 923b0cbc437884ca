package config

import (
	"errors"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"anteroom.yaml", "reference.yaml"} {
		data, err := os.ReadFile(configsDir + "/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"rooms: [",
		"\tlisten: x\n",
		"listen: &a [*a]\n",
		"a: &a {<<: *a}\nrooms: [*a]\n",
		"rooms:\n  - <<: [1, {name: x}]\n    paths: \"/*\"\n",
		"rooms: [{opens_at: 12, session_duration: 5, inventory: {stock: -1, purchase_paths: [x]}}]\n",
		"origin: {url: \"http://[::1\"}\nrooms: [{name: Shop!, paths: ['/a*b']}]\n",
		"x: 1\n---\ny: 2\n",
		"? [a]\n: b\n",
		"listen: !!binary \"%\"\nlimits: {origin_rps: .nan}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var e *Errors
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("error %v (%T) is not an *Errors with problems", err, err)
			}
			if c != nil {
				t.Fatal("config returned with an error")
			}
			for _, p := range e.Problems {
				if p.Msg == "" || p.Line < 0 {
					t.Fatalf("malformed problem %+v", p)
				}
			}
			return
		}
		if problems := c.Validate(); len(problems) > 0 {
			t.Fatalf("Parse accepted a config that Validate rejects: %v", problems)
		}
	})
}
