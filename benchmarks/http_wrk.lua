-- wrk script for benchmarks/http.py.
--
--   wrk ... -s benchmarks/http_wrk.lua URL -- get
--   wrk ... -s benchmarks/http_wrk.lua URL -- post BODIES_FILE THREADS
--
-- "get" sends the URL's GET over and over. "post" sends each line of BODIES_FILE (a JSON
-- booking for its own free slot) once, to POST /api/v1/bookings: thread k takes lines
-- k, k + THREADS, k + 2 * THREADS, ..., so no two requests ask for the same slot, and a
-- thread stops when its lines run out, saying so in a "wrk-exhausted" line. done() prints
-- one "wrk-result" line for http.py, with how many POSTs were sent: a stopped thread never
-- reads its last answers, so http.py counts the bookings made instead.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   mode = args[1]
   first_error = ""
   exhausted = false
   if mode == "post" then
      -- wrk calls thread 0's request() once before it starts, only to check what it returns.
      checked = id ~= 0
      bodies, sent = {}, 0
      local stride, n = tonumber(args[3]), 0
      for line in io.lines(args[2]) do
         if n % stride == id then
            table.insert(bodies, line)
         end
         n = n + 1
      end
   else
      fixed = wrk.format()
   end
end

function request()
   if mode ~= "post" then
      return fixed
   end
   if not checked then
      checked = true
      return booking(bodies[1] or "{}")
   end
   if sent == #bodies then
      -- wrk asks for a request even once the slots are all taken: stop the thread, and send
      -- one that changes nothing, whose answer the stopped thread never reads or counts.
      -- wrk itself would sleep out its duration: the line tells http.py to interrupt it.
      if not exhausted then
         exhausted = true
         io.write("wrk-exhausted\n")
         io.flush()
      end
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
   end
   sent = sent + 1
   return booking(bodies[sent])
end

function booking(body)
   return wrk.format("POST", "/api/v1/bookings", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   if status > 399 and first_error == "" then
      first_error = status .. " " .. string.sub(body or "", 1, 300)
   end
end

function done(summary, latency, requests)
   local first_error, exhausted, sent = "", false, 0
   for _, thread in ipairs(threads) do
      if first_error == "" then
         first_error = thread:get("first_error") or ""
      end
      exhausted = exhausted or thread:get("exhausted")
      sent = sent + (thread:get("sent") or 0)
   end
   local errors = summary.errors
   io.write(string.format(
      "wrk-result requests=%d duration_us=%d p50_us=%d p95_us=%d connect=%d read=%d write=%d status=%d timeout=%d "
         .. "exhausted=%s sent=%d first_error=%s\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      tostring(exhausted), sent, (string.gsub(first_error, "%s+", " "))
   ))
end
