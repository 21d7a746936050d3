-- After a 429: the institution's next free slot moves ARGV[1] µs later, for every process.
-- KEYS[1] next free slot (µs of Redis time).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or 0)
if slot < now then slot = now end
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return 1
