package queue

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// A random room's pre-queue order is a lottery anyone can check. Before the
// pre-queue hands out its first ticket the room draws a seed and stores it
// once for every node (Store.Commit); it publishes the seed's SHA-256 at
// once and the seed itself only when the pre-queue is frozen, so nobody —
// the operator included — can pick a seed that suits the tickets taken. The
// order is then a function of the room's name, the seed and the number of
// pre-queue tickets alone (Draw), and it is the very one the engine serves
// in: a Draw and the room's Opening compute places with the same code.

// SeedLen is the seed's length in bytes: 256 bits, so that its published
// hash cannot be reversed by trying seeds.
const SeedLen = 32

// Seed is a room's lottery seed.
type Seed [SeedLen]byte

// NewSeed draws a seed from crypto/rand.
func NewSeed() Seed {
	var s Seed
	rand.Read(s[:]) // never fails (crypto/rand's contract since Go 1.24)
	return s
}

// ParseSeed reads a seed written in hex, as the lottery endpoint shows it.
func ParseSeed(h string) (Seed, error) {
	var s Seed
	if len(h) != 2*SeedLen {
		return s, fmt.Errorf("a seed is %d hex digits, got %d", 2*SeedLen, len(h))
	}
	if _, err := hex.Decode(s[:], []byte(h)); err != nil {
		return s, errors.New("a seed is hex digits only")
	}
	return s, nil
}

// String is the seed in lower-case hex.
func (s Seed) String() string { return hex.EncodeToString(s[:]) }

// Hash is SHA-256 of the seed's bytes in lower-case hex: what a room
// publishes before its pre-queue starts.
func (s Seed) Hash() string {
	h := sha256.Sum256(s[:])
	return hex.EncodeToString(h[:])
}

// DrawLabel names the draw function, as the lottery endpoint says which
// one a room uses, and starts the key's hash: it sets it apart from every
// other use of SHA-256, the published commitment first of all.
const DrawLabel = "anteroom lottery v1"

// key is the 64-bit key of the permutation (shuffle.go) that orders the
// pre-queue of the named room: the first 8 bytes, big-endian, of
// SHA-256(DrawLabel || 0x00 || room || 0x00 || seed). A room name never
// holds a zero byte (ValidRoomName), so no two inputs run together.
func (s Seed) key(room string) uint64 {
	h := sha256.New()
	h.Write([]byte(DrawLabel))
	h.Write([]byte{0})
	h.Write([]byte(room))
	h.Write([]byte{0})
	h.Write(s[:])
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

// Commitment is a room's lottery seed as the store keeps it: the first
// one stored, and when.
type Commitment struct {
	Seed Seed
	At   time.Time
}

// Draw is the order of a random room's pre-queue: tickets 1 to Tickets,
// each given a place 1 to Tickets, once and only once. Place(t) is
// permute(t-1, Tickets, key)+1, permute being shuffle.go's keyed Feistel
// bijection and key Seed.key(Room); a ticket past the pre-queue keeps its
// number as its place.
type Draw struct {
	Room    string
	Seed    Seed
	Tickets uint64
}

// Place is ticket t's place in line.
func (d Draw) Place(t uint64) uint64 { return d.opening().Position(t) }

// Ticket is the ticket at place p: Place's inverse.
func (d Draw) Ticket(p uint64) uint64 { return d.opening().Number(p) }

// opening is the frozen pre-queue that a room which committed to d.Seed
// and took d.Tickets pre-queue tickets opens with (Room.open): the engine
// serves by it, so a Draw's places are the engine's.
func (d Draw) opening() Opening {
	return Opening{Opened: true, Random: true, PrequeueEnd: d.Tickets, Seed: d.Seed.key(d.Room)}
}
