-- wrk script for the tiles benchmark: each request asks for another tile of a grid (so none is
-- asked twice while the grid lasts), in an order spread over the grid.
-- Environment: TILE_PATH (with {x} and {y}), X0, Y0, W, H.
local path, x0, y0, w, h = os.getenv("TILE_PATH"), tonumber(os.getenv("X0")), tonumber(os.getenv("Y0")), tonumber(os.getenv("W")), tonumber(os.getenv("H"))
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local n = 0
request = function()
  local k = ((offset or 0) + n * 2) * 7919 % (w * h)
  n = n + 1
  local x, y = x0 + k % w, y0 + math.floor(k / w)
  return wrk.format("GET", (path:gsub("{x}", tostring(x)):gsub("{y}", tostring(y))))
end
