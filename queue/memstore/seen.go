package memstore

import "slices"

// seenLog is the per-ticket poll record of the memory store: a uint16 per
// ticket number, the only state a waiting shopper costs. It lives in fixed
// chunks so that it grows without copying (a slice doubling would hold up
// to twice its size in memory), and chunks the serving counter has passed
// are given back: their tickets have all had their turn.
type seenLog struct {
	// Chunks hold seenChunk entries each; a nil chunk reads as all zero
	// (every ticket in it is gone).
	Chunks [][]uint16
	// N is the number of entries: tickets 1..N.
	N uint64

	// freed is how many chunks from the first are released already, so
	// that release does not walk them again.
	freed uint64
	// shared marks the chunks a copy made for Save still reads (see
	// share); such a chunk is copied before it is written.
	shared []bool
}

const seenChunk = 1 << 15 // 64 KiB of entries

func (s *seenLog) len() uint64 { return s.N }

// get returns entry i (0-based); i < len.
func (s *seenLog) get(i uint64) uint16 {
	c := s.Chunks[i/seenChunk]
	if c == nil {
		return 0
	}
	return c[i%seenChunk]
}

// set stores v at entry i (0-based); i < len.
func (s *seenLog) set(i uint64, v uint16) {
	k := i / seenChunk
	if s.Chunks[k] == nil {
		if v == 0 {
			return // already reads as zero
		}
		s.Chunks[k] = make([]uint16, seenChunk)
	}
	s.own(k)[i%seenChunk] = v
}

// own returns chunk k for writing, first copying it if a copy made for
// Save still reads it.
func (s *seenLog) own(k uint64) []uint16 {
	if k < uint64(len(s.shared)) && s.shared[k] {
		s.Chunks[k] = slices.Clone(s.Chunks[k])
		s.shared[k] = false
	}
	return s.Chunks[k]
}

// grow appends entries set to v until there are n.
func (s *seenLog) grow(n uint64, v uint16) {
	for s.N < n {
		if s.N%seenChunk == 0 {
			s.Chunks = append(s.Chunks, make([]uint16, seenChunk))
		}
		c := s.own(s.N / seenChunk)
		for j := s.N % seenChunk; j < seenChunk && s.N < n; j++ {
			c[j] = v
			s.N++
		}
	}
}

// scan calls fn for the entries from i to end (0-based, end excluded) and
// stores what it returns, skipping released chunks: they are all zero,
// which no caller counts or changes.
func (s *seenLog) scan(from, end uint64, fn func(uint16) uint16) {
	end = min(end, s.N)
	for i := from; i < end; {
		k := i / seenChunk
		base := k * seenChunk
		stop := min(base+seenChunk, end)
		if s.Chunks[k] != nil {
			c := s.own(k)
			for j := i - base; j < stop-base; j++ {
				c[j] = fn(c[j])
			}
		}
		i = stop
	}
}

// release gives back every whole chunk before entry i (0-based): the
// caller knows all of them are gone.
func (s *seenLog) release(before uint64) {
	for ; s.freed < before/seenChunk && s.freed < uint64(len(s.Chunks)); s.freed++ {
		s.Chunks[s.freed] = nil
	}
}

// share returns a copy of the record for Save to read while the store
// goes on: the copy holds the chunks as they are now, and the store copies
// a chunk before its next write to it, until unshare. Only the chunk list
// is copied here, not the entries.
func (s *seenLog) share() seenLog {
	s.shared = make([]bool, len(s.Chunks))
	for k, c := range s.Chunks {
		s.shared[k] = c != nil
	}
	return seenLog{Chunks: slices.Clone(s.Chunks), N: s.N}
}

// unshare ends what share began: the copy is no longer read.
func (s *seenLog) unshare() { s.shared = nil }
