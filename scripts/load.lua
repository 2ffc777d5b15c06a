-- The query load of scripts/load for wrk: each request asks for the next
-- path of the list (round robin per wrk thread), so every endpoint gets
-- its share; `done` prints one JSON line (latencies in microseconds) that
-- scripts/load reads.
local paths = {
    "/api/v1/health",
    "/api/v1/entities?q=an&limit=20",
    "/api/v1/entities/world/signals",
    "/api/v1/events?limit=50",
    "/api/v1/peers",
    "/api/v1/sources",
    "/metrics",
}
local next_path = 0

request = function()
    next_path = next_path % #paths + 1
    return wrk.format("GET", paths[next_path])
end

done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
            .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
