-- A batch request's reserved slot has come: it goes (answers 0), unless an interactive request
-- that went ahead of the batch goes within an interval of it; then it yields its slot to it,
-- queues again at the schedule's end and answers the µs to wait.
-- KEYS[1] next free slot, KEYS[2] latest slot a batch request holds, KEYS[3] slots owed to
-- interactive requests (a list, oldest first). ARGV[1] µs between requests.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local owed = tonumber(redis.call('LINDEX', KEYS[3], 0) or -1)
-- Owed to interactive requests long gone: no batch request was there to yield.
while owed >= 0 and owed + interval < now do
  redis.call('LPOP', KEYS[3])
  owed = tonumber(redis.call('LINDEX', KEYS[3], 0) or -1)
end
if owed < 0 or owed > now + interval then return 0 end
redis.call('LPOP', KEYS[3])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local ttl = math.ceil((slot + interval - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', ttl)
redis.call('SET', KEYS[2], string.format('%.0f', slot), 'PX', ttl)
return slot - now
