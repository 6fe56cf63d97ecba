-- Replays a file of pre-signed raw HTTP requests, each exactly once, then stops the thread.
-- Usage: wrk -s bench/wrk.lua ... URL -- REQUESTS_FILE THREADS ERROR_PATTERN
-- The file holds "<byte length>\n<raw request>" records; thread i sends records i, i+T, i+2T, ...
-- A 2xx response whose body contains ERROR_PATTERN (TOP answers errors with HTTP 200) counts as "bad".
-- done() prints one JSON line that bench/load.py reads.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Globals, not locals: done() reads them per thread through thread:get().
requests = {}
index = 0
sent = 0
received = 0
bad = 0
first_bad = ""
pattern = nil

function init(args)
   local path, nthreads = args[1], tonumber(args[2])
   if args[3] ~= nil and args[3] ~= "" then pattern = args[3] end
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   local pos, n = 1, 0
   while pos <= #data do
      local nl = string.find(data, "\n", pos, true)
      local len = tonumber(string.sub(data, pos, nl - 1))
      if n % nthreads == id then
         table.insert(requests, string.sub(data, nl + 1, nl + len))
      end
      n = n + 1
      pos = nl + 1 + len
   end
end

function request()
   index = index + 1
   if index > #requests then
      -- Out of fresh requests: stop this thread; resend the last one (a replay the server refuses) only to
      -- satisfy wrk, which always wants bytes. It is never counted: responses after the last are ignored.
      wrk.thread:stop()
      return requests[#requests]
   end
   sent = sent + 1
   return requests[index]
end

function response(status, headers, body)
   received = received + 1
   if received > #requests then return end
   if status >= 300 or (pattern ~= nil and string.find(body, pattern, 1, true)) then
      bad = bad + 1
      if first_bad == "" then first_bad = tostring(status) .. " " .. string.sub(body, 1, 300) end
   end
   if received >= #requests then wrk.thread:stop() end
end

local function esc(s)
   return (string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end))
end

function done(summary, latency, requests_stats)
   local total_bad, total_sent, example = 0, 0, ""
   for _, t in ipairs(threads) do
      total_bad = total_bad + (t:get("bad") or 0)
      total_sent = total_sent + (t:get("sent") or 0)
      local fb = t:get("first_bad")
      if example == "" and fb ~= nil then example = fb end
   end
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
      '"mean_us":%f,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,' ..
      '"errors_timeout":%d,"bad":%d,"sent":%d,"example_bad":"%s"}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, summary.errors.connect, summary.errors.read,
      summary.errors.write, summary.errors.status, summary.errors.timeout, total_bad, total_sent, esc(example)))
end
