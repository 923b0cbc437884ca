package queue

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
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
