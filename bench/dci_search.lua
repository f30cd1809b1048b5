-- wrk script: each thread is one partner (its name and bearer token read from PARTNERS_FILE, one
-- "name token" per line), sending DCI sync searches by SSN for random bench members
-- (SSN 9000000000 + 1..COUNT), each with a message_id of its own.
local partners = {}
for line in io.lines(os.getenv("PARTNERS_FILE")) do
  local name, token = line:match("(%S+) (%S+)")
  partners[#partners + 1] = {name = name, token = token}
end
local count = tonumber(os.getenv("COUNT") or "5000")
local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
local run = os.getenv("RUN") or "0"  -- a fresh one per round: a message_id is never sent twice
local index = 0
local threads = {}
function setup(thread)
  index = index + 1
  threads[#threads + 1] = thread
  local p = partners[(index - 1) % #partners + 1]
  thread:set("name", p.name); thread:set("token", p.token); thread:set("tid", index)
end
function init(args) n = 0; math.randomseed(tid * 7919 + tonumber(run)) end
function request()
  n = n + 1
  local ssn = tostring(9000000000 + math.random(1, count))
  local body = '{"header": {"version": "1.0.0", "message_id": "' .. run .. '-' .. tid .. '-' .. n ..
    '", "message_ts": "' .. now .. '", "action": "search", "sender_id": "' .. name ..
    '", "receiver_id": "lsso.gov.la", "total_count": 1}, "message": {"transaction_id": "t' .. n ..
    '", "search_request": [{"reference_id": "r1", "search_criteria": {"query_type": "idtype-value", ' ..
    '"query": {"type": "SSN", "value": "' .. ssn .. '"}}}]}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
found = 0
function response(status, headers, body)
  if status == 200 and body:find('"identifier_value"', 1, true) then found = found + 1 end
end
function done(summary, latency, requests)
  local hits = 0
  for _, t in ipairs(threads) do hits = hits + t:get("found") end
  io.write(string.format("req/s %.0f p50_ms %.2f p99_ms %.2f max_ms %.2f non2xx %d sockerr %d found_pct %.1f\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    100 * hits / math.max(summary.requests, 1)))
end
