package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/anteroom/anteroom/queue"
)

// maxPrintedDraw bounds the tickets whose whole order is printed: a typo
// in -tickets should not print for hours. One ticket's place (-ticket) is
// computed for a draw of any size.
const maxPrintedDraw = 100_000_000

const lotteryUsage = "usage: anteroom lottery verify -room NAME -seed HEX -tickets N [-commit HEX] [-ticket T]"

// lotteryCmd recomputes a random room's pre-queue draw from what its
// lottery endpoint reveals at the opening, so that a shopper can check
// their own place and an auditor the whole order, with the very function
// the gateway serves by (queue.Draw).
func lotteryCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, lotteryUsage)
		return 2
	}
	fs := newFlags("lottery verify", stderr)
	room := fs.String("room", "", "the room's name")
	seedHex := fs.String("seed", "", "the seed the lottery endpoint revealed (64 hex digits)")
	tickets := fs.Uint64("tickets", 0, "the number of pre-queue tickets the endpoint revealed")
	commit := fs.String("commit", "", "the seed_sha256 published before the pre-queue; the seed must match it")
	ticket := fs.Uint64("ticket", 0, "print only this ticket's place")
	if code := parseFlags(fs, args[1:]); code != 0 {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	usageErr := func(msg string) int {
		fmt.Fprintf(stderr, "anteroom lottery verify: %s\n%s\n", msg, lotteryUsage)
		return 2
	}
	switch {
	case *room == "":
		return usageErr("-room is required")
	case !queue.ValidRoomName(*room):
		return usageErr(fmt.Sprintf("-room: invalid room name %q: 1 to %d characters of a-z, 0-9, _ and -", *room, queue.MaxRoomNameLen))
	case !set["seed"]:
		return usageErr("-seed is required")
	case !set["tickets"]:
		return usageErr("-tickets is required")
	case set["ticket"] && *ticket == 0:
		return usageErr("-ticket: tickets are numbered from 1")
	case !set["ticket"] && *tickets > maxPrintedDraw:
		return usageErr(fmt.Sprintf("-tickets %d: more than %d to print; ask for one place with -ticket T", *tickets, maxPrintedDraw))
	}
	seed, err := queue.ParseSeed(*seedHex)
	if err != nil {
		return usageErr("-seed: " + err.Error())
	}
	if set["commit"] {
		if b, err := hex.DecodeString(*commit); err != nil || len(b) != 32 {
			return usageErr("-commit: a SHA-256 is 64 hex digits")
		}
		if got := seed.Hash(); got != strings.ToLower(*commit) {
			fmt.Fprintf(stderr, "anteroom lottery verify: the seed does not match the commitment: its SHA-256 is %s, -commit is %s\n", got, *commit)
			return 1
		}
	}
	d := queue.Draw{Room: *room, Seed: seed, Tickets: *tickets}
	w := bufio.NewWriter(stdout)
	match := ""
	if set["commit"] {
		match = ", matches -commit"
	}
	fmt.Fprintf(w, "# room %s, %d pre-queue tickets, seed sha256 %s%s\n", d.Room, d.Tickets, seed.Hash(), match)
	switch {
	case set["ticket"] && *ticket > d.Tickets:
		fmt.Fprintf(w, "ticket %d: not in the pre-queue; it keeps its number, place %d\n", *ticket, d.Place(*ticket))
	case set["ticket"]:
		fmt.Fprintf(w, "ticket %d: place %d of %d\n", *ticket, d.Place(*ticket), d.Tickets)
	default:
		fmt.Fprintln(w, "ticket\tplace")
		for t := uint64(1); t <= d.Tickets; t++ {
			fmt.Fprintf(w, "%d\t%d\n", t, d.Place(t))
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "anteroom lottery verify: %v\n", err)
		return 1
	}
	return 0
}
