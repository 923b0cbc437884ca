package queue

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
	c := s.Chunks[i/seenChunk]
	if c == nil {
		if v == 0 {
			return // already reads as zero
		}
		c = make([]uint16, seenChunk)
		s.Chunks[i/seenChunk] = c
	}
	c[i%seenChunk] = v
}

// grow appends entries set to v until there are n.
func (s *seenLog) grow(n uint64, v uint16) {
	for s.N < n {
		if s.N%seenChunk == 0 {
			s.Chunks = append(s.Chunks, make([]uint16, seenChunk))
		}
		s.Chunks[s.N/seenChunk][s.N%seenChunk] = v
		s.N++
	}
}

// scan calls fn for the entries from i (0-based) on and stores what it
// returns, skipping released chunks: they are all zero, which no caller
// counts or changes.
func (s *seenLog) scan(from uint64, fn func(uint16) uint16) {
	for i := from; i < s.N; {
		c := s.Chunks[i/seenChunk]
		base := (i / seenChunk) * seenChunk
		end := min(base+seenChunk, s.N)
		if c != nil {
			for j := i - base; j < end-base; j++ {
				c[j] = fn(c[j])
			}
		}
		i = end
	}
}

// release gives back every whole chunk before entry i (0-based): the
// caller knows all of them are gone.
func (s *seenLog) release(before uint64) {
	for k := uint64(0); k < before/seenChunk && k < uint64(len(s.Chunks)); k++ {
		s.Chunks[k] = nil
	}
}
