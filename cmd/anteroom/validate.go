package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/anteroom/anteroom/gateway/config"
)

// validate checks a configuration file and prints every problem, each with
// its line and key; it exits non-zero if there is any.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "anteroom.yaml", "configuration file")
	env := fs.Bool("env", false, "also check that the secrets it names are set in the environment")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *env {
		if ps := cfg.SecretEnvProblems(os.Getenv); len(ps) > 0 {
			fmt.Fprintln(stderr, (&config.Errors{File: *path, Problems: ps}).Error())
			return 1
		}
	}
	fmt.Fprintf(stdout, "%s: ok (%d rooms)\n", *path, len(cfg.Rooms))
	return 0
}
