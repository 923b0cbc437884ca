package queue

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSeed(t *testing.T) {
	s := NewSeed()
	got, err := ParseSeed(s.String())
	if err != nil || got != s {
		t.Fatalf("ParseSeed(%q): got %v, %v; want the seed back", s.String(), got, err)
	}
	if up, err := ParseSeed(strings.ToUpper(s.String())); err != nil || up != s {
		t.Errorf("ParseSeed of upper-case hex: got %v, %v; want the seed", up, err)
	}
	for _, bad := range []string{"", "00", strings.Repeat("0", 63), strings.Repeat("0", 65), strings.Repeat("g", 64), strings.Repeat("0", 62) + " 0"} {
		if _, err := ParseSeed(bad); err == nil {
			t.Errorf("ParseSeed(%q): got no error", bad)
		}
	}
	if NewSeed() == NewSeed() {
		t.Error("two seeds drawn alike")
	}
}

// TestDrawIsTheDocumentedFunction recomputes a draw from its description
// (lottery.go, README) with nothing but SHA-256 and shuffle.go's
// permutation, so that the function cannot change without this test
// saying so: auditors' own tools depend on it.
func TestDrawIsTheDocumentedFunction(t *testing.T) {
	var seed Seed
	for i := range seed {
		seed[i] = byte(i)
	}
	const room, n = "drop", 1000
	sum := sha256.Sum256([]byte("anteroom lottery v1\x00" + room + "\x00" + string(seed[:])))
	key := binary.BigEndian.Uint64(sum[:8])
	commit := sha256.Sum256(seed[:])
	if got := seed.Hash(); got != hex.EncodeToString(commit[:]) {
		t.Fatalf("Hash: got %s, want SHA-256 of the seed's bytes", got)
	}
	if key == binary.BigEndian.Uint64(commit[:8]) {
		t.Fatal("the permutation's key is readable from the published hash")
	}
	d := Draw{Room: room, Seed: seed, Tickets: n}
	places := make([]bool, n+1)
	for tk := uint64(1); tk <= n; tk++ {
		p := d.Place(tk)
		if want := permute(tk-1, n, key) + 1; p != want {
			t.Fatalf("Place(%d): got %d, want %d", tk, p, want)
		}
		if p < 1 || p > n || places[p] {
			t.Fatalf("Place(%d) = %d: out of range or given twice", tk, p)
		}
		places[p] = true
		if back := d.Ticket(p); back != tk {
			t.Fatalf("Ticket(Place(%d)) = %d", tk, back)
		}
	}
	if p := d.Place(n + 7); p != n+7 {
		t.Errorf("a ticket past the pre-queue: got place %d, want its number %d", p, n+7)
	}
	// The same seed orders another room differently.
	other := Draw{Room: "drop2", Seed: seed, Tickets: n}
	same := 0
	for tk := uint64(1); tk <= n; tk++ {
		if other.Place(tk) == d.Place(tk) {
			same++
		}
	}
	if same > 50 {
		t.Errorf("%d of %d places alike in two rooms with one seed", same, n)
	}
}

