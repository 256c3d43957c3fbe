-- wrk script for benchmarks/api/run: cycles a fixed list of request targets (one
-- "/path?query" per line) so every run sends the same mix in the same order. Each wrk thread
-- starts at its own offset in the list. Prints one machine-readable line at the end:
--   RESULT {"requests":..,"duration_s":..,"rps":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,
--           "max_ms":..,"mean_ms":..,"non2xx":..,"socket_errors":..}
--
--   wrk -t2 -c64 -d30s --latency -s weekly_mix.lua http://127.0.0.1:PORT -- TARGETS_FILE
--
-- Closed loop only: every connection sends its next request as soon as the answer arrives,
-- which measures the throughput at saturation. The latency wrk reports then is queueing
-- (connections / throughput), and because a connection waits for its answer before sending
-- again, a stall holds back the requests that would have arrived meanwhile (coordinated
-- omission): it is not the latency at any request rate. Latency at a rate comes from the
-- open-loop generator (vegeta, see benchmarks/api/run and open_loop.py). API_KEY in the
-- environment adds Authorization: Bearer.

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
  local key = os.getenv("API_KEY")
  if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
end

function request()
  position = position % #targets + 1
  return wrk.format("GET", targets[position])
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
