-- One admission for an institution, in one round trip: the budget, then a slot of the one
-- schedule (GCRA, reservation form; the classes as in local.rs), and the shared quota state.
-- KEYS[1] next free slot, KEYS[2] quota used up until (Unix s), KEYS[3] lowest
-- X-Exl-Api-Remaining today, KEYS[4] interactive lane's next slot, KEYS[5] latest slot a batch
-- request holds, KEYS[6] slots owed to interactive requests (a list, oldest first), KEYS[7] the
-- budget's calls today (named by budget and GMT day). Slots are µs of Redis time.
-- ARGV[1] µs between requests, ARGV[2] lowest remaining this process saw (-1: none), ARGV[3] ms
-- until midnight GMT, ARGV[4] 'i' interactive or 'b' batch, ARGV[5] µs between interactive
-- requests while the batch waits, ARGV[6] calls the budget allows today (-2: no budget, -1: not
-- known yet).
-- Answers {µs to wait (-1: refused by the budget; -2: confirm at once), used up until ('0': not), lowest ('-1':
-- unknown), budget calls today (-1: no budget)}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local seen = tonumber(ARGV[2])
if seen >= 0 then
  local low = tonumber(redis.call('GET', KEYS[3]) or -1)
  if low < 0 or seen < low then
    redis.call('SET', KEYS[3], string.format('%.0f', seen), 'PX', ARGV[3])
  end
end
local until_, lowest = redis.call('GET', KEYS[2]) or '0', redis.call('GET', KEYS[3]) or '-1'
-- The budget first: a refused request takes no slot.
local max, used = tonumber(ARGV[6]), -1
if max >= -1 then
  used = tonumber(redis.call('GET', KEYS[7]) or 0)
  if max >= 0 and used >= max then return {-1, until_, lowest, used} end
  used = redis.call('INCR', KEYS[7])
  redis.call('PEXPIRE', KEYS[7], ARGV[3])
end
local interval = tonumber(ARGV[1])
-- Kept a second past `at`, so an idle institution leaves nothing behind.
local function keep(key, value, at)
  redis.call('SET', key, string.format('%.0f', value), 'PX', math.ceil((at - now) / 1000) + 1000)
end
local function get(key) return tonumber(redis.call('GET', key) or 0) end
local slot
if ARGV[4] == 'b' then
  slot = math.max(get(KEYS[1]), now)
  keep(KEYS[1], slot + interval, slot + interval)
  keep(KEYS[5], slot, slot)
  if slot <= now and redis.call('LLEN', KEYS[6]) > 0 then
    -- Its slot is now and slots are owed: confirm.lua decides at once.
    return {-2, until_, lowest, used}
  end
elseif get(KEYS[5]) > now then
  -- The batch waits: go ahead of it at the lane's slot; the batch request whose slot comes
  -- nearest to it yields (confirm.lua).
  slot = math.max(get(KEYS[4]), now)
  redis.call('RPUSH', KEYS[6], string.format('%.0f', slot))
  redis.call('PEXPIRE', KEYS[6], math.ceil((slot - now) / 1000) + 1000)
  local lane = slot + tonumber(ARGV[5])
  keep(KEYS[4], lane, lane)
else
  slot = math.max(get(KEYS[1]), get(KEYS[4]), now)
  keep(KEYS[1], slot + interval, slot + interval)
  keep(KEYS[4], slot + interval, slot + interval)
end
return {slot - now, until_, lowest, used}
