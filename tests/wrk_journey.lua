-- wrk script for the cluster tests: each connection walks dial -> 1 -> 1*PIN with a fresh
-- sessionId per walk (the walk of ../shared/bench/peers/journey2.lua, kept here so the tests do
-- not depend on a folder outside the repository). A reply that is not 200 counts as non-2xx.
local phone = (os.getenv("PHONE") or "+8562055512345"):gsub("%+", "%%2B")
local pin = os.getenv("PIN") or "2580"
local texts = {"", "1", "1%2A" .. pin}
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) step = 0; walk = 0; sid = "" end
function request()
  step = step + 1
  if step > 3 then step = 1 end
  if step == 1 then walk = walk + 1; sid = "t" .. id .. "x" .. walk .. "x" .. math.random(1, 1e9) end
  local body = "sessionId=" .. sid .. "&serviceCode=%2A211%23&networkCode=41801&phoneNumber=" .. phone .. "&text=" .. texts[step]
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
function done(summary, latency, requests)
  io.write(string.format("hops/s %.0f p50_ms %.2f p99_ms %.2f non2xx %d sockerr %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
