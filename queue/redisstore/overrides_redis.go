package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/anteroom/anteroom/queue"
	"github.com/redis/go-redis/v9"
)

// A room's overrides are one Redis hash, "<prefix>:{<room>}:overrides",
// beside the room's other keys (same hash tag, same Cluster slot). Its
// field "~version" counts changes; no override key can hold a "~".
const overrideVersionField = "~version"

// scriptSetOverrides deletes ARGV[2..1+ARGV[1]] and then sets the pairs that
// follow, and bumps the version, in one step. Run twice it bumps the version
// twice, which only makes nodes rebuild the room once more.
var scriptSetOverrides = redis.NewScript(`
local ndel = tonumber(ARGV[1])
for i = 2, 1 + ndel do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
for i = 2 + ndel, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return redis.call('HINCRBY', KEYS[1], '~version', 1)
`)

// scriptDropOverride deletes ARGV[1] only while it holds ARGV[2].
var scriptDropOverride = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HINCRBY', KEYS[1], '~version', 1)
end
return 0
`)

func (s *Store) overridesKey(room string) string {
	return roomKey(s.prefix, room, "overrides")
}

// Overrides implements OverrideStore.
func (s *Store) Overrides(ctx context.Context, room string) (map[string]string, uint64, error) {
	all, err := s.client.HGetAll(ctx, s.overridesKey(room)).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("reading overrides of room %s: %w", room, err)
	}
	var version uint64
	if v, ok := all[overrideVersionField]; ok {
		version, err = strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("reading overrides of room %s: version %q: %w", room, v, err)
		}
		delete(all, overrideVersionField)
	}
	if len(all) == 0 {
		all = nil
	}
	return all, version, nil
}

// SetOverrides implements OverrideStore.
func (s *Store) SetOverrides(ctx context.Context, room string, set map[string]string, del []string) (uint64, error) {
	// The gateway writes a handful of known keys; the bound keeps a bug
	// from growing the hash without end.
	if len(set) > queue.MaxOverrides {
		return 0, fmt.Errorf("room %s: more than %d overrides", room, queue.MaxOverrides)
	}
	args := make([]any, 0, 1+len(del)+2*len(set))
	args = append(args, len(del))
	for _, k := range del {
		args = append(args, k)
	}
	for k, v := range set {
		if err := queue.CheckOverride(k, v); err != nil {
			return 0, err
		}
		args = append(args, k, v)
	}
	v, err := scriptSetOverrides.Run(ctx, s.client, []string{s.overridesKey(room)}, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("setting overrides of room %s: %w", room, err)
	}
	return uint64(v), nil
}

// DropOverride implements OverrideStore.
func (s *Store) DropOverride(ctx context.Context, room, key, value string) error {
	if err := scriptDropOverride.Run(ctx, s.client, []string{s.overridesKey(room)}, key, value).Err(); err != nil {
		return fmt.Errorf("dropping override %s of room %s: %w", key, room, err)
	}
	return nil
}
