#!/usr/bin/env bash
# OGC benchmarks for ./lp bench: OGC API items (and how deep pages compare with the first) and WMS GetMap, ours next to MapServer 8 (FastCGI behind
# lighttpd, same PostGIS tables) and next to the raw SQL for the same rows (pgbench), in one run.
# Called by ./lp with: ROOT BIN DB_NAME DB_PORT DB_USER DB_PASSWORD PARTS
set -euo pipefail
ROOT="$1" BIN="$2" DB="$3" DB_PORT="$4" DB_USER="$5" DB_PASSWORD="$6" PARTS="$7"
WORK="$ROOT/.lp/bench"; mkdir -p "$WORK"
OURS_PORT="${LP_BENCH_PORT:-8092}" MS_PORT="${LP_BENCH_MS_PORT:-8091}"
DURATION="${LP_BENCH_SECONDS:-10}" CONNECTIONS=4
OURS="http://127.0.0.1:$OURS_PORT" MS="http://127.0.0.1:$MS_PORT"

cleanup() {
  [[ -f "$WORK/lighttpd.pid" ]] && kill "$(cat "$WORK/lighttpd.pid")" 2>/dev/null || true
  [[ -n "${OURS_PID:-}" ]] && kill "$OURS_PID" 2>/dev/null || true
  pkill -f "$WORK/mapserver.conf" 2>/dev/null || true
}
trap cleanup EXIT

libpq="host=127.0.0.1 port=$DB_PORT dbname=$DB user=$DB_USER password=$DB_PASSWORD sslmode=disable"
sed -e "s|@DB@|$libpq|" -e "s|@URL@|$MS|" "$ROOT/tests/Benchmarks/landplatform.map.in" > "$WORK/landplatform.map"
sed -e "s|@MAPFILE@|$WORK/landplatform.map|" "$ROOT/tests/Benchmarks/mapserver.conf.in" > "$WORK/mapserver.conf"
sed -e "s|@PORT@|$MS_PORT|" -e "s|@DIR@|$WORK|g" "$ROOT/tests/Benchmarks/lighttpd.conf.in" > "$WORK/lighttpd.conf"
rm -f "$WORK/lighttpd.pid"
lighttpd -f "$WORK/lighttpd.conf"

LP_CONNECTION_STRING="Host=127.0.0.1;Port=$DB_PORT;Database=$DB;Username=$DB_USER;Password=$DB_PASSWORD;SSL Mode=Disable" \
  Identity__DemoMode=true Identity__PublicPermitsPerMinute=1000000000 Identity__PagePermitsPerMinute=1000000000 Logging__LogLevel__Default=Warning ASPNETCORE_CONTENTROOT="$BIN" \
  dotnet "$BIN/Landplatform.GisServer.dll" --urls "$OURS" > "$WORK/server.log" 2>&1 &
OURS_PID=$!
for _ in $(seq 1 60); do curl -sf "$OURS/health" > /dev/null && curl -sf -o /dev/null "$MS/ms?map=landplatform&SERVICE=WMS&REQUEST=GetCapabilities" && break; sleep 1; done

