package redisstore

import "github.com/redis/go-redis/v9"

// The stock scripts of Store; memstore/stock.go is the reference.
//
// State. The counters hash holds stock_set (1 once a figure was given),
// stock_units, stock_held, stock_sold and stock_expired (holds ended by
// their time running out, counted in hold_end, so once each). A hold is a field of the holds
// hash: its id -> a state letter, its expiry (µs) and its session, as
// "H1700000000000000:sid" (H held, S sold, R released, E expired). While a
// hold is live, hold_sessions maps its session to it (one live hold per
// session) and holds_due has it by expiry; once it ended, holds_gone has it
// by when its record is forgotten (HoldKeep after it ended), so that a late
// confirm still finds it sold. holds_bought counts the units sold to each
// session, for inventory.per_session: a field only for a session that
// bought, so at most stock_sold of them, kept for the room's life as
// the memory store's Bought is.
//
// Exactly once. stock_held goes down in one place, hold_end, which runs
// only on a hold whose record says H and writes another letter in the same
// atomic script. An expiry, a release and a confirm of one hold, on any
// nodes in any order, are scripts run one after another, and only the
// first to find it live gives its unit back (or sells it). Every script
// first expires the holds due by its own now, so what it sees is the stock
// at its instant.
//
// Retries. Each script is safe to run twice: a hold is keyed by its id (a
// second run finds its own record and returns it), a confirm of a sold
// hold and a release of an ended one change nothing, and SetStock and
// InitStock set rather than add.

// luaStockPrelude is the stock's part of luaPrelude: keys and helpers that
// Advance and the counters need as well.
const luaStockPrelude = `
local HOLDS, HSESS, HDUE, HGONE, HBOUGHT = KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local KEEP = 3600000000 -- µs a hold's record outlives it (HoldKeep)

-- hold_get reads hold hid's record: {state, at (expiry, µs), sid}, or nil.
local function hold_get(hid)
  local v = redis.call('HGET', HOLDS, hid)
  if not v then return nil end
  local at, sid = string.match(v, '^.(%d+):(.*)$')
  return {state = string.sub(v, 1, 1), at = tonumber(at), sid = sid}
end

local function hold_put(hid, h)
  redis.call('HSET', HOLDS, hid, h.state .. fmt(h.at) .. ':' .. h.sid)
end

-- sell_to counts a unit sold to session sid ('' when the hold's record
-- was forgotten and with it whose it was).
local function sell_to(sid)
  redis.call('HINCRBY', C, 'stock_sold', 1)
  if sid ~= '' then redis.call('HINCRBY', HBOUGHT, sid, 1) end
end

-- hold_end ends live hold hid (record h) as state at instant t: its unit
-- goes back to stock, or to the sold ones. The one way a held unit leaves
-- stock_held; call it only on a hold whose record says H.
local function hold_end(hid, h, state, t)
  h.state = state
  hold_put(hid, h)
  if redis.call('HGET', HSESS, h.sid) == hid then redis.call('HDEL', HSESS, h.sid) end
  redis.call('ZREM', HDUE, hid)
  redis.call('ZADD', HGONE, fmt(t + KEEP), hid)
  redis.call('HINCRBY', C, 'stock_held', -1)
  if state == 'S' then sell_to(h.sid) end
  if state == 'E' then redis.call('HINCRBY', C, 'stock_expired', 1) end
end

-- expire_holds ends the live holds due by now (a hold is over at its
-- expiry) and forgets, a few at a time, records kept long enough.
local function expire_holds(now)
  for _, hid in ipairs(redis.call('ZRANGEBYSCORE', HDUE, '-inf', fmt(now))) do
    local h = hold_get(hid)
    if h and h.state == 'H' then
      hold_end(hid, h, 'E', h.at)
    else
      redis.call('ZREM', HDUE, hid)
    end
  end
  for _, hid in ipairs(redis.call('ZRANGEBYSCORE', HGONE, '-inf', fmt(now), 'LIMIT', 0, 256)) do
    redis.call('HDEL', HOLDS, hid)
    redis.call('ZREM', HGONE, hid)
  end
end

-- stock_at is {set, units, held, sold, expired} as of at: live holds due
-- by then count as returned (and expired), although nothing has expired
-- them yet.
local function stock_at(at)
  local v = redis.call('HMGET', C, 'stock_set', 'stock_units', 'stock_held', 'stock_sold', 'stock_expired')
  local held, due = num(v[3]), 0
  if held > 0 then due = redis.call('ZCOUNT', HDUE, '-inf', fmt(at)) end
  return {num(v[1]), num(v[2]), held - due, num(v[4]), num(v[5]) + due}
end

-- stock_left is the units nobody holds or bought, or nil without a figure.
local function stock_left()
  local v = redis.call('HMGET', C, 'stock_set', 'stock_units', 'stock_held', 'stock_sold')
  if v[1] ~= '1' then return nil end
  return num(v[2]) - num(v[3]) - num(v[4])
end

-- touch_last notes now as the latest time a caller passed and returns it.
local function touch_last(now)
  local last = num(redis.call('HGET', C, 'last'))
  if now > last then
    redis.call('HSET', C, 'last', fmt(now))
    last = now
  end
  return last
end
`

