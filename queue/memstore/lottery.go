package memstore

import (
	"context"

	"github.com/anteroom/anteroom/queue"
)

// Commit implements queue.Store. The commitment is part of the room's saved
// state, so a restart keeps it like every ticket's place.
func (s *Store) Commit(_ context.Context, room string, c queue.Commitment) (queue.Commitment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.room(room, c.At)
	if r.Lottery.At.IsZero() {
		r.Lottery = c
	}
	return r.Lottery, nil
}