// TestRoomCommitsBeforeThePrequeue: the seed is stored and its hash shown
// from the room's first tick, before the pre-queue starts; the seed stays
// hidden until the opening, then its hash is the one shown before, and
// the room admits the pre-queue in the draw's order.
func TestRoomCommitsBeforeThePrequeue(t *testing.T) {
	from, opens := start.Add(time.Hour), start.Add(2*time.Hour)
	p := with(shop, func(p *Policy) { p.MaxActive, p.AbandonAfter = 1, time.Hour })
	g := newRig(t, p, Schedule{PrequeueFrom: from, OpensAt: opens, Random: true})
	g.tick()
	before := g.lottery()
	if before.Commit == "" || !before.CommittedAt.Equal(start) || before.Revealed || before.Draw != (Draw{}) {
		t.Fatalf("before the pre-queue: got %+v, want a commitment made at %v and nothing revealed", before, start)
	}
	if !before.PrequeueFrom.Equal(from) || !before.OpensAt.Equal(opens) {
		t.Errorf("window: got %v..%v, want %v..%v", before.PrequeueFrom, before.OpensAt, from, opens)
	}
	g.clk.Set(from)
	var line []Ticket
	for range 40 {
		line = append(line, g.ticket())
		g.clk.Add(time.Minute)
		for _, tk := range line {
			g.status(tk)
		}
		g.tick()
		if l := g.lottery(); l != before {
			t.Fatalf("during the pre-queue: got %+v, want %+v", l, before)
		}
	}
	g.clk.Set(opens)
	after := g.lottery() // before any tick: it opens the room itself
	if !after.Revealed || after.Commit != before.Commit || after.Draw.Seed.Hash() != before.Commit || after.Draw.Tickets != 40 || after.Draw.Room != "shop" {
		t.Fatalf("at the opening: got %+v; want the seed of hash %s and 40 tickets", after, before.Commit)
	}
	order := g.admitOneByOne(line)
	for i, n := range order {
		if want := after.Draw.Ticket(uint64(i + 1)); n != want {
			t.Fatalf("admitted %v; the draw says place %d is ticket %d", order, i+1, want)
		}
	}
	if slices.IsSorted(order) {
		t.Errorf("admitted in arrival order %v", order)
	}
}

// admitOneByOne polls every ticket each second, in ticket order, in a room
// that admits one at a time, and returns the order they were admitted in:
// the engine's own, whatever order the polls come in.
func (g *rig) admitOneByOne(line []Ticket) []uint64 {
	g.t.Helper()
	var order []uint64
	waiting := slices.Clone(line)
	for deadline := g.clk.Now().Add(time.Hour); len(waiting) > 0; {
		if g.clk.Now().After(deadline) {
			g.t.Fatalf("%d tickets still waiting after an hour", len(waiting))
		}
		g.clk.Add(time.Second)
		g.tick()
		for i := 0; i < len(waiting); i++ {
			st := g.status(waiting[i])
			if st.State == StateAdmitted {
				order = append(order, waiting[i].Number)
				if err := g.room.End(context.Background(), st.SessionID); err != nil {
					g.t.Fatal(err)
				}
				waiting = slices.Delete(waiting, i, i+1)
				i--
			}
		}
	}
	return order
}

func (g *rig) lottery() Lottery {
	g.t.Helper()
	l, err := g.room.Lottery(context.Background())
	if err != nil {
		g.t.Fatalf("Lottery: %v", err)
	}
	return l
}

// TestRoomNoPrequeueTicketWithoutCommitment: a room that never ticked
// commits before its first pre-queue ticket; with the store down it hands
// out none.
func TestRoomNoPrequeueTicketWithoutCommitment(t *testing.T) {
	g := newRig(t, shop, Schedule{OpensAt: start.Add(time.Hour), Random: true})
	f := g.flaky()
	f.down.Store(true)
	if a, err := g.room.Arrive(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Arrive with the store down: got %+v, %v; want ErrUnavailable", a, err)
	}
	if _, err := g.room.Lottery(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Lottery with the store down: got %v, want ErrUnavailable", err)
	}
	if r := g.mem.rooms["shop"]; r != nil && r.Issued != 0 {
		t.Fatalf("Issued with the store down: got %d, want 0", r.Issued)
	}
	f.down.Store(false)
	if tk := g.ticket(); tk.Number != 1 || !tk.Prequeue {
		t.Fatalf("first arrival: got %+v, want pre-queue ticket 1", tk)
	}
	mine, err := g.mem.Commit(context.Background(), "shop", Commitment{Seed: NewSeed(), At: start})
	if err != nil {
		t.Fatal(err)
	}
	if l := g.lottery(); mine.Seed.Hash() != l.Commit || !mine.At.Equal(start) {
		t.Errorf("the store holds %s, the room shows %s", mine.Seed.Hash(), l.Commit)
	}
}

