-- One admission for an institution (GCRA, reservation form), in one round trip.
-- KEYS[1] next free slot (µs of Redis time), KEYS[2] quota used up until (Unix seconds),
-- KEYS[3] lowest X-Exl-Api-Remaining seen today.
-- ARGV[1] µs between requests, ARGV[2] lowest remaining this process saw (-1: none),
-- ARGV[3] ms until midnight GMT (when the quota keys expire).
-- Answers {µs to wait for the reserved slot, used up until ('0': not), lowest ('-1': unknown)}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or 0)
if slot < now then slot = now end
local after = slot + tonumber(ARGV[1])
-- Kept a second past the reservation, so an idle institution leaves nothing behind.
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
local seen = tonumber(ARGV[2])
if seen >= 0 then
  local low = tonumber(redis.call('GET', KEYS[3]) or -1)
  if low < 0 or seen < low then
    redis.call('SET', KEYS[3], string.format('%.0f', seen), 'PX', ARGV[3])
  end
end
return {slot - now, redis.call('GET', KEYS[2]) or '0', redis.call('GET', KEYS[3]) or '-1'}
