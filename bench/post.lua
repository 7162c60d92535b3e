-- wrk script: POST a Plivo answer callback and count 2xx responses.
wrk.method = "POST"
wrk.body = "Direction=inbound&From=14155550100&CallerName=14155550100&BillRate=0.0085&To=14155550199&CallUUID=c490f944-013f-4baa-b0eb-af87113bc8f7&CallStatus=ringing&Event=StartApp"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local ok = 0
response = function(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"errors_status\": %d, \"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
