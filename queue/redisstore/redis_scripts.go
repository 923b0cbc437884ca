package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts of Store. Each is one atomic state change that does
// what the memory store's method of the same name does; memstore/store.go is the
// reference and the conformance suite holds the two together.
//
// Numbers. Redis's Lua has only doubles, exact for integers up to 2^53, and
// its tostring (and so redis.call's conversion of a number) rounds to 14
// digits. So: times are Unix microseconds (exact until the year 2255; the
// callers' nanoseconds would not be), every number written to Redis goes
// through fmt, and the few values that do not fit a double (the lottery's
// 64-bit seed, the opening instant in nanoseconds) are strings the scripts
// store and hand back without reading. The rate bucket counts in parts of
// 1/60,000,000 of a token (microseconds per minute), so a refill is the
// whole number elapsed·perMinute and the bucket never drifts.
//
// Retries. go-redis sends a command again when it did not get its answer,
// so every script here but join is safe to run twice with the same
// arguments: claims are keyed by ticket number and direct admissions by
// session id, so a second run returns the first one's answer; refreshes,
// polls, leaves and ends set values rather than add to them (the tally of
// ticks moves by what a stamp changed, so a second run moves it by
// nothing); and a second
// Advance at the same instant is just the next tick: it refills nothing and
// calls only whom the limits allow. None admits anyone twice. The stock
// scripts are keyed by hold id (redis_stock_scripts.go): none holds, sells
// or returns a unit twice.
//
// Keys (KEYS[1..13], all with the room's hash tag): see keyNames.

