#!/usr/bin/env bash
# Tile benchmark: tiles per second over the Chicago study, zoom by zoom, with
# metatiles (--metatile 8, the default) against one tile at a time
# (--metatile 1), and their ratio, both measured in this one run with the same
# threads. Builds nothing:
#   bench/tiles.sh [BUILD_DIR] [RUN_DIR]
# BUILD_DIR: default build. RUN_DIR: a run folder of config/chicago.toml (made
# in a temporary folder when not given; about a minute). Settings:
#   RTM_BENCH_TILE_ZOOM     zooms, MIN-MAX (default 10-16)
#   RTM_BENCH_TILE_THREADS  render threads (default 1: the figures then do not
#                           depend on what else the machine runs in parallel)
#   RTM_BENCH_TILE_LIMIT    stop before the next zoom once the one-at-a-time
#                           renders so far took this many seconds (default 900);
#                           the table says which zooms were covered
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$here/$build"
rtm="$build/engine/rtm"
[[ -x "$rtm" ]] || { echo "bench: $rtm missing; build it first" >&2; exit 1; }
zoom=${RTM_BENCH_TILE_ZOOM:-10-16}
threads=${RTM_BENCH_TILE_THREADS:-1}
limit=${RTM_BENCH_TILE_LIMIT:-900}
zmin=${zoom%-*}
zmax=${zoom#*-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run=${2:-}
if [[ -z "$run" ]]; then
  echo "bench: rtm run config/chicago.toml ..." >&2
  run="$tmp/run"
  "$rtm" run "$here/config/chicago.toml" --out "$run" --quiet
fi

# "rtm: N tiles (M metatiles) in S s (R tiles/s)" -> "N S"
render() {  # zoom metatile
  "$rtm" render tiles "$run" --zoom "$1-$1" --metatile "$2" --threads "$threads" --no-mbtiles --out "$tmp/t-$1-$2" \
    2>&1 >/dev/null | awk '/ tiles \(/ { print $2, $(NF-3) }'
  rm -rf "$tmp/t-$1-$2"
}

printf "tiles over %s, zooms %s, %s thread(s), %s\n" "$(basename "$(readlink -f "$run")")" "$zoom" "$threads" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-5s %8s %12s %12s %8s\n" zoom tiles "meta8 t/s" "single t/s" ratio
tn=0; tm=0; ts=0; spent=0; covered=""
for ((z = zmin; z <= zmax; ++z)); do
  if (( $(printf '%.0f' "$spent") >= limit )); then
    echo "stopped before zoom $z: one-at-a-time renders took ${spent} s (RTM_BENCH_TILE_LIMIT=$limit)"
    break
  fi
  read -r n1 s1 < <(render "$z" 8)
  read -r n2 s2 < <(render "$z" 1)
  [[ "$n1" == "$n2" ]] || echo "bench: zoom $z: $n1 tiles metatiled, $n2 one at a time" >&2
  awk -v z="$z" -v n="$n1" -v a="$s1" -v b="$s2" \
    'BEGIN { printf "%-5s %8d %12.1f %12.1f %8.2f\n", z, n, n / a, n / b, b / a }'
  tn=$((tn + n1)); tm=$(awk -v x="$tm" -v y="$s1" 'BEGIN { print x + y }'); ts=$(awk -v x="$ts" -v y="$s2" 'BEGIN { print x + y }')
  spent=$ts; covered="$zmin-$z"
done
awk -v c="$covered" -v n="$tn" -v a="$tm" -v b="$ts" \
  'BEGIN { printf "%-5s %8d %12.1f %12.1f %8.2f   (zooms %s; seconds: %.1f metatiled, %.1f one at a time)\n", "all", n, n / a, n / b, b / a, c, a, b }'
