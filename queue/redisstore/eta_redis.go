package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/redis/go-redis/v9"
)

// A room's ETA model for one 5 s slot is the string
// "<prefix>:{<room>}:eta:<slot>", beside the room's other keys (same hash
// tag, same Cluster slot), written once by the first node to offer one.
// Nodes read a slot's view only during the next slot, so it expires after
// etaKeep: a dead room leaves at most a dozen behind, for a minute.
const etaKeep = time.Minute

// scriptPublishETA sets KEYS[1] to ARGV[1] unless it is set, and returns
// what it holds: the first offer, on every node. Run twice (a retry whose
// answer was lost) it returns the first run's view.
var scriptPublishETA = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  return cur
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]
`)

var _ queue.ETAStore = (*Store)(nil)

// PublishETA implements queue.ETAStore.
func (s *Store) PublishETA(ctx context.Context, room string, slot int64, view []byte) ([]byte, error) {
	key := roomKey(s.prefix, room, "eta:"+strconv.FormatInt(slot, 10))
	got, err := scriptPublishETA.Run(ctx, s.client, []string{key}, view, int(etaKeep/time.Second)).Text()
	if err != nil {
		return nil, fmt.Errorf("publishing the ETA model of room %s: %w", room, err)
	}
	return []byte(got), nil
}