// luaPrelude is shared by every script; the stock's part of it is
// luaStockPrelude (redis_stock_scripts.go).
const luaPrelude = `
local C, SEEN, SESS, ENDED, CALLS, CLAIMS, CLAIMAT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local TICKS = KEYS[13]
local U = 60000000 -- bucket parts per token
local RECOVER = 3000000 -- µs without admissions after a restore: a dozen ticks of every node
local WALK = 1024 -- places one Advance run walks at most (advanceMax in Go)
local GRACE = 5 -- seconds Advance waits at a pending ticket (confirmGrace in Go)

local function fmt(x) return string.format('%d', x) end
local function num(v) return tonumber(v) or 0 end
` + luaStockPrelude + `

local FIELDS = {'issued', 'serving', 'admitted', 'tokens', 'tokens_at', 'opened', 'pq_end', 'random', 'base', 'waiting', 'waiting_at', 'last', 'wfloor', 'wsum'}

-- load reads the room's numeric counters; a room never seen reads as zeros.
local function load()
  local v = redis.call('HMGET', C, unpack(FIELDS))
  local r = {}
  for i, f in ipairs(FIELDS) do r[f] = num(v[i]) end
  return r
end

-- save writes back the named counters.
local function save(r, ...)
  local args = {}
  for _, f in ipairs({...}) do
    args[#args + 1] = f
    args[#args + 1] = fmt(r[f])
  end
  redis.call('HSET', C, unpack(args))
end

-- touch notes now as the latest time a caller passed.
local function touch(r, now)
  if now > r.last then r.last = now end
end

-- The pre-queue's identity: its instant and seed, as Go writes them.
local function opening_id()
  local v = redis.call('HMGET', C, 'opened', 'opened_at', 'seed')
  if v[1] ~= '1' then return '' end
  return (v[2] or '') .. '/' .. (v[3] or '')
end

-- counters is the room's counters as name/value pairs, which
-- decodeCounters (redis_replies.go) reads by name; the stock is as of the
-- latest time a caller passed.
local function counters()
  local v = redis.call('HMGET', C, 'issued', 'serving', 'waiting', 'admitted', 'opened', 'opened_at', 'pq_end', 'random', 'seed', 'last', 'forfeited', 'abandoned', 'left')
  local st = stock_at(num(v[10]))
  return {'issued', num(v[1]), 'serving', num(v[2]), 'active', redis.call('ZCARD', SESS), 'called', redis.call('ZCARD', CALLS),
    'waiting', num(v[3]), 'admitted', num(v[4]), 'opened', num(v[5]), 'opened_at', v[6] or '', 'pq_end', num(v[7]),
    'random', num(v[8]), 'seed', v[9] or '0',
    'stock_set', st[1], 'stock_units', st[2], 'stock_held', st[3], 'stock_sold', st[4], 'stock_expired', st[5],
    'forfeited', num(v[11]), 'abandoned', num(v[12]), 'left', num(v[13])}
end

-- Seen: four bytes per ticket number n at offset 4(n-1), big-endian, the
-- second (since base, plus one) it last polled; zero: gone.
local seenlen = nil
local function slen()
  if not seenlen then seenlen = redis.call('STRLEN', SEEN) / 4 end
  return seenlen
end

local function tick(r, now)
  local d = now - r.base
  if d < 0 then d = 0 end
  return math.floor(d / 1000000) + 1
end

-- LEFT marks a ticket whose holder left (the memory store's seenLeft): unlike
-- an abandoned one, no late poll brings it back.
local LEFT = 4294967295

-- PEND + t marks a ticket handed out at tick t whose node has not yet
-- confirmed that a shopper got it (redis_join.go): Advance waits at it for
-- up to GRACE, then skips it. It counts in line at tick t, as a poll then.
local PEND = 2147483648
local function pending(t) return t >= PEND and t ~= LEFT end
local function tickof(t)
  if pending(t) then return t - PEND end
  return t
end

-- fresh: a poll at tick t is within the abandon window at tick cur; one
-- stamped after cur is fresh.
local function fresh(t, cur, abandon)
  return t ~= 0 and t ~= LEFT and (t >= cur or cur - t <= abandon)
end

-- Ticks: TICKS counts, for each tick from wfloor on, the tickets whose
-- stamp it is (a hash, tick -> count), and wsum (in C) is its total: the
-- tickets stamped at wfloor or after. So the line is counted by moving
-- wfloor up to the abandon window's start and taking off the ticks it
-- passes (count_line), rather than by reading every ticket's stamp. The
-- count is exact whatever TICKS holds for ticks that left the window, so
-- it also mends itself: stamps no tally saw (written before TICKS
-- existed) only matter until they leave the window. A script gathers its
-- changes in tdelta and writes them once, at the end (tflush): a batch of
-- polls stamped at one tick from a few earlier ones is a few HINCRBYs,
-- not two per poll.
local tdelta = {}
local function tadd(t, d)
  t = tickof(t)
  if t ~= 0 and t ~= LEFT then tdelta[t] = (tdelta[t] or 0) + d end
end
-- tflush writes tdelta into TICKS and r.wsum, which the caller saves;
-- ticks before wfloor are out of the window and not kept.
local function tflush(r)
  for t, d in pairs(tdelta) do
    if d ~= 0 and t >= r.wfloor then
      r.wsum = r.wsum + d
      if redis.call('HINCRBY', TICKS, fmt(t), fmt(d)) == 0 then redis.call('HDEL', TICKS, fmt(t)) end
    end
  end
  tdelta = {}
end

-- stamp sets ticket n's stamp to v and returns the one it had, in one
-- BITFIELD (SET answers with the old value).
local function stamp(n, v)
  local old = redis.call('BITFIELD', SEEN, 'SET', 'u32', '#' .. fmt(n - 1), fmt(v))[1]
  if old ~= v then
    tadd(old, -1)
    tadd(v, 1)
  end
  return old
end

-- count_line counts the tickets in line at tick cur: those stamped at
-- cur - abandon or after (see fresh). It moves wfloor there, taking the
-- ticks it passes off wsum: a tick or two each second, or, after a long
-- time without a count, as many as TICKS holds.
local function count_line(r, cur, abandon)
  local floor = cur - abandon
  if r.wfloor > cur then
    -- A floor past the clock: an Advance before the first ticket counted
    -- from 1970 (releases before this one did). Counted again from here,
    -- the tally mends as the tickets in line poll.
    r.wfloor = 0
  end
  if floor > r.wfloor then
    local gone = {}
    if floor - r.wfloor <= 64 then
      for t = r.wfloor, floor - 1 do gone[#gone + 1] = fmt(t) end
      for _, k in ipairs(redis.call('HMGET', TICKS, unpack(gone))) do
        if k then r.wsum = r.wsum - tonumber(k) end
      end
    else
      local v = redis.call('HGETALL', TICKS)
      gone = {}
      for i = 1, #v, 2 do
        if tonumber(v[i]) < floor then
          gone[#gone + 1] = v[i]
          r.wsum = r.wsum - tonumber(v[i + 1])
        end
      end
    end
    for i = 1, #gone, 1000 do
      redis.call('HDEL', TICKS, unpack(gone, i, math.min(i + 999, #gone)))
    end
    r.wfloor = floor
  end
  return math.max(r.wsum, 0)
end

-- see marks ticket n (at position pos) as polling now; numbers beyond the
-- last issued raise it, and those in between count as polling too.
local function see(r, n, pos, now)
  if n == 0 then return end
  if r.base == 0 then r.base = now end
  local cur = tick(r, now)
  if n > r.issued then r.issued = n end
  local len = slen()
  if len < n then
    -- This writes cur for n too, as the memory store's growing does.
    redis.call('APPEND', SEEN, string.rep(struct.pack('>I4', cur), n - len))
    tadd(cur, n - len)
    seenlen = n
  elseif r.opened ~= 1 or pos > r.serving then
    -- Else its turn has passed. One that left is put back as it was:
    -- polling does not bring it back.
    if stamp(n, cur) == LEFT then stamp(n, LEFT) end
  end
end

-- confirm turns the pending tickets of the runs of numbers given in
-- ARGV[from..] (first, last pairs) into tickets that polled when they were
-- handed out; any other stamp is left as it is, so a second run changes
-- nothing. A run is read in one GETRANGE; when it is one batch stamped
-- alike and untouched since (nearly always), it is written back in one
-- SETRANGE, without a Lua step per ticket.
local function confirm(from)
  for i = from, #ARGV - 1, 2 do
    local a = tonumber(ARGV[i])
    local b = math.min(tonumber(ARGV[i + 1]), slen(), a + 1023)
    if a >= 1 and a <= b then
      local k = b - a + 1
      local raw = redis.call('GETRANGE', SEEN, fmt(4 * (a - 1)), fmt(4 * b - 1))
      local t = struct.unpack('>I4', raw)
      if pending(t) and raw == string.rep(string.sub(raw, 1, 4), k) then
        redis.call('SETRANGE', SEEN, fmt(4 * (a - 1)), string.rep(struct.pack('>I4', t - PEND), k))
      else
        local set = {}
        for j = 0, k - 1 do
          t = struct.unpack('>I4', raw, 4 * j + 1)
          if pending(t) then
            set[#set + 1], set[#set + 2], set[#set + 3], set[#set + 4] = 'SET', 'u32', '#' .. fmt(a + j - 1), fmt(t - PEND)
          end
        end
        if #set > 0 then redis.call('BITFIELD', SEEN, unpack(set)) end
      end
    end
  end
end

-- expire ends sessions past their life, forgets ended ones once no token of
-- theirs could be valid (ended_life), and forgets what no longer matters.
local function expire(now, life, ended_life, window)
  redis.call('ZREMRANGEBYSCORE', SESS, '-inf', '(' .. fmt(now - life))
  redis.call('ZREMRANGEBYSCORE', ENDED, '-inf', '(' .. fmt(now - ended_life))
  local forfeited = redis.call('ZREMRANGEBYSCORE', CALLS, '-inf', '(' .. fmt(now - window))
  if forfeited > 0 then redis.call('HINCRBY', C, 'forfeited', forfeited) end
  -- A claim is kept while its session lives, and for twice the claim
  -- window at least. Its score is when to look again, less 2·window: a
  -- claim whose session is alive is looked at next when that session
  -- could expire, so each is looked at once per refresh, not every tick.
  local due = redis.call('ZRANGEBYSCORE', CLAIMAT, '-inf', '(' .. fmt(now - 2 * window))
  for _, n in ipairs(due) do
    local sid = redis.call('HGET', CLAIMS, n)
    local at = sid and redis.call('ZSCORE', SESS, sid)
    if at then
      redis.call('ZADD', CLAIMAT, fmt(num(at) + life - 2 * window), n)
    else
      redis.call('HDEL', CLAIMS, n)
      redis.call('ZREM', CLAIMAT, n)
    end
  end
end

-- refill tops up the admission bucket; a bucket never used is full.
local function refill(r, now, per_minute, burst)
  local full = burst * U
  if r.tokens_at == 0 then r.tokens, r.tokens_at = full, now end
  local elapsed = now - r.tokens_at
  if elapsed > 0 then
    -- Past 2^53 the product is inexact, but then the bucket is full anyway.
    r.tokens = r.tokens + elapsed * per_minute
    r.tokens_at = now
  end
  if r.tokens > full then r.tokens = full end
end
`

