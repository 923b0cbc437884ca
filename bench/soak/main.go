// Command soak measures one anteroom node in the middle of a big sale
// against the same node with an empty room: polls, admitted requests, joins
// and revokes, mixed, in interleaved rounds, and their p99 side by side.
// The node is the built binary with the memory store, in front of a
// loopback shop; the load comes from this process. It stops by itself.
//
//	go run ./bench/soak                  # 1M tickets, 100k active, 100k ended
//	go run ./bench/soak -tickets 100000 -active 10000 -ended 10000
//
// Exit status: 0 every p99 within -limit of the empty room's, 2 one is not,
// 1 the soak could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "", "anteroom binary (default: built with scripts/build.sh)")
	tickets := fs.Int("tickets", 1_000_000, "tickets waiting in the big room")
	active := fs.Int("active", 100_000, "sessions alive in the big room")
	ended := fs.Int("ended", 100_000, "sessions ended in the big room")
	ops := fs.Int("ops", 2_000, "operations of each kind per round")
	rounds := fs.Int("rounds", 4, "rounds per node")
	workers := fs.Int("workers", 16, "concurrent clients")
	limit := fs.Float64("limit", 1.5, "the most a big-room p99 may be of the empty room's")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "soak: unexpected argument %q\n", fs.Arg(0))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *bin == "" {
		dir, err := os.MkdirTemp("", "anteroom-soak-bin-")
		if err != nil {
			fmt.Fprintln(stderr, "soak:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "anteroom")
		if err := build(*bin); err != nil {
			fmt.Fprintln(stderr, "soak:", err)
			return 1
		}
	}
	plan := Plan{Bin: *bin, Big: Size{Tickets: *tickets, Active: *active, Ended: *ended},
		Ops: *ops, Rounds: *rounds, Workers: *workers, Log: stderr}
	start := time.Now()
	big, empty, err := Run(ctx, plan)
	if err != nil {
		fmt.Fprintln(stderr, "soak:", err)
		return 1
	}
	ok := report(stdout, plan, big, empty, *limit)
	fmt.Fprintf(stderr, "soak took %s\n", time.Since(start).Round(time.Second))
	if !ok {
		return 2
	}
	return 0
}

// build builds the binary as the Docker image and the tests do.
func build(out string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "build.sh"), out, "soak")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/build.sh: %w\n%s", err, b)
	}
	return nil
}

// repoRoot finds the module's root from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "build.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("scripts/build.sh not found above the working directory; run from the repository")
		}
		dir = parent
	}
}

// report prints the markdown table and reports whether every p99 ratio is
// within limit.
func report(w io.Writer, p Plan, big, empty Result, limit float64) bool {
	fmt.Fprintf(w, "big room: %d tickets waiting, %d sessions active, %d ended; empty room: what the load needs\n", p.Big.Tickets, p.Big.Active, p.Big.Ended)
	fmt.Fprintf(w, "%d rounds per node, interleaved; %d operations of each kind per round; %d clients\n\n", p.Rounds, p.Ops, p.Workers)
	fmt.Fprintln(w, "| operation | big p50 | empty p50 | big p99 | empty p99 | p99 ratio | target |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | --- |")
	ok := true
	for _, k := range kinds {
		b99, e99 := big.Percentile(k, 99), empty.Percentile(k, 99)
		ratio := float64(b99) / float64(max(e99, 1))
		verdict := "PASS"
		if ratio > limit {
			verdict, ok = "FAIL", false
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.2f | ≤ %.1f %s |\n", k,
			ms(big.Percentile(k, 50)), ms(empty.Percentile(k, 50)), ms(b99), ms(e99), ratio, limit, verdict)
	}
	return ok
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
