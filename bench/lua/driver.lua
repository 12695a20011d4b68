-- Drives one method of the chat service with wrk.
--
-- Usage: wrk -s driver.lua URL -- METHOD HANDLES_FILE TAG
--   METHOD        users/add | chats/add | messages/add | chats/get | messages/get
--   HANDLES_FILE  lines "kind id..." written by bench/dataset.py (Handles.write)
--   TAG           unique per run, so the names this run creates are new
--
-- Every request is a POST with a JSON body. Names created by users/add and
-- chats/add are unique (tag, thread and a counter), so no request is refused
-- as a duplicate; sends rotate through (chat, author) pairs that are members.
-- done() prints one line "BENCH_RESULT {json}" for bench/load.py to parse.

local next_thread = 1

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

local method, tag
local users, sends, group_sends = {}, {}, {}
local handles = {}
local counter = 0
local fixed = nil

local function load(path)
  for line in io.lines(path) do
    local kind, a, b = line:match("^(%S+) (%S+) ?(%S*)$")
    if kind == "user" then
      users[#users + 1] = a
    elseif kind == "send" then
      sends[#sends + 1] = { a, b }
    elseif kind == "group_send" then
      group_sends[#group_sends + 1] = { a, b }
    elseif kind then
      handles[kind] = a
    end
  end
end

function init(args)
  method, tag = args[1], args[3]
  load(args[2])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local path = "/" .. method
  -- The pages (bench/plan.py PAGES): 50 at a time, from the newest end, before
  -- the middle message or after it, of the 1,000- and the 200,000-message chat.
  local pages = {
    ["chats/page"] = { "chats/get", '{"user":"' .. handles.busy_user .. '","limit":50}' },
    ["chats/page-crowded"] = { "chats/get", '{"user":"' .. handles.crowded_user .. '","limit":50}' },
  }
  for _, kind in ipairs({ { "", "page" }, { "-big", "big" } }) do
    local chat, middle = handles[kind[2] .. "_chat"], handles[kind[2] .. "_middle"]
    local open = '{"chat":"' .. chat .. '","limit":50'
    pages["messages/page" .. kind[1]] = { "messages/get", open .. "}" }
    pages["messages/before" .. kind[1]] = { "messages/get", open .. ',"before":"' .. tostring(middle) .. '"}' }
    pages["messages/after" .. kind[1]] = { "messages/get", open .. ',"after":"' .. tostring(middle) .. '"}' }
  end
  if method == "chats/get" then
    fixed = wrk.format(nil, path, nil, '{"user":"' .. handles.busy_user .. '"}')
  elseif method == "messages/get" then
    fixed = wrk.format(nil, path, nil, '{"chat":"' .. handles.page_chat .. '"}')
  elseif pages[method] then
    fixed = wrk.format(nil, "/" .. pages[method][1], nil, pages[method][2])
  end
  -- Threads start at different points of the rotations.
  counter = (thread_id or 1) * 7919
end

local function unique()
  counter = counter + 1
  return tag .. "_" .. (thread_id or 1) .. "_" .. counter
end

function request()
  if fixed then
    return fixed
  end
  local path = "/" .. method
  local body
  if method == "users/add" then
    body = '{"username":"u' .. unique() .. '"}'
  elseif method == "chats/add" then
    local name = unique()
    local i = counter % #users + 1
    local j = i % #users + 1
    body = '{"name":"c' .. name .. '","users":["' .. users[i] .. '","' .. users[j] .. '"]}'
  elseif method == "messages/add" or method == "messages/add-busy" then
    counter = counter + 1
    local pairs = method == "messages/add" and sends or group_sends
    local pair = pairs[counter % #pairs + 1]
    path = "/messages/add"
    body = '{"chat":"' .. pair[1] .. '","author":"' .. pair[2] .. '","text":"bench message ' .. counter .. '"}'
  else
    error("unknown method " .. method)
  end
  return wrk.format(nil, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