// luaJoin: ARGV now, the highest number this node has heard of, count,
// then runs of numbers to confirm (first, last). Hands out count numbers
// in a row, for a batch of arrivals on one node (redis_join.go), stamped
// pending until their node confirms them. Replies {"first", n, "count",
// count}.
const luaJoin = luaPrelude + `
local now, count = tonumber(ARGV[1]), tonumber(ARGV[3])
local r = load()
touch(r, now)
confirm(4)
if r.base == 0 then r.base = now end
local cur = tick(r, now)
-- ARGV[2] is the highest number this node has heard of: after Redis lost
-- its data, a newcomer still queues behind every ticket handed out before,
-- and those count as polling, as a poll of an unknown number does.
local first = math.max(r.issued, tonumber(ARGV[2])) + 1
local last = first + count - 1
local len = slen()
if len < first - 1 then
  redis.call('APPEND', SEEN, string.rep(struct.pack('>I4', cur), first - 1 - len))
  tadd(cur, first - 1 - len)
  len = first - 1
end
for n = first, math.min(len, last) do stamp(n, PEND + cur) end
if last > len then
  redis.call('APPEND', SEEN, string.rep(struct.pack('>I4', PEND + cur), last - len))
  tadd(cur, last - len)
  len = last
end
seenlen = len
r.issued = last
tflush(r)
r.waiting = r.waiting + count
save(r, 'issued', 'base', 'last', 'waiting', 'wsum')
return {'first', first, 'count', count}
`

