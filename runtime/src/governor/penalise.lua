-- After a 429: the institution's next free slots move ARGV[1] µs later, for every process.
-- KEYS[1] next free slot, KEYS[2] the interactive lane's next slot (µs of Redis time).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for _, key in ipairs(KEYS) do
  local slot = math.max(tonumber(redis.call('GET', key) or 0), now) + tonumber(ARGV[1])
  redis.call('SET', key, string.format('%.0f', slot), 'PX', math.ceil((slot - now) / 1000) + 1000)
end
return 1