export PGPASSWORD="$DB_PASSWORD" PGSSLMODE=disable
# The window of the bbox cases: a block of Kingstown's hinterland, in WGS 84 and in the national grid.
read -r GX0 GY0 GX1 GY1 < <(psql -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$DB" -tA -F ' ' -c \
  "SELECT round(ST_XMin(b)::numeric,3), round(ST_YMin(b)::numeric,3), round(ST_XMax(b)::numeric,3), round(ST_YMax(b)::numeric,3) FROM (SELECT ST_Transform(ST_MakeEnvelope(-61.24, 13.16, -61.22, 13.18, 4326), 2007)::box2d b) x")
BBOX="-61.24,13.16,-61.22,13.18"

measure_http() { # name url -> "req/s p50 p99"
  # Warm up under load first, as a server that has run for a while: the .NET JIT tiers hot code up in the
  # background (instrumented, then optimised with the profile), which on two busy cores takes ~20 s of load
  # before the rate settles (measured: 75, 112, 163, 163 req/s in four 10 s runs on a fresh server).
  # MapServer (C, no JIT) gets a shorter warm-up of its own.
  local warmup="${LP_BENCH_WARMUP_SECONDS:-20}"
  [[ "$1" == ms ]] && warmup="${LP_BENCH_PEER_WARMUP_SECONDS:-5}"
  wrk -t1 -c2 -d"${warmup}s" "$2" > /dev/null
  local out; out=$(wrk -t2 -c$CONNECTIONS -d"${DURATION}s" --latency "$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  # A rate of refusals (a rate limit, a 400) is no measurement: such a row says so instead of a figure.
  if grep -q 'Non-2xx or 3xx responses' <<< "$out"; then rps="non-2xx"; fi
  p50=$(awk '$1=="50%" {print $2}' <<< "$out"); p99=$(awk '$1=="99%" {print $2}' <<< "$out")
  echo "$rps $p50 $p99"
}

measure_sql() { # name sql -> "tps"
  printf '%s;\n' "$2" > "$WORK/$1.sql"
  pgbench -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -n -c $CONNECTIONS -j 2 -T "$DURATION" -f "$WORK/$1.sql" "$DB" 2>/dev/null |
    awk -F'= ' '/^tps/ {split($2, a, " "); print a[1]}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

ITEMS_SQL="SELECT t.upi, t.version, t.status, t.land_use, t.address, t.district_code, t.block_code, t.official_area, t.computed_area, t.valid_from, t.valid_to, ST_AsGeoJSON(ST_Transform(t.boundary, 4326), 8) FROM cadastre.parcel_versions t WHERE t.status = 'current'"
ENVELOPE="ST_Transform(ST_MakeEnvelope(-61.24, 13.16, -61.22, 13.18, 4326), 2007)"
printf '\n%-28s %12s %12s %12s %14s %16s\n' "work" "ours req/s" "MapServer" "raw SQL tps" "ours/SQL time" "ours/MapServer"
row() { # label ours-url ms-url sql
  read -r ours_rps p50 p99 < <(measure_http ours "$2")
  # The raw SQL before MapServer: MapServer's slowest requests run on for seconds after wrk stops, and that
  # tail must not land in the SQL's measurement (the next row's warm-up absorbs it).
  local sql_tps; sql_tps=$(measure_sql "$1" "$4")
  read -r ms_rps _ _ < <(measure_http ms "$3")
  printf '%-28s %12s %12s %12s %14s %16s   (ours p50 %s, p99 %s)\n' "$1" "$ours_rps" "$ms_rps" "$sql_tps" \
    "$(ratio "$sql_tps" "$ours_rps")x" "$(ratio "$ours_rps" "$ms_rps")x" "$p50" "$p99"
}
if [[ "$PARTS" == all || "$PARTS" == items ]]; then
  row "items limit=1000" "$OURS/ogc/collections/parcels/items?limit=1000" \
    "$MS/ms/landplatform/ogcapi/collections/parcels/items?f=json&limit=1000" \
    "$ITEMS_SQL ORDER BY t.upi LIMIT 1000"
  row "items limit=1000 bbox" "$OURS/ogc/collections/parcels/items?limit=1000&bbox=$BBOX" \
    "$MS/ms/landplatform/ogcapi/collections/parcels/items?f=json&limit=1000&bbox=$BBOX" \
    "$ITEMS_SQL AND t.boundary && $ENVELOPE AND ST_Intersects(t.boundary, $ENVELOPE) ORDER BY t.upi LIMIT 1000"
fi
if [[ "$PARTS" == all || "$PARTS" == paging ]]; then
  # Page 200 of 100 (rows 19,901-20,000): by the cursor a next link carries there, and by offset; each next to its raw
  # SQL (keyset seek, OFFSET), and both next to page 1 in the same run.
  read -r LAST_UPI LAST_VERSION < <(psql -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$DB" -tA -F ' ' -c \
    "SELECT upi, version FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi, version OFFSET 19899 LIMIT 1")
  CURSOR=$(printf '1\n19900\n%s\n%s' "$LAST_UPI" "$LAST_VERSION" | base64 -w0 | tr '+/' '-_' | tr -d '=')
  printf '\n%-28s %12s %12s %14s\n' "paging" "ours req/s" "raw SQL tps" "ours/SQL time"
  paging_row() { # label ours-url sql -> prints, and leaves the rate in PAGE_RPS
    read -r PAGE_RPS p50 p99 < <(measure_http ours "$2")
    local sql_tps; sql_tps=$(measure_sql "paging" "$3")
    printf '%-28s %12s %12s %14s   (ours p50 %s, p99 %s)\n' "$1" "$PAGE_RPS" "$sql_tps" "$(ratio "$sql_tps" "$PAGE_RPS")x" "$p50" "$p99"
  }
  paging_row "items page 1 (limit=100)" "$OURS/ogc/collections/parcels/items?limit=100" "$ITEMS_SQL ORDER BY t.upi, t.version LIMIT 101"
  first=$PAGE_RPS
  paging_row "items page 200 by cursor" "$OURS/ogc/collections/parcels/items?limit=100&cursor=$CURSOR" \
    "$ITEMS_SQL AND (t.upi, t.version) > ('$LAST_UPI', $LAST_VERSION) ORDER BY t.upi, t.version LIMIT 101"
  cursor=$PAGE_RPS
  paging_row "items page 200 by offset" "$OURS/ogc/collections/parcels/items?limit=100&offset=19900" \
    "$ITEMS_SQL ORDER BY t.upi, t.version LIMIT 101 OFFSET 19900"
  offset=$PAGE_RPS
  echo "page 200 takes $(ratio "$first" "$cursor")x the time of page 1 by cursor, $(ratio "$first" "$offset")x by offset"
fi
if [[ "$PARTS" == all || "$PARTS" == wfs ]]; then
  GML_SQL="SELECT t.upi, t.version, t.status, t.land_use, t.address, t.district_code, t.block_code, t.official_area, t.computed_area, t.valid_from, t.valid_to, ST_AsGML(3, t.boundary, 15, 1) FROM cadastre.parcel_versions t WHERE t.status = 'current'"
  row "WFS GetFeature count=1000" "$OURS/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&COUNT=1000" \
    "$MS/ms?map=landplatform&SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=parcels&COUNT=1000" \
    "$GML_SQL ORDER BY t.upi LIMIT 1000"
  row "WFS GetFeature 1000 bbox" "$OURS/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&COUNT=1000&BBOX=$GX0,$GY0,$GX1,$GY1,urn:ogc:def:crs:EPSG::2007" \
    "$MS/ms?map=landplatform&SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=parcels&COUNT=1000&BBOX=$GX0,$GY0,$GX1,$GY1,urn:ogc:def:crs:EPSG::2007" \
    "$GML_SQL AND t.boundary && ST_MakeEnvelope($GX0, $GY0, $GX1, $GY1, 2007) AND ST_Intersects(t.boundary, ST_MakeEnvelope($GX0, $GY0, $GX1, $GY1, 2007)) ORDER BY t.upi LIMIT 1000"
fi
if [[ "$PARTS" == all || "$PARTS" == getmap ]]; then
  row "WMS GetMap 800x800" \
    "$OURS/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:2007&BBOX=$GX0,$GY0,$GX1,$GY1&WIDTH=800&HEIGHT=800&FORMAT=image/png" \
    "$MS/ms?map=landplatform&SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:2007&BBOX=$GX0,$GY0,$GX1,$GY1&WIDTH=800&HEIGHT=800&FORMAT=image/png" \
    "SELECT ST_AsBinary(ST_Simplify(t.boundary, $(awk -v a="$GX0" -v b="$GX1" 'BEGIN { printf "%.3f", (b - a) / 800 / 2 }'))) FROM cadastre.parcel_versions t WHERE t.status = 'current' AND t.boundary && ST_MakeEnvelope($GX0, $GY0, $GX1, $GY1, 2007)"
fi
echo "(each figure: wrk -t2 -c$CONNECTIONS for ${DURATION}s after a warm-up of ${LP_BENCH_WARMUP_SECONDS:-20}s for ours, ${LP_BENCH_PEER_WARMUP_SECONDS:-5}s for MapServer; raw SQL: pgbench -c$CONNECTIONS for ${DURATION}s; 'ours/SQL time' = how many times the SQL's time a request takes; 'ours/MapServer' = our throughput over MapServer's, above 1 is faster)"
