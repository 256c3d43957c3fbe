-- wrk script for benchmarks/api/run: cycles a fixed list of request targets (one
-- "/path?query" per line) so every run sends the same mix in the same order. Each wrk thread
-- starts at its own offset in the list. Prints one machine-readable line at the end:
--   RESULT {"requests":..,"duration_s":..,"rps":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,
--           "max_ms":..,"non2xx":..,"socket_errors":..}
--
--   wrk -t2 -c64 -d30s --latency -s weekly_mix.lua http://127.0.0.1:PORT -- TARGETS_FILE \
--       [RATE CONNECTIONS]
--
-- Without RATE every connection sends its next request as soon as the answer arrives (closed
-- loop: the throughput at saturation; latency is then mostly queueing, conns / throughput).
-- With RATE (requests/s over all CONNECTIONS) each connection waits a random, exponentially
-- distributed pause of mean CONNECTIONS / RATE seconds (less 1 ms) before each request, so the server
-- sees about RATE requests/s arriving at random, and the latency wrk reports (send to
-- answer, pauses excluded) is the latency at that load. API_KEY in the environment adds
-- Authorization: Bearer.

local targets = {}
local thread_count = 0

local function load(path)
  local list = {}
  for line in io.lines(path) do
    if line ~= "" then list[#list + 1] = line end
  end
  if #list == 0 then error("no targets in " .. path) end
  return list
end

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

function init(args)
  targets = load(args[1] or "targets.txt")
  -- Spread the threads over the list.
  position = math.floor((thread_index - 1) * #targets / 2) % #targets
  local rate, conns = tonumber(args[2] or ""), tonumber(args[3] or "")
  if rate and conns and rate > 0 then
    -- A connection's cycle is its pause plus the answer's latency: take about 1 ms (the
    -- mix's mean at 10 M trips) off the pause so the arrivals come close to RATE.
    mean_delay_ms = math.max(conns * 1000 / rate - 1, 0)
    math.randomseed(1000 + thread_index)
  end
  -- Closed loop: no delay hook at all (wrk looks for it after init).
  if not mean_delay_ms then delay = nil end
  local key = os.getenv("API_KEY")
  if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
end

function request()
  position = position % #targets + 1
  return wrk.format("GET", targets[position])
end

function delay()
  if not mean_delay_ms then return 0 end
  return -mean_delay_ms * math.log(1 - math.random())
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
