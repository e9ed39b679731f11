-- wrk's script for scripts/bench-http. What to ask comes from the environment:
--   BENCH_DATA  the Lua file `wholesail bench http-setup` wrote (tokens, product and category ids)
--   BENCH_MODE  get | cart-add | checkout
--   BENCH_PATH  for get: the path; "{product}" and "{category}" take a random sampled id
--   BENCH_THINK_MS  optional pause per connection between requests (see below)
-- cart-add posts one of 20 products to a buyer's cart; checkout sends a pipelined pair (add a
-- product, place the cart for pickup), so it counts two requests per order. Both rotate through
-- the buyers' tokens, each wrk thread through its own half, so one buyer's cart is never used
-- by two connections at once.
local data = dofile(os.getenv("BENCH_DATA"))
local mode = os.getenv("BENCH_MODE") or "get"
local path = os.getenv("BENCH_PATH") or "/"
local threads = tonumber(os.getenv("BENCH_THREADS") or "2")

local counter = 1
function setup(thread)
  thread:set("slot", counter)
  counter = counter + 1
end

local first, count, next_token
function init(args)
  local per = math.floor(#data.tokens / threads)
  first = ((slot or 1) - 1) * per + 1
  count = math.max(per, 1)
  next_token = 0
  math.randomseed(os.time() + (slot or 1) * 7919)
end

local function pick(list) return list[math.random(#list)] end

local function token()
  next_token = (next_token + 1) % count
  return data.tokens[first + next_token]
end

local function add(tok)
  local product = data.products[math.random(math.min(20, #data.products))]
  return wrk.format("POST", "/api/v1/cart/items", {
    ["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json",
  }, '{"product_id": ' .. product .. ', "qty": 1}')
end

function request()
  if mode == "cart-add" then
    return add(token())
  elseif mode == "checkout" then
    local tok = token()
    return add(tok) .. wrk.format("POST", "/api/v1/orders", {
      ["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json",
    }, '{"delivery": "pickup", "warehouse_id": ' .. data.warehouse .. '}')
  end
  local p = path:gsub("{product}", function() return tostring(pick(data.products)) end)
  p = p:gsub("{category}", function() return tostring(pick(data.categories)) end)
  return wrk.format("GET", p)
end

-- BENCH_THINK_MS: each connection waits about this long between its requests (a user reading
-- the page), so the load is N users rather than N requests always in flight. The pause is drawn
-- uniformly from 0 to twice the mean: with a fixed pause all connections would fire in lockstep,
-- N requests at once every period, which no set of real users does.
local think = tonumber(os.getenv("BENCH_THINK_MS") or "0")
if think > 0 then
  function delay() return math.random(0, 2 * think) end
end

function done(summary, latency, requests)
  -- One line wrk's caller parses: the latency percentiles in microseconds.
  io.write(string.format("BENCH p50=%d p90=%d p99=%d max=%d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
