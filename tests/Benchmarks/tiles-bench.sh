#!/usr/bin/env bash
# Tiles benchmark for ./lp bench --only tiles: our vector tiles cold (rendered, then stored in the shared
# cache) against the raw ST_AsMVT query of the same tiles (pgbench), warm cached tiles, and MapServer 8's
# MVT output of the same layer and tiles (FastCGI behind lighttpd), in one run, with ratios.
# Called by ./lp with: ROOT BIN DB_NAME DB_PORT DB_USER DB_PASSWORD
set -euo pipefail
ROOT="$1" BIN="$2" DB="$3" DB_PORT="$4" DB_USER="$5" DB_PASSWORD="$6"
WORK="$ROOT/.lp/bench-tiles"; mkdir -p "$WORK"
OURS_PORT="${LP_BENCH_TILES_PORT:-8094}" MS_PORT="${LP_BENCH_TILES_MS_PORT:-8093}"
DURATION="${LP_BENCH_SECONDS:-10}" CONNECTIONS=4 COLD_SECONDS="${LP_BENCH_COLD_SECONDS:-5}" ROUNDS="${LP_BENCH_TILE_ROUNDS:-3}"
OURS="http://127.0.0.1:$OURS_PORT" MS="http://127.0.0.1:$MS_PORT"
export PGPASSWORD="$DB_PASSWORD" PGSSLMODE=disable   # loopback without TLS, like ./lp's embedded cluster and the OGC bench
psql_bench() { psql -X -q -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$DB" -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  [[ -f "$WORK/lighttpd.pid" ]] && kill "$(cat "$WORK/lighttpd.pid")" 2>/dev/null || true
  [[ -n "${OURS_PID:-}" ]] && kill "$OURS_PID" 2>/dev/null || true
  # lighttpd leaves its FastCGI MapServer processes behind: end those started with this run's configuration, by id.
  local p
  for p in $(pgrep -x mapserv || true); do
    grep -qz "^MAPSERVER_CONFIG_FILE=$WORK/mapserver.conf$" "/proc/$p/environ" 2>/dev/null && kill "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

libpq="host=127.0.0.1 port=$DB_PORT dbname=$DB user=$DB_USER password=$DB_PASSWORD sslmode=disable"
sed -e "s|@DB@|$libpq|" -e "s|@URL@|$MS|" "$ROOT/tests/Benchmarks/landplatform.map.in" > "$WORK/landplatform.map"
sed -e "s|@MAPFILE@|$WORK/landplatform.map|" "$ROOT/tests/Benchmarks/mapserver.conf.in" > "$WORK/mapserver.conf"
sed -e "s|@PORT@|$MS_PORT|" -e "s|@DIR@|$WORK|g" "$ROOT/tests/Benchmarks/lighttpd.conf.in" > "$WORK/lighttpd.conf"
rm -f "$WORK/lighttpd.pid"
lighttpd -f "$WORK/lighttpd.conf"

LP_CONNECTION_STRING="Host=127.0.0.1;Port=$DB_PORT;Database=$DB;Username=$DB_USER;Password=$DB_PASSWORD;SSL Mode=Disable" \
  Identity__DemoMode=true Logging__LogLevel__Default=Warning ASPNETCORE_CONTENTROOT="$BIN" \
  dotnet "$BIN/Landplatform.GisServer.dll" --urls "$OURS" > "$WORK/server.log" 2>&1 &
OURS_PID=$!
for _ in $(seq 1 60); do curl -sf "$OURS/health" > /dev/null && curl -sf -o /dev/null "$MS/ms?map=landplatform&SERVICE=WMS&REQUEST=GetCapabilities" && break; sleep 1; done

walk() { # url-template -> "req/s requests" over distinct tiles of the grid
  TILE_PATH="$1" X0=$X0 Y0=$Y0 W=$W H=$H wrk -t2 -c$CONNECTIONS -d"${DURATION}s" -s "$ROOT/tests/Benchmarks/tiles-walk.lua" "$2" |
    awk '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {print r, n}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

measure_zoom() { # zoom: the four figures and their ratios for tiles of that zoom
  local Z=$1
  # The grid: every tile of the zoom over the middle of the island (dense with parcels at 1,000,000), more
  # tiles than the cold walk can ask for in its time, so that no cold request is a cache hit.
  read -r X0 Y0 X1 Y1 < <(Z=$Z python3 - <<'PY'
import math
def tile(lon, lat, z=int(__import__('os').environ['Z'])):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
x0, y0 = tile(-61.26, 13.36)
x1, y1 = tile(-61.14, 13.16)
print(x0, y0, x1, y1)
PY
  )
  W=$((X1 - X0 + 1)) H=$((Y1 - Y0 + 1))
  HOT_X=$((X0 + W / 2)) HOT_Y=$((Y0 + H / 2))
  echo "grid: $W x $H tiles at zoom $Z (x $X0-$X1, y $Y0-$Y1); parcels in the middle tile: $(psql_bench -tAc "SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND boundary && ST_Transform(ST_TileEnvelope($Z, $HOT_X, $HOT_Y), 2007)")"

  # The exact query the server runs for a tile, with the tile's column and row made pgbench variables.
  SQL=$(ASPNETCORE_CONTENTROOT="$BIN" LP_CONNECTION_STRING="Host=127.0.0.1;Port=$DB_PORT;Database=$DB;Username=$DB_USER;Password=$DB_PASSWORD" \
    dotnet "$BIN/Landplatform.GisServer.dll" tiles sql --layer parcels --tile "$Z/$HOT_X/$HOT_Y")
  SQL=${SQL//"ST_TileEnvelope($Z, $HOT_X, $HOT_Y"/"ST_TileEnvelope($Z, :x, :y"}
  printf '\\set k random(0, %d)\n\\set x %d + :k %% %d\n\\set y %d + :k / %d\n%s\n' $((W * H - 1)) "$X0" "$W" "$Y0" "$W" "$SQL" > "$WORK/tile.sql"

  # Warm-up: 20 s of the same walk (the .NET JIT tiers hot code up in the background, which takes ~20 s of
  # load on two busy cores, and a server runs for days; a walk that outlasts the grid asks tiles again, so the
  # cached path is warmed too); each round below empties the cache again, so that its walk renders every tile it asks.
  DURATION="${LP_BENCH_WARMUP_SECONDS:-20}" walk "/tiles/parcels/$Z/{x}/{y}.mvt" "$OURS" > /dev/null
  # Rounds of (cache emptied, our cold walk, the raw SQL), each 5 s: on a shared machine the speed of the two cores
  # drifts by ±15 % from one 10 s window to the next, so each round pairs ours with the SQL measured right after it,
  # and the figures below are the medians of the rounds. The cold walks last 5 s, not 10: a warmed server asks more
  # tiles in 10 s than a grid holds, and a walk that outlasts its grid asks tiles again (cache hits).
  local round colds=() sqls=() ratios=()
  for ((round = 1; round <= ROUNDS; round++)); do
    psql_bench -c "DELETE FROM tiles.tile_cache WHERE layer = 'parcels' AND z = $Z" > /dev/null
    curl -s -o /dev/null "$OURS/tiles/parcels/$Z/$HOT_X/$HOT_Y.mvt"   # for the warm measure; the walk never asks this tile
    read -r ours_cold cold_requests < <(DURATION="$COLD_SECONDS" walk "/tiles/parcels/$Z/{x}/{y}.mvt" "$OURS")
    ((cold_requests < W * H)) || echo "warning: the cold walk asked $cold_requests tiles of a $((W * H))-tile grid: some were cache hits" >&2
    cold_count=$(psql_bench -tAc "SELECT count(*) FROM tiles.tile_cache WHERE layer = 'parcels' AND z = $Z")
    sql_tps=$(pgbench -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -n -c $CONNECTIONS -j 2 -T "$COLD_SECONDS" -f "$WORK/tile.sql" "$DB" 2>/dev/null |
      awk -F'= ' '/^tps/ {split($2, a, " "); print a[1]}')
    colds+=("$ours_cold") sqls+=("$sql_tps") ratios+=("$(ratio "$sql_tps" "$ours_cold")")
  done
  ours_cold=$(median "${colds[@]}") sql_tps=$(median "${sqls[@]}")
  read -r ms_cold _ < <(DURATION="$COLD_SECONDS" walk "/ms?map=landplatform&mode=tile&tilemode=gmap&tile={x}+{y}+$Z&layers=parcels&map.imagetype=mvt" "$MS")
  warm=$(wrk -t2 -c$CONNECTIONS -d"${DURATION}s" --latency "$OURS/tiles/parcels/$Z/$HOT_X/$HOT_Y.mvt")
  ours_warm=$(awk '/Requests\/sec/ {print $2}' <<< "$warm")
  warm_p50=$(awk '$1=="50%" {print $2}' <<< "$warm")
  ms_bytes=$(curl -s "$MS/ms?map=landplatform&mode=tile&tilemode=gmap&tile=$HOT_X+$HOT_Y+$Z&layers=parcels&map.imagetype=mvt" | wc -c)
  ours_bytes=$(curl -s "$OURS/tiles/parcels/$Z/$HOT_X/$HOT_Y.mvt" | wc -c)

  printf '\n%-34s %12s\n' "work (zoom-$Z parcel tiles)" "req/s"
  printf '%-34s %12s\n' "ours cold (render+store), median" "$ours_cold" "raw ST_AsMVT SQL (pgbench), median" "$sql_tps" "MapServer 8 MVT (cold)" "$ms_cold" "ours warm (cached, one tile)" "$ours_warm"
  printf '\n%-44s %8s   goal\n' "ratio" "value"
  printf '%-44s %7sx   <= 1.2   (rounds: %s)\n' "ours cold time / raw SQL time (median round)" "$(median "${ratios[@]}")" "${ratios[*]}"
  printf '%-44s %7sx   >= 10\n' "ours warm / ours cold (throughput)" "$(ratio "$ours_warm" "$ours_cold")"
  printf '%-44s %7sx   > 1\n' "ours cold / MapServer cold (throughput)" "$(ratio "$ours_cold" "$ms_cold")"
  echo "(wrk -t2 -c$CONNECTIONS, ${DURATION}s each; cold: $ROUNDS rounds of our walk and the raw SQL, ${COLD_SECONDS}s each, medians (ours ${colds[*]}; SQL ${sqls[*]}); the cold walk asks distinct tiles of the grid: $cold_requests requests, $cold_count tiles stored, of $((W * H)) in the last round; MapServer the same walk; raw SQL: pgbench -c$CONNECTIONS over random tiles of the grid with the server's own query; warm p50 $warm_p50; middle tile: ours $ours_bytes bytes, MapServer $ms_bytes bytes)"
}

for zoom in ${LP_BENCH_TILE_ZOOMS:-16 17}; do measure_zoom "$zoom"; done
