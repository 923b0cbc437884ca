package main

import (
	"fmt"
	"io"
)

// validate checks a configuration file and prints every problem, each with
// its line and key; it exits non-zero if there is any.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	env := fs.Bool("env", false, "also check the environment: the secrets it names, and the admin token when admin.listen is not loopback")
	cfg, path, code := loadWithFlags(fs, args, stderr)
	if code != 0 {
		return code
	}
	if *env && secretsMissing(cfg, path, stderr) {
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%d rooms)\n", path, len(cfg.Rooms))
	return 0
}