// luaConfirmJoins: ARGV runs of numbers to confirm (first, last), when no
// batch of arrivals came to carry them (redis_join.go).
const luaConfirmJoins = luaPrelude + `
confirm(1)
return 1
`

// luaOpen: ARGV now, opening instant (ns), random (0/1), seed. Freezes the
// pre-queue once.
const luaOpen = luaPrelude + `
local now = tonumber(ARGV[1])
local r = load()
touch(r, now)
save(r, 'last')
if r.opened ~= 1 then
  redis.call('HSET', C, 'opened', '1', 'opened_at', ARGV[2], 'pq_end', fmt(r.issued), 'random', ARGV[3], 'seed', ARGV[4])
end
return counters()
`

// luaAdvance: ARGV now, max active, per minute, burst, session life (µs),
// claim window (µs), abandon window (s), ended life (µs); the opening this
// node knows: id,
// instant (ns), pre-queue end, random, seed, and the last Issued it heard
// of; S0, the place the numbers start after, then the numbers of places
// S0+1, S0+2, ... of a random pre-queue (see redis_advance.go).
//
// A room that Redis has no opening for, when this node knows one, lost its
// data (a restart without persistence, a flush): the opening is put back
// as it was, so the lottery's order stands and nobody who came after the
// opening joins it, and every number up to the last one this node heard of
// counts as polling until the abandon window says otherwise, as a poll of
// an unknown number does. The serving counter starts again from the first
// place: those already served no longer poll and are skipped in due time,
// while nobody still waiting loses their turn. The stock is not put back:
// this node's idea of it is stale the moment a unit sells elsewhere, so the
// room has no figure (holds get ErrNoStock) until an operator sets one, and
// the restored opening keeps InitStock from setting it from the
// configuration.
//
// Replies code and counters: code "more" when the walk stopped for want of
// numbers (Go computes them from the counters' opening and serving and runs
// it again, at the same instant) or after WALK places, so that no run holds
// Redis for long whatever the line (a million tickets that stopped polling
// took one run 1.6 s to walk past). At most once a second a run that
// finishes the walk counts the line (count_line, from TICKS and wsum):
// its work is the ticks the window moved past, not the tickets in line.
// A room that lives through the upgrade to TICKS is counted short until
// the stamps written before it leave the window; the count only shapes
// the "ahead" estimate, never who is called.
const luaAdvance = luaPrelude + `
local now = tonumber(ARGV[1])
local max_active, per_minute, burst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local life, window, abandon, ended_life = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local id, s0 = ARGV[9], tonumber(ARGV[15])
local r = load()
touch(r, now)
if r.opened ~= 1 and id ~= '' then
  r.opened, r.pq_end, r.random = 1, tonumber(ARGV[11]), tonumber(ARGV[12])
  redis.call('HSET', C, 'opened', '1', 'opened_at', ARGV[10], 'pq_end', fmt(r.pq_end), 'random', fmt(r.random), 'seed', ARGV[13])
  local n = math.max(r.pq_end, tonumber(ARGV[14]))
  see(r, n, n, now)
  save(r, 'issued', 'base')
  -- Nobody is called until every node has noticed the loss and counted
  -- its live sessions again (Room.Tick re-announces them).
  redis.call('HSET', C, 'recover_until', fmt(now + RECOVER))
end
expire(now, life, ended_life, window)
expire_holds(now)
refill(r, now, per_minute, burst)
local code = 'ok'
local abandoned = 0
if r.opened == 1 and now >= num(redis.call('HGET', C, 'recover_until')) then
  local ncalls = redis.call('ZCARD', CALLS)
  local free = max_active - redis.call('ZCARD', SESS) - ncalls
  local cur = tick(r, now)
  local known = id == opening_id()
  local walked = 0
  while free > 0 and r.tokens - ncalls * U >= U and r.serving < r.issued do
    -- Redis serves nobody else while a script runs, and a run of tickets
    -- that stopped polling is walked past without calling anyone: the
    -- walk pauses after WALK places, as it does for want of numbers.
    if walked == WALK then
      code = 'more'
      break
    end
    walked = walked + 1
    local pos = r.serving + 1
    local n = pos
    if r.random == 1 and pos <= r.pq_end then
      local arg = known and pos > s0 and ARGV[15 + pos - s0]
      if not arg then
        code = 'more'
        break
      end
      n = tonumber(arg)
    end
    r.serving = pos
    local old = 0
    if n >= 1 and n <= slen() then old = stamp(n, 0) end
    if pending(old) and cur - tickof(old) <= math.min(GRACE, abandon) then
      -- Handed out a moment ago and not yet confirmed by its node: wait
      -- here (the next tick goes on). Past the grace, its reply was lost
      -- and nobody holds it: it is skipped below as abandoned, and no slot
      -- is held.
      stamp(n, old)
      r.serving = pos - 1
      break
    end
    if not pending(old) and fresh(old, cur, abandon) then
      redis.call('ZADD', CALLS, fmt(now), fmt(n))
      ncalls = ncalls + 1
      free = free - 1
    elseif old ~= LEFT then
      abandoned = abandoned + 1 -- one that left was counted when it did
    end
  end
end
if abandoned > 0 then redis.call('HINCRBY', C, 'abandoned', abandoned) end
tflush(r)
-- Before the first ticket (base unset) nobody waits, and a count would
-- move wfloor to a tick counted from 1970, past every stamp to come.
if code == 'ok' and r.base ~= 0 and now - r.waiting_at >= 1000000 then
  r.waiting, r.waiting_at = count_line(r, tick(r, now), abandon), now
end
save(r, 'serving', 'tokens', 'tokens_at', 'last', 'waiting', 'waiting_at', 'wfloor', 'wsum')
return {'code', code, 'counters', counters()}
`

