// Command anteroom is an edge admission gateway and virtual waiting room:
// a drop-in reverse proxy that lets through only as many shoppers as the
// shop can serve and queues the rest fairly.
//
//	anteroom serve    -config FILE   run the gateway
//	anteroom validate -config FILE   check a configuration, print every problem
//	anteroom demo     [-crowd N]     a demo shop behind the gateway, on loopback
//	anteroom keygen   [-purchase FILE]  make a secret or a purchase signing key
//	anteroom stock    -config FILE [-set N]  show or set a room's stock
//	anteroom lottery verify -room NAME -seed HEX -tickets N  recompute a pre-queue draw
//	anteroom rooms    [-admin ADDR]  every room's live figures, as a table
//	anteroom room     pause|resume|close|set|overrides|clear NAME …
//	anteroom reload   [-admin ADDR]  make a node read its file again
//	anteroom health   [-admin ADDR]  exit 0 when the node is ready
//	anteroom version
//
// Commands take flags only; any other argument is a usage error (exit 2).
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) int{
		"serve":    serve,
		"validate": validate,
		"demo":     runDemo,
		"keygen":   keygen,
		"stock":    stockCmd,
		"lottery":  lotteryCmd,
		"version":  version,
		"rooms":    roomsCmd,
		"room":     roomCmd,
		"reload":   reloadCmd,
		"health":   healthCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
			fmt.Fprintf(stderr, "anteroom: unknown command %q\n", args[0])
		}
		usage(stderr)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: anteroom <command> [flags]

Commands take flags only: name a configuration with -config FILE (default
./anteroom.yaml); any other argument is refused. The exception is room, which
takes a verb and a room's name.

commands:
  serve    -config FILE [-watch]
                              run the gateway; SIGHUP (or, with -watch, a
                              change of the file) reloads the configuration
  validate -config FILE       check a configuration and print every problem
  demo     [-crowd N]         run a demo shop behind the gateway on loopback
  keygen   [-purchase FILE]   print a new secret, or write a purchase signing key
  stock    -config FILE [-room NAME] [-set N]
                              show a room's stock in the store, or set it
  lottery verify -room NAME -seed HEX -tickets N [-commit HEX] [-ticket T]
                              recompute a random room's pre-queue order
  version                     print the version

operating a running node (admin address and token from -admin and -token,
or ANTEROOM_ADMIN_ADDR and ANTEROOM_ADMIN_TOKEN; default 127.0.0.1:9090):
  rooms    [-o json]          every room's live figures, as a table
  room     pause|resume|close NAME
  room     set NAME KEY=VALUE...  e.g. max_active_users=800 new_users_per_minute=2000
  room     overrides|clear NAME   list a room's live overrides, or drop them
  reload                      read the configuration file again
  health                      exit 0 when /readyz says ready (HEALTHCHECK)
`)
}
