package memstore

import (
	"cmp"
	"slices"
	"time"
)

// dueQueue files keys under a time, so that a sweep visits the keys whose
// time has come and not the others: the memory store's sessions, calls and
// claims expire in work proportional to what falls due, not to what
// exists. Keys sit in one-second slots, the slots in time order; a sweep
// takes whole slots before its cutoff and, in the slot that holds the
// cutoff, sorts once and takes the due front. Filing is O(1) amortised:
// an append, and a new slot a second at most (slots are appended in order,
// as the clock moves on).
//
// A key may be filed earlier than it is due (a session refreshed since);
// the sweep asks its owner, which files it again at its real time. So a
// refresh costs nothing here, and a key comes round at most once per life.
type dueQueue[K comparable] struct {
	slots map[int64]*dueSlot[K] // by slot number
	order []int64               // the slots' numbers, ascending
	n     int                   // entries filed
}

type dueEntry[K comparable] struct {
	at  int64 // Unix ns
	key K
}

type dueSlot[K comparable] struct {
	entries []dueEntry[K]
	min     int64 // the earliest at in entries
	sorted  bool  // entries are in order of at
}

// dueGrain is a slot's span: a second, so a room has a few hundred slots
// for a life of minutes, however many keys they hold.
const dueGrain = int64(time.Second)

// slotOf is the slot of time at, rounding down (times before 1970 too).
func slotOf(at int64) int64 {
	s := at / dueGrain
	if at%dueGrain < 0 {
		s--
	}
	return s
}

func byAt[K comparable](a, b dueEntry[K]) int { return cmp.Compare(a.at, b.at) }

// add files key k at time at.
func (q *dueQueue[K]) add(at int64, k K) {
	num := slotOf(at)
	sl := q.slots[num]
	if sl == nil {
		if q.slots == nil {
			q.slots = make(map[int64]*dueSlot[K])
		}
		sl = &dueSlot[K]{min: at, sorted: true}
		q.slots[num] = sl
		if n := len(q.order); n == 0 || q.order[n-1] < num {
			q.order = append(q.order, num)
		} else { // a caller whose clock lags: rare, and the slots are few
			i, _ := slices.BinarySearch(q.order, num)
			q.order = slices.Insert(q.order, i, num)
		}
	}
	if n := len(sl.entries); n > 0 && at < sl.entries[n-1].at {
		sl.sorted = false
	}
	sl.entries = append(sl.entries, dueEntry[K]{at: at, key: k})
	sl.min = min(sl.min, at)
	q.n++
}

// sweep hands visit every key filed before cutoff, with the time it was
// filed at, and takes it out. visit returns a time at or after cutoff to
// have the key filed again there, or false to let it go.
func (q *dueQueue[K]) sweep(cutoff int64, visit func(k K, filed int64) (int64, bool)) {
	for len(q.order) > 0 {
		num := q.order[0]
		sl := q.slots[num]
		if sl.min >= cutoff {
			return // later slots start later still
		}
		var due []dueEntry[K]
		if (num+1)*dueGrain <= cutoff { // all of it
			q.dropFirstSlot()
			due = sl.entries
		} else { // the slot holding the cutoff: its due front
			if !sl.sorted {
				slices.SortFunc(sl.entries, byAt)
				sl.sorted = true
			}
			i, _ := slices.BinarySearchFunc(sl.entries, cutoff, func(e dueEntry[K], t int64) int { return cmp.Compare(e.at, t) })
			due, sl.entries = sl.entries[:i], sl.entries[i:]
			if len(sl.entries) == 0 {
				q.dropFirstSlot()
			} else {
				sl.min = sl.entries[0].at
			}
		}
		q.n -= len(due)
		for i, e := range due {
			if at, keep := visit(e.key, e.at); keep {
				q.add(at, e.key)
			}
			due[i] = dueEntry[K]{} // let go of the key
		}
	}
}

func (q *dueQueue[K]) dropFirstSlot() {
	delete(q.slots, q.order[0])
	q.order = q.order[1:]
}

// len is the number of entries filed.
func (q *dueQueue[K]) len() int { return q.n }