// luaClaim: ARGV now, ticket number, session id. Replies code 1 with the
// session when the ticket is (or was already) claimed by a live session,
// 2 when that session has ended, 3 with the counters when the ticket is
// not called: Go tells "not yet" from "too late" by its position, which
// needs the permutation (decodeClaim).
const luaClaim = luaPrelude + `
local now, n, sid = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local r = load()
touch(r, now)
save(r, 'last')
local had = redis.call('HGET', CLAIMS, n)
if had then
  if redis.call('ZSCORE', SESS, had) then return {'code', 1, 'session', had} end
  return {'code', 2}
end
if redis.call('ZREM', CALLS, n) == 1 then
  redis.call('HINCRBY', C, 'tokens', -U) -- the token its call reserved
  redis.call('HINCRBY', C, 'admitted', 1)
  redis.call('ZADD', SESS, fmt(now), sid)
  redis.call('HSET', CLAIMS, n, sid)
  redis.call('ZADD', CLAIMAT, fmt(now), n)
  return {'code', 1, 'session', sid}
end
return {'code', 3, 'counters', counters()}
`

// luaAdmitDirect: ARGV now, session id, max active, per minute, burst,
// session life, claim window, ended life. Replies 1 when admitted (now or
// before).
const luaAdmitDirect = luaPrelude + `
local now, sid = tonumber(ARGV[1]), ARGV[2]
local max_active, per_minute, burst = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local life, window, ended_life = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local r = load()
touch(r, now)
save(r, 'last')
if redis.call('ZSCORE', SESS, sid) then return 1 end
if redis.call('ZSCORE', ENDED, sid) then return 0 end
if r.opened ~= 1 or r.serving < r.issued or redis.call('ZCARD', CALLS) > 0 then return 0 end
if now < num(redis.call('HGET', C, 'recover_until')) then return 0 end
expire(now, life, ended_life, window)
refill(r, now, per_minute, burst)
local free = max_active - redis.call('ZCARD', SESS) - redis.call('ZCARD', CALLS)
local ok = 0
if free > 0 and r.tokens - redis.call('ZCARD', CALLS) * U >= U then
  r.tokens = r.tokens - U
  r.admitted = r.admitted + 1
  redis.call('ZADD', SESS, fmt(now), sid)
  ok = 1
end
save(r, 'tokens', 'tokens_at', 'admitted')
return ok
`

