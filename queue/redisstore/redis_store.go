package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/redis/go-redis/v9"
)

// The Store methods of Store, but Advance (redis_advance.go). Each
// runs one script of redis_scripts.go, or a few for a long batch.

// batch is how many polls or refreshes one script takes: a long batch is
// cut into atomic pieces, so that no single script holds Redis for long.
const batch = 512

// notRun reports whether err says for certain that a command was not run:
// it never reached Redis, or Redis refused it before running it (a Cluster
// slot that moved, a node loading its data, a busy script).
func notRun(err error) bool {
	if errors.Is(err, redis.ErrPoolTimeout) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var re redis.Error
	if !errors.As(err, &re) {
		return false
	}
	msg := re.Error()
	for _, p := range []string{"MOVED ", "ASK ", "TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN", "READONLY", "BUSY "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// Open implements queue.Store.
func (s *Store) Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (queue.Opening, error) {
	r := s.room(room)
	v, err := scriptOpen.Run(ctx, s.client, r.keys, now.UnixMicro(), now.UnixNano(), boolArg(random), seed).Result()
	if err != nil {
		return queue.Opening{}, fmt.Errorf("opening room %s: %w", room, err)
	}
	c, err := decodeCounters(v)
	if err != nil {
		return queue.Opening{}, fmt.Errorf("opening room %s: %w", room, err)
	}
	r.heard(c)
	return c.Opening, nil
}

// Claim implements queue.Store.
func (s *Store) Claim(ctx context.Context, room string, n uint64, sid string, now time.Time) (string, error) {
	r := s.room(room)
	v, err := scriptClaim.Run(ctx, s.client, r.keys, now.UnixMicro(), n, sid).Result()
	if err != nil {
		return "", fmt.Errorf("claiming ticket %d of room %s: %w", n, room, err)
	}
	rep, err := decodeClaim(v)
	if err != nil {
		return "", fmt.Errorf("claiming ticket %d of room %s: %w", n, room, err)
	}
	switch rep.Code {
	case claimed:
		return rep.Session, nil
	case claimEnded:
		return "", queue.ErrForfeited
	}
	c := rep.Counters
	r.heard(c)
	if !c.Opening.Opened || c.Opening.Position(n) > c.Serving {
		return "", queue.ErrNotCalled
	}
	return "", queue.ErrForfeited
}

// AdmitDirect implements queue.Store.
func (s *Store) AdmitDirect(ctx context.Context, room, sid string, p queue.Policy, now time.Time) (bool, error) {
	r := s.room(room)
	ok, err := scriptAdmitDirect.Run(ctx, s.client, r.keys, now.UnixMicro(), sid, p.MaxActive, p.PerMinute, p.Burst,
		sessionLife(p), p.ClaimWindow.Microseconds(), endedLife(p)).Int64()
	if err != nil {
		return false, fmt.Errorf("admitting to room %s: %w", room, err)
	}
	return ok == 1, nil
}

// sessionLife is how long the store keeps a session after its last
// refresh, in microseconds.
func sessionLife(p queue.Policy) int64 { return (p.SessionTTL + queue.SessionGrace).Microseconds() }

// endedLife is how long the store keeps an ended session, in microseconds:
// as long as a token of it could be valid.
func endedLife(p queue.Policy) int64 { return (p.SessionTTL + queue.EndedSlack).Microseconds() }

// Refresh implements queue.Store.
func (s *Store) Refresh(ctx context.Context, room string, sids []string, now time.Time) error {
	r := s.room(room)
	for {
		part := sids[:min(len(sids), batch)]
		args := make([]any, 0, 1+len(part))
		args = append(args, now.UnixMicro())
		for _, sid := range part {
			args = append(args, sid)
		}
		if err := scriptRefresh.Run(ctx, s.client, r.keys, args...).Err(); err != nil {
			return fmt.Errorf("refreshing sessions of room %s: %w", room, err)
		}
		sids = sids[len(part):]
		if len(sids) == 0 {
			return nil
		}
	}
}

// End implements queue.Store.
func (s *Store) End(ctx context.Context, room, sid string, now time.Time) error {
	r := s.room(room)
	if err := scriptEnd.Run(ctx, s.client, r.keys, now.UnixMicro(), sid).Err(); err != nil {
		return fmt.Errorf("ending a session of room %s: %w", room, err)
	}
	return nil
}

// Seen implements queue.Store. Each number goes with its position, which only
// Go can compute for a random pre-queue (see redis_advance.go); when this
// node does not know the room's opening yet, the script says so and the
// batch is sent again with it.
func (s *Store) Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error {
	r := s.room(room)
	o, _, _ := r.view()
	for {
		part := numbers[:min(len(numbers), batch)]
		for try := 0; ; try++ {
			args := make([]any, 0, 2+2*len(part))
			args = append(args, now.UnixMicro(), openingID(o))
			for _, n := range part {
				args = append(args, n, o.Position(n))
			}
			v, err := scriptSeen.Run(ctx, s.client, r.keys, args...).Result()
			if err != nil {
				return fmt.Errorf("recording polls in room %s: %w", room, err)
			}
			rep, err := decodeMore("seen", v)
			if err != nil {
				return fmt.Errorf("recording polls in room %s: %w", room, err)
			}
			if !rep.More {
				break
			}
			c := rep.Counters
			r.heard(c)
			if try == 2 {
				return fmt.Errorf("recording polls in room %s: the room's opening keeps changing", room)
			}
			o = c.Opening
		}
		numbers = numbers[len(part):]
		if len(numbers) == 0 {
			return nil
		}
	}
}

// Leave implements queue.Store.
func (s *Store) Leave(ctx context.Context, room string, n uint64) error {
	r := s.room(room)
	if err := scriptLeave.Run(ctx, s.client, r.keys, n).Err(); err != nil {
		return fmt.Errorf("leaving room %s: %w", room, err)
	}
	return nil
}

// EndedSince implements queue.Store: a plain read of the ended set, which the
// scripts keep ordered by when each session ended.
func (s *Store) EndedSince(ctx context.Context, room string, since time.Time) ([]queue.Ended, error) {
	r := s.room(room)
	zs, err := s.client.ZRangeByScoreWithScores(ctx, r.keys[keyEnded], &redis.ZRangeBy{
		Min: fmt.Sprintf("%d", since.UnixMicro()),
		Max: "+inf",
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("listing ended sessions of room %s: %w", room, err)
	}
	out := make([]queue.Ended, len(zs))
	for i, z := range zs {
		out[i] = queue.Ended{ID: z.Member.(string), At: time.UnixMicro(int64(z.Score))}
	}
	return out, nil
}

// Counters implements queue.Store.
func (s *Store) Counters(ctx context.Context, room string) (queue.Counters, error) {
	r := s.room(room)
	v, err := scriptCounters.Run(ctx, s.client, r.keys).Result()
	if err != nil {
		return queue.Counters{}, fmt.Errorf("reading counters of room %s: %w", room, err)
	}
	c, err := decodeCounters(v)
	if err != nil {
		return queue.Counters{}, fmt.Errorf("reading counters of room %s: %w", room, err)
	}
	r.heard(c)
	return c, nil
}

// openingID names an opening as the scripts do: its instant and its seed.
// An opening never changes, unless Redis lost it and the room opened again.
func openingID(o queue.Opening) string {
	if !o.Opened {
		return ""
	}
	return strconv.FormatInt(o.At.UnixNano(), 10) + "/" + strconv.FormatUint(o.Seed, 10)
}

func boolArg(b bool) int {
	if b {
		return 1
	}
	return 0
}
