package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"

	"github.com/anteroom/anteroom/gateway/config"
)

// newFlags starts a subcommand's flag set; its errors go to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses a subcommand's args and reports a usage error as exit
// code 2. Every subcommand takes flags only — a file is named with -config
// FILE — so anything else is refused: ignored, "anteroom validate
// typo.yaml" checked ./anteroom.yaml and said ok.
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		return 0
	}
	hint := fs.Name() + " takes flags only"
	if fs.Lookup("config") != nil {
		hint = "name the configuration file with -config " + fs.Arg(0)
	}
	fmt.Fprintf(fs.Output(), "anteroom %s: unexpected argument %q; %s\n", fs.Name(), fs.Arg(0), hint)
	fs.Usage()
	return 2
}

// loadWithFlags adds -config to fs, parses args and loads the file it
// names. A non-zero code means stop: 2 for bad flags, 1 for a bad file,
// whose problems are already printed.
func loadWithFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (*config.Config, string, int) {
	path := fs.String("config", "anteroom.yaml", "configuration file")
	if code := parseFlags(fs, args); code != 0 {
		return nil, "", code
	}
	cfg, err := config.Load(*path)
	var problems *config.Errors
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		fmt.Fprintf(stderr, "anteroom %s: configuration file %s does not exist; name it with -config FILE\n", fs.Name(), *path)
		return nil, *path, 1
	case errors.As(err, &problems):
		fmt.Fprintln(stderr, err) // every line already names the file
		return nil, *path, 1
	case err != nil:
		fmt.Fprintf(stderr, "anteroom %s: reading configuration: %v\n", fs.Name(), err)
		return nil, *path, 1
	}
	return cfg, *path, 0
}

// secretsMissing prints the problems with what cfg needs from the
// environment (its secrets, and an admin token off loopback), and reports
// whether there were any.
func secretsMissing(cfg *config.Config, path string, stderr io.Writer) bool {
	ps := cfg.SecretEnvProblems(os.Getenv)
	if len(ps) > 0 {
		fmt.Fprintln(stderr, (&config.Errors{File: path, Problems: ps}).Error())
	}
	return len(ps) > 0
}
