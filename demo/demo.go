package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/anteroom/anteroom/gateway"
	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/token"
)

// Options of a demo run.
type Options struct {
	// Listen is the gateway's address; the shop takes a free loopback port.
	Listen string
	// Crowd is how many simulated shoppers to play.
	Crowd int
	// Out receives the instructions for the newcomer.
	Out io.Writer
	Log *slog.Logger
}

// Config is the demo's configuration: a small room in front of the shop at
// origin, so that a queue forms with a handful of shoppers.
func Config(listen, origin string) *config.Config {
	c := &config.Config{
		Listen: listen,
		Origin: config.Origin{URL: origin},
		Limits: config.Limits{OriginRPS: 2000, PerClient: config.Rate{RPS: 2000, Burst: 4000}},
		Rooms: []config.Room{{
			Name:              "drop",
			Paths:             []string{"/*"},
			Bypass:            []string{"/static/*", "/favicon.ico"},
			MaxActiveUsers:    5,
			NewUsersPerMinute: 30,
			SessionDuration:   time.Minute,
			ClaimWindow:       20 * time.Second,
			AbandonAfter:      30 * time.Second,
			PollInterval:      2 * time.Second,
			Page:              config.Page{Title: "Console drop (demo)"},
		}},
	}
	c.SetDefaults()
	return c
}

// Run starts the shop, the gateway in front of it and the crowd, and
// serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	shopLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo shop: %w", err)
	}
	shop := &http.Server{Handler: Shop(), ReadHeaderTimeout: 5 * time.Second}
	go shop.Serve(shopLn)
	defer shop.Close()

	cfg := Config(o.Listen, "http://"+shopLn.Addr().String())
	if errs := cfg.Validate(); len(errs) > 0 {
		return fmt.Errorf("demo config: %v", errs)
	}
	// A fresh secret per run, as anteroom keygen makes them: it always
	// passes the key ring's strength check.
	secret := []byte(token.NewSecret())
	g, err := gateway.New(cfg, gateway.Options{Store: memstore.New(), Secrets: [][]byte{secret}, Log: o.Log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("demo gateway: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(o.Out, "anteroom demo: the shop is behind the gateway at %s\n", url)
	fmt.Fprintf(o.Out, "room \"drop\": %d active shoppers at most, %d admitted a minute.\n",
		cfg.Rooms[0].MaxActiveUsers, cfg.Rooms[0].NewUsersPerMinute)
	if o.Crowd > 0 {
		fmt.Fprintf(o.Out, "%d simulated shoppers are arriving; open the URL to queue behind them.\n", o.Crowd)
		go RunCrowd(ctx, url, o.Crowd, o.Log)
	} else {
		fmt.Fprintln(o.Out, "open the URL in several private windows to see a queue form, or run with -crowd 50.")
	}
	fmt.Fprintln(o.Out, "press Ctrl-C to stop.")
	err = g.Serve(ctx, ln, 5*time.Second)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