// luaInitStock: ARGV now, units, whether this node saw the room before
// (0/1). Sets the units only for a room with no past at all: no stock
// figure, no ticket, no opening, no sessions or holds, and none this node
// remembers; a room whose data Redis lost must not get its stock back.
const luaInitStock = luaPrelude + `
local now = tonumber(ARGV[1])
local last = touch_last(now)
expire_holds(now)
local v = redis.call('HMGET', C, 'stock_set', 'issued', 'opened')
if ARGV[3] ~= '1' and not v[1] and num(v[2]) == 0 and v[3] ~= '1' and
    redis.call('EXISTS', SESS, ENDED, CALLS, CLAIMS, HOLDS, HBOUGHT) == 0 then
  redis.call('HSET', C, 'stock_set', '1', 'stock_units', ARGV[2])
end
return stock_at(last)
`

// luaSetStock: ARGV now, units. Held and sold units stay counted.
const luaSetStock = luaPrelude + `
local now = tonumber(ARGV[1])
local last = touch_last(now)
expire_holds(now)
redis.call('HSET', C, 'stock_set', '1', 'stock_units', ARGV[2])
return stock_at(last)
`

// luaHold: ARGV now, session id, hold id, expiry (µs), units per session
// (at least 1). Replies {1, hold id, session id, expiry} for the hold
// taken now or before, {2} sold out, {3} this hold id already ended, {4}
// no stock figure, {5} the session bought its units per session.
const luaHold = luaPrelude + `
local now, sid, hid, exp, per = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4]), math.max(num(ARGV[5]), 1)
touch_last(now)
expire_holds(now)
local h = hold_get(hid)
if h then
  if h.state == 'H' or h.state == 'S' then return {1, hid, h.sid, h.at} end
  return {3}
end
local had = redis.call('HGET', HSESS, sid)
if had then
  local o = hold_get(had)
  if o and o.state == 'H' then return {1, had, o.sid, o.at} end
end
-- With no live hold, the session's count is what was sold to it.
if num(redis.call('HGET', HBOUGHT, sid)) >= per then return {5} end
local left = stock_left()
if not left then return {4} end
if left <= 0 then return {2} end
hold_put(hid, {state = 'H', at = exp, sid = sid})
redis.call('HSET', HSESS, sid, hid)
redis.call('ZADD', HDUE, fmt(exp), hid)
redis.call('HINCRBY', C, 'stock_held', 1)
return {1, hid, sid, exp}
`

// luaConfirm: ARGV now, hold id. Replies 1 when the hold is sold (now or
// before), 0 when it ended and no unit is left to sell in its place.
const luaConfirm = luaPrelude + `
local now, hid = tonumber(ARGV[1]), ARGV[2]
touch_last(now)
expire_holds(now)
local h = hold_get(hid)
if h and h.state == 'S' then return 1 end
if h and h.state == 'H' then
  hold_end(hid, h, 'S', now)
  return 1
end
local left = stock_left()
if not left or left <= 0 then return 0 end
-- Expired, released or unknown: sold from what is left.
h = h or {at = 0, sid = ''}
h.state = 'S'
hold_put(hid, h)
redis.call('ZADD', HGONE, fmt(now + KEEP), hid)
sell_to(h.sid)
return 1
`

// luaRelease: ARGV now, hold id. Only a live hold gives its unit back.
const luaRelease = luaPrelude + `
local now, hid = tonumber(ARGV[1]), ARGV[2]
touch_last(now)
expire_holds(now)
local h = hold_get(hid)
if h and h.state == 'H' then hold_end(hid, h, 'R', now) end
return 1
`

// luaStock: ARGV now. A room Redis does not know is not created.
const luaStock = luaPrelude + `
if redis.call('EXISTS', C) == 0 then return {0, 0, 0, 0, 0} end
local now = tonumber(ARGV[1])
local last = touch_last(now)
expire_holds(now)
return stock_at(last)
`

var (
	scriptInitStock = redis.NewScript(luaInitStock)
	scriptSetStock  = redis.NewScript(luaSetStock)
	scriptHold      = redis.NewScript(luaHold)
	scriptConfirm   = redis.NewScript(luaConfirm)
	scriptRelease   = redis.NewScript(luaRelease)
	scriptStock     = redis.NewScript(luaStock)
)
