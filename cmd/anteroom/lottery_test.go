package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// TestLotteryVerifyMatchesTheEngine: a pre-queue crowd of 60 is admitted
// one at a time by the engine, polling in arrival order; the order that
// "anteroom lottery verify" prints from what the room revealed is the
// order they were admitted in, and -ticket gives each one's place.
func TestLotteryVerifyMatchesTheEngine(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2031, 11, 27, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	opens := now.Add(time.Hour)
	ctx := context.Background()
	room := queue.NewRoom("drop", memstore.New(), queue.Options{
		Policy: queue.Policy{MaxActive: 1, PerMinute: 6000, Burst: 100, SessionTTL: time.Minute,
			// The crowd does not poll during the hour's pre-queue: an
			// abandon window of an hour would skip ticket 1 (seen last at
			// 08:00:00) whenever the draw puts it first at 09:00:01.
			ClaimWindow: time.Minute, AbandonAfter: 2 * time.Hour},
		Schedule:     queue.Schedule{OpensAt: opens, Random: true},
		PollInterval: time.Second, Now: clock, Log: slog.New(slog.DiscardHandler),
	})
	room.Tick(ctx)
	before, err := room.Lottery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var line []queue.Ticket
	for range 60 {
		a, err := room.Arrive(ctx)
		if err != nil || !a.Prequeue {
			t.Fatalf("Arrive: got %+v, %v; want a pre-queue ticket", a, err)
		}
		line = append(line, queue.Ticket{Number: a.Number, Prequeue: true, IssuedAt: clock()})
		advance(time.Second)
	}
	advance(opens.Sub(clock()))
	var admitted []uint64
	for turn := 0; len(line) > 0; turn++ {
		if turn > 1000 {
			t.Fatalf("%d tickets still waiting", len(line))
		}
		advance(time.Second)
		room.Tick(ctx)
		for i := 0; i < len(line); i++ {
			st, err := room.Status(ctx, line[i])
			if err != nil {
				t.Fatal(err)
			}
			if st.State == queue.StateAdmitted {
				admitted = append(admitted, line[i].Number)
				if err := room.End(ctx, st.SessionID); err != nil {
					t.Fatal(err)
				}
				line = slices.Delete(line, i, i+1)
				i--
			}
		}
	}
	if slices.IsSorted(admitted) {
		t.Fatalf("admitted in arrival order: %v", admitted)
	}
	l, err := room.Lottery(ctx)
	if err != nil || !l.Revealed || l.Commit != before.Commit {
		t.Fatalf("Lottery after the opening: got %+v, %v; want the seed of %s revealed", l, err, before.Commit)
	}

	seed := l.Draw.Seed.String()
	code, out, stderr := runCmd("lottery", "verify", "-room", "drop", "-seed", seed, "-tickets", "60", "-commit", before.Commit)
	if code != 0 {
		t.Fatalf("verify: exit %d, %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if want := "# room drop, 60 pre-queue tickets, seed sha256 " + before.Commit + ", matches -commit"; lines[0] != want || lines[1] != "ticket\tplace" {
		t.Fatalf("verify's header: got %q, want %q and a table", lines[:2], want)
	}
	byPlace := make([]uint64, 61)
	for _, ln := range lines[2:] {
		tk, place, ok := strings.Cut(ln, "\t")
		tn, err1 := strconv.ParseUint(tk, 10, 64)
		pn, err2 := strconv.ParseUint(place, 10, 64)
		if !ok || err1 != nil || err2 != nil || pn < 1 || pn > 60 || byPlace[pn] != 0 {
			t.Fatalf("verify printed %q", ln)
		}
		byPlace[pn] = tn
	}
	if !slices.Equal(byPlace[1:], admitted) {
		t.Fatalf("verify's order %v\nthe engine admitted %v", byPlace[1:], admitted)
	}
	for place, tk := range admitted[:5] {
		_, out, _ := runCmd("lottery", "verify", "-room", "drop", "-seed", seed, "-tickets", "60", "-ticket", fmt.Sprint(tk))
		if want := fmt.Sprintf("ticket %d: place %d of 60\n", tk, place+1); !strings.HasSuffix(out, want) {
			t.Errorf("-ticket %d: got %q, want %q", tk, out, want)
		}
	}
	// Another room's name gives another order: the room is part of the draw.
	_, other, _ := runCmd("lottery", "verify", "-room", "drop2", "-seed", seed, "-tickets", "60")
	if strings.SplitN(other, "\n", 3)[2] == strings.SplitN(out, "\n", 3)[2] {
		t.Error("the same order for another room")
	}
}

func TestLotteryVerifyRefusesBadInput(t *testing.T) {
	seed := strings.Repeat("ab", 32)
	hash := queue.Seed{}.Hash() // the hash of another seed
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage: anteroom lottery verify"},
		{[]string{"check"}, 2, "usage: anteroom lottery verify"},
		{[]string{"verify", "-seed", seed, "-tickets", "3"}, 2, "-room is required"},
		{[]string{"verify", "-room", "Drop!", "-seed", seed, "-tickets", "3"}, 2, `invalid room name "Drop!"`},
		{[]string{"verify", "-room", strings.Repeat("a", 65), "-seed", seed, "-tickets", "3"}, 2, "invalid room name"},
		{[]string{"verify", "-room", "drop", "-tickets", "3"}, 2, "-seed is required"},
		{[]string{"verify", "-room", "drop", "-seed", "abc", "-tickets", "3"}, 2, "-seed: a seed is 64 hex digits"},
		{[]string{"verify", "-room", "drop", "-seed", strings.Repeat("zz", 32), "-tickets", "3"}, 2, "-seed: a seed is hex digits only"},
		{[]string{"verify", "-room", "drop", "-seed", seed}, 2, "-tickets is required"},
		{[]string{"verify", "-room", "drop", "-seed", seed, "-tickets", "-1"}, 2, "invalid value"},
		{[]string{"verify", "-room", "drop", "-seed", seed, "-tickets", "3", "-ticket", "0"}, 2, "numbered from 1"},
		{[]string{"verify", "-room", "drop", "-seed", seed, "-tickets", "1000000000"}, 2, "ask for one place with -ticket"},
		{[]string{"verify", "-room", "drop", "-seed", seed, "-tickets", "3", "-commit", "xyz"}, 2, "-commit: a SHA-256 is 64 hex digits"},
		{[]string{"verify", "-room", "drop", "-seed", seed, "-tickets", "3", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"verify", "-room", "drop", "-seed", seed, "-tickets", "3", "-commit", hash}, 1, "the seed does not match the commitment"},
	}
	for _, c := range cases {
		code, out, stderr := runCmd(append([]string{"lottery"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.msg) || out != "" {
			t.Errorf("lottery %q: got exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, stderr, c.code, c.msg)
		}
	}
	// One ticket's place in a draw too big to print is fine.
	code, out, _ := runCmd("lottery", "verify", "-room", "drop", "-seed", seed, "-tickets", "1000000000", "-ticket", "7")
	if code != 0 || !strings.Contains(out, "ticket 7: place ") {
		t.Errorf("-ticket in a big draw: got exit %d, %q", code, out)
	}
}
