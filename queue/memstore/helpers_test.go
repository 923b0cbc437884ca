package memstore

import "slices"

// calledSet returns the numbers of the tickets called and not yet claimed.
func calledSet(s *Store, room string) []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return nil
	}
	var ns []uint64
	for n := range r.Calls {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
