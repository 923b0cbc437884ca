package queue

// endedQueue is a first-in first-out list of ended sessions and their times,
// kept in blocks of endedBlock entries: it grows and shrinks a block at a
// time, so that no push ever copies the entries already there — as a
// slice's doubling would, under the lock that reads of the set wait on.
type endedQueue struct {
	blocks [][]endedEntry
	head   int // entries of blocks[0] already popped
}

type endedEntry struct {
	id    string
	until int64 // Unix nanoseconds
}

// endedBlock is 3 KiB of entries: small beside a shard's map, large enough
// that a block is allocated once in a while, not once an end.
const endedBlock = 128

func (q *endedQueue) push(e endedEntry) {
	n := len(q.blocks)
	if n == 0 || len(q.blocks[n-1]) == endedBlock {
		q.blocks = append(q.blocks, make([]endedEntry, 0, endedBlock))
		n++
	}
	q.blocks[n-1] = append(q.blocks[n-1], e)
}

// front returns the oldest entry; ok is false when the queue is empty.
func (q *endedQueue) front() (e endedEntry, ok bool) {
	if len(q.blocks) == 0 || q.head == len(q.blocks[0]) {
		return endedEntry{}, false
	}
	return q.blocks[0][q.head], true
}

// pop drops the oldest entry; the queue is not empty.
func (q *endedQueue) pop() {
	b := q.blocks[0]
	b[q.head] = endedEntry{} // lets the id go
	q.head++
	if q.head < endedBlock {
		return
	}
	// A full block is drained: give it back. The slice of blocks loses its
	// first slot; append reallocates it in time, so it stays the size of
	// the blocks in use.
	q.blocks[0] = nil
	q.blocks = q.blocks[1:]
	q.head = 0
}
