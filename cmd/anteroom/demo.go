package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/anteroom/anteroom/demo"
)

// runDemo runs the built-in demo shop behind the gateway on loopback.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "the gateway's address")
	crowd := fs.Int("crowd", 0, "simulated shoppers to play")
	if code := parseFlags(fs, args); code != 0 {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := demo.Run(ctx, demo.Options{Listen: *listen, Crowd: *crowd, Out: stdout, Log: log}); err != nil {
		fmt.Fprintf(stderr, "anteroom demo: %v\n", err)
		return 1
	}
	return 0
}
