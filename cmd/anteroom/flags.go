package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/anteroom/anteroom/gateway/config"
)

// newFlags starts a subcommand's flag set; its errors go to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// loadWithFlags adds -config to fs, parses args and loads the file it
// names. A non-zero code means stop: 2 for bad flags, 1 for a bad file,
// whose problems are already printed.
func loadWithFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (*config.Config, string, int) {
	path := fs.String("config", "anteroom.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return nil, "", 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, *path, 1
	}
	return cfg, *path, 0
}

// secretsMissing prints the problems with the secrets cfg names in the
// environment, and reports whether there were any.
func secretsMissing(cfg *config.Config, path string, stderr io.Writer) bool {
	ps := cfg.SecretEnvProblems(os.Getenv)
	if len(ps) > 0 {
		fmt.Fprintln(stderr, (&config.Errors{File: path, Problems: ps}).Error())
	}
	return len(ps) > 0
}