// TestRoomRevealWaitsForTheOpening: past opens_at, a store that cannot
// be reached cannot freeze the pre-queue, so the seed stays hidden.
func TestRoomRevealWaitsForTheOpening(t *testing.T) {
	opens := start.Add(time.Minute)
	g := newRig(t, shop, Schedule{OpensAt: opens, Random: true})
	f := g.flaky()
	g.tick()
	g.ticket()
	g.clk.Set(opens)
	f.down.Store(true)
	if l, err := g.room.Lottery(context.Background()); !errors.Is(err, ErrUnavailable) || l.Revealed {
		t.Fatalf("Lottery at the opening, store down: got %+v, %v; want ErrUnavailable and nothing revealed", l, err)
	}
	f.down.Store(false)
	if l := g.lottery(); !l.Revealed || l.Draw.Tickets != 1 {
		t.Errorf("Lottery once the store is back: got %+v, want revealed with 1 ticket", l)
	}
}

func TestRoomLotteryRefused(t *testing.T) {
	g := newRig(t, shop, Schedule{OpensAt: start.Add(time.Minute)})
	if _, err := g.room.Lottery(context.Background()); !errors.Is(err, ErrNoLottery) {
		t.Errorf("Lottery of a fifo room: got %v, want ErrNoLottery", err)
	}
	// A room that opened in arrival order and was made random after.
	g.tick()
	g.ticket()
	g.clk.Add(time.Minute)
	g.tick()
	g.room.SetPolicy(shop, Schedule{OpensAt: start.Add(time.Minute), Random: true}, time.Second)
	if l, err := g.room.Lottery(context.Background()); !errors.Is(err, ErrLotteryMismatch) || l.Revealed {
		t.Errorf("Lottery of a room opened fifo: got %+v, %v; want ErrLotteryMismatch", l, err)
	}
}

// TestMemoryStoreKeepsTheCommitment: the first commitment stands, across
// a save and a load (a gateway restart), for every node or room that
// asks again; other rooms get their own.
func TestMemoryStoreKeepsTheCommitment(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	first := Commitment{Seed: NewSeed(), At: start}
	if got, err := s.Commit(ctx, "a", first); err != nil || got != first {
		t.Fatalf("first Commit: got %+v, %v; want %+v", got, err, first)
	}
	if got, _ := s.Commit(ctx, "a", Commitment{Seed: NewSeed(), At: start.Add(time.Second)}); got != first {
		t.Errorf("second Commit: got %+v, want the first %+v", got, first)
	}
	other := Commitment{Seed: NewSeed(), At: start}
	if got, _ := s.Commit(ctx, "b", other); got != other {
		t.Errorf("another room: got %+v, want its own %+v", got, other)
	}
	path := filepath.Join(t.TempDir(), "state")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadMemoryStore(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loaded.Commit(ctx, "a", Commitment{Seed: NewSeed(), At: start.Add(time.Hour)})
	if err != nil || got.Seed != first.Seed || !got.At.Equal(first.At) {
		t.Errorf("after a restart: got %+v, %v; want %+v", got, err, first)
	}
}

// FuzzParseSeed: any text either parses to a seed that prints back as the
// same hex (in lower case), or is refused; nothing panics.
func FuzzParseSeed(f *testing.F) {
	f.Add(strings.Repeat("0f", 32))
	f.Add(strings.Repeat("AB", 32))
	f.Add("")
	f.Add(strings.Repeat("g", 64))
	f.Fuzz(func(t *testing.T, h string) {
		s, err := ParseSeed(h)
		if err != nil {
			return
		}
		if s.String() != strings.ToLower(h) {
			t.Fatalf("ParseSeed(%q) prints back as %q", h, s.String())
		}
	})
}
