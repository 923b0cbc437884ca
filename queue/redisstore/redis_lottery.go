package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/redis/go-redis/v9"
)

// luaCommit: KEYS[1] the room's lottery key; ARGV[1] the commitment as
// "<unix ns>:<seed hex>". Sets it unless set, then returns what is set, so
// a retry returns the first run's answer.
const luaCommit = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`

var scriptCommit = redis.NewScript(luaCommit)

// lotteryKey is the room's lottery key: its own, beside the room's keys
// and with their hash tag, read by no other script.
func (r *redisRoom) lotteryKey() string {
	return strings.TrimSuffix(r.keys[keyCounters], keyNames[keyCounters]) + "lottery"
}

// Commit implements queue.Store.
func (s *Store) Commit(ctx context.Context, room string, c queue.Commitment) (queue.Commitment, error) {
	r := s.room(room)
	arg := strconv.FormatInt(c.At.UnixNano(), 10) + ":" + c.Seed.String()
	v, err := scriptCommit.Run(ctx, s.client, []string{r.lotteryKey()}, arg).Text()
	if err != nil {
		return queue.Commitment{}, fmt.Errorf("committing to the lottery seed of room %s: %w", room, err)
	}
	got, err := parseCommitment(v)
	if err != nil {
		return queue.Commitment{}, fmt.Errorf("committing to the lottery seed of room %s: %w", room, err)
	}
	return got, nil
}

func parseCommitment(v string) (queue.Commitment, error) {
	at, seed, ok := strings.Cut(v, ":")
	ns, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		return queue.Commitment{}, fmt.Errorf("unexpected commitment %q", v)
	}
	s, err := queue.ParseSeed(seed)
	if err != nil {
		return queue.Commitment{}, fmt.Errorf("unexpected commitment %q: %w", v, err)
	}
	return queue.Commitment{Seed: s, At: time.Unix(0, ns).UTC()}, nil
}