// luaRefresh: ARGV now, session ids. A session that is not known but was
// not ended is counted again (its token is valid); a refresh never moves a
// session's time back, whichever node's clock it came from.
const luaRefresh = luaPrelude + `
local now = tonumber(ARGV[1])
local r = load()
touch(r, now)
save(r, 'last')
for i = 2, #ARGV do
  if not redis.call('ZSCORE', ENDED, ARGV[i]) then
    redis.call('ZADD', SESS, 'GT', fmt(now), ARGV[i])
  end
end
return 1
`

// luaEnd: ARGV now, session id. The end is stamped with the latest time
// a caller passed, now included, so that ends are listed in the order they
// were made whatever the callers' clocks.
const luaEnd = luaPrelude + `
local r = load()
touch(r, tonumber(ARGV[1]))
save(r, 'last')
redis.call('ZREM', SESS, ARGV[2])
redis.call('ZADD', ENDED, 'GT', fmt(r.last), ARGV[2])
return 1
`

// luaSeen: ARGV now, opening id, then pairs of number and position. The
// positions are Go's, from the opening it knows; they are used only for
// tickets of a random pre-queue, and only when that opening is Redis's
// (else the reply's code is "more", with the counters, and Go asks again).
const luaSeen = luaPrelude + `
local now, id = tonumber(ARGV[1]), ARGV[2]
local r = load()
if r.opened == 1 and r.random == 1 and id ~= opening_id() then
  for i = 3, #ARGV, 2 do
    local n = tonumber(ARGV[i])
    if n >= 1 and n <= r.pq_end then return {'code', 'more', 'counters', counters()} end
  end
end
touch(r, now)
for i = 3, #ARGV, 2 do
  local n = tonumber(ARGV[i])
  local pos = n
  if r.random == 1 and n >= 1 and n <= r.pq_end then pos = tonumber(ARGV[i + 1]) end
  see(r, n, pos, now)
end
tflush(r)
save(r, 'issued', 'base', 'last', 'wsum')
return {'code', 'ok'}
`

// luaLeave: ARGV ticket number. The ticket is marked left for good, so a
// poll batched before the leave does not put it back; a room never seen is
// not touched.
const luaLeave = luaPrelude + `
local n = tonumber(ARGV[1])
local called = redis.call('ZREM', CALLS, ARGV[1]) == 1
local left = called
if n >= 1 and n <= slen() then
  local r = load()
  -- Still in line: its turn has not come. A ticket of a random pre-queue
  -- is taken as in line until the walk has passed the whole pre-queue (its
  -- place needs the permutation, which Go holds); one passed before that
  -- was stamped 0 when its turn came, and is not counted.
  local old = stamp(n, LEFT)
  local inline = r.opened ~= 1 or n > r.serving
  if r.opened == 1 and r.random == 1 and n <= r.pq_end then inline = r.serving < r.pq_end and old ~= 0 end
  if old ~= LEFT and inline then left = true end
  tflush(r)
  save(r, 'wsum')
end
if left then redis.call('HINCRBY', C, 'left', 1) end
return 1
`

// luaCounters: no ARGV. Reads only.
const luaCounters = luaPrelude + `
return counters()
`

var (
	scriptJoin         = redis.NewScript(luaJoin)
	scriptConfirmJoins = redis.NewScript(luaConfirmJoins)
	scriptOpen         = redis.NewScript(luaOpen)
	scriptAdvance      = redis.NewScript(luaAdvance)
	scriptClaim        = redis.NewScript(luaClaim)
	scriptAdmitDirect  = redis.NewScript(luaAdmitDirect)
	scriptRefresh      = redis.NewScript(luaRefresh)
	scriptEnd          = redis.NewScript(luaEnd)
	scriptSeen         = redis.NewScript(luaSeen)
	scriptLeave        = redis.NewScript(luaLeave)
	scriptCounters     = redis.NewScript(luaCounters)
)
