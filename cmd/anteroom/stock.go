package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/queue"
)

// stockCmd shows a room's stock in the configured store, or sets it: the
// way back after a store lost its data, which holds stop until an operator
// says how many units are left (counted against the shop's orders), so
// that a lost count never comes back full.
func stockCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("stock", stderr)
	room := fs.String("room", "", "room name")
	set := fs.Int("set", -1, "set the units for sale (held and sold units stay counted)")
	cfg, path, code := loadWithFlags(fs, args, stderr)
	if code != 0 {
		return code
	}
	if *room == "" && len(cfg.Rooms) == 1 {
		*room = cfg.Rooms[0].Name
	}
	found := false
	for _, r := range cfg.Rooms {
		found = found || r.Name == *room
	}
	if !found {
		fmt.Fprintf(stderr, "anteroom stock: no room %q in %s\n", *room, path)
		return 2
	}
	if cfg.Store.Backend == config.BackendMemory {
		fmt.Fprintln(stderr, "anteroom stock: with store.backend memory the stock lives in the gateway's state file; stop the gateway before setting it")
	}
	store, save, err := openStore(cfg, slog.New(slog.DiscardHandler), false)
	if err != nil {
		fmt.Fprintf(stderr, "anteroom stock: %v\n", err)
		return 1
	}
	defer store.Close()
	// The command is an operator's reading or setting of the stock, and
	// calls nothing else.
	var admin queue.StockAdmin = store
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var s queue.Stock
	if *set >= 0 {
		s, err = admin.SetStock(ctx, *room, *set, time.Now())
		if err == nil && save != nil {
			err = save()
		}
	} else {
		s, err = admin.Stock(ctx, *room, time.Now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "anteroom stock: %v\n", err)
		return 1
	}
	if !s.Set {
		fmt.Fprintf(stdout, "room %s: no stock figure in the store; set it with -set N\n", *room)
		return 0
	}
	fmt.Fprintf(stdout, "room %s: %d units, %d held, %d sold, %d left\n", *room, s.Units, s.Held, s.Sold, s.Left())
	return 0
}
