#!/usr/bin/env bash
# End to end, tile shards (the weekly job's parallel tiles) on the sample city:
#  - `rtm render tiles RUN --shard i/4` for i = 0..3 each render every 4th
#    metatile into their own folder (a shard.json beside the tiles, no MBTiles),
#    disjoint, with metatile counts within one of each other;
#  - `rtm render tiles-merge --out DIR SHARD...` gives the same folder as one
#    render without --shard: the same tile files byte for byte (every one), the
#    same MBTiles tiles and metadata tables, the same index.html and places.js;
#  - a missing, repeated or foreign shard and a bad --shard are refused (exit 6
#    and 2) and leave no output.
# Usage: bash render_tile_shards.sh RTM_BINARY SOURCE_ROOT
set -euo pipefail
RTM="$1"
SRC="$2"
command -v sqlite3 >/dev/null 2>&1 || { echo "FAIL: sqlite3 not found (scripts/install-deps.sh installs it)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run="$work/run"
"$RTM" run "$SRC/config/sample-city.toml" --out "$run" --quiet

zoom=11-15
"$RTM" render tiles "$run" --zoom $zoom --out "$work/single" --quiet
for i in 0 1 2 3; do
  "$RTM" render tiles "$run" --zoom $zoom --shard "$i/4" --threads 1 --quiet
  [ -f "$run/tiles-shard-$i-of-4/shard.json" ] || fail "shard $i: no shard.json in the default folder"
  [ ! -e "$run/tiles-shard-$i-of-4/tiles.mbtiles" ] || fail "shard $i wrote an MBTiles file"
done
"$RTM" render tiles-merge --out "$work/merged" "$run"/tiles-shard-{3,1,0,2}-of-4 --quiet

tiles_of() { (cd "$1" && find . -path ./leaflet -prune -o -name '*.png' -print | sort); }
tiles_of "$work/single" >"$work/single.list"
tiles_of "$work/merged" >"$work/merged.list"
n=$(wc -l <"$work/single.list")
[ "$n" -gt 50 ] || fail "only $n tiles in the single render"
cmp -s "$work/single.list" "$work/merged.list" || fail "the merged tile set differs: $(diff "$work/single.list" "$work/merged.list" | head -5)"
while read -r f; do
  cmp -s "$work/single/$f" "$work/merged/$f" || fail "tile $f differs between the single render and the merge"
done <"$work/single.list"
# Every shard holds a part: disjoint, together all, balanced by metatiles.
total=0
for i in 0 1 2 3; do
  k=$(tiles_of "$run/tiles-shard-$i-of-4" | wc -l)
  [ "$k" -gt 0 ] || fail "shard $i holds no tile"
  total=$((total + k))
done
[ "$total" -eq "$n" ] || fail "the shards hold $total tiles, the single render $n"
metas=$(for i in 0 1 2 3; do sed -n 's/^ *"metatiles": \([0-9]*\),*$/\1/p' "$run/tiles-shard-$i-of-4/shard.json"; done | sort -n)
lo=$(head -1 <<<"$metas"); hi=$(tail -1 <<<"$metas")
[ $((hi - lo)) -le 1 ] || fail "unbalanced shards: metatiles $(echo $metas)"
# MBTiles: the same tiles (content) and metadata.
q_tiles="SELECT zoom_level, tile_column, tile_row, hex(tile_data) FROM tiles ORDER BY 1, 2, 3;"
q_meta="SELECT name, value FROM metadata ORDER BY name;"
for q in "$q_tiles" "$q_meta"; do
  sqlite3 "$work/single/tiles.mbtiles" "$q" >"$work/a.txt"
  sqlite3 "$work/merged/tiles.mbtiles" "$q" >"$work/b.txt"
  [ -s "$work/a.txt" ] || fail "empty result of '$q' on the single MBTiles"
  cmp -s "$work/a.txt" "$work/b.txt" || fail "MBTiles differ for '$q'"
done
[ "$(sqlite3 "$work/merged/tiles.mbtiles" 'SELECT count(*) FROM tiles;')" -eq "$n" ] || fail "MBTiles tile count is not $n"
for f in index.html places.js; do
  if [ -f "$work/single/$f" ]; then
    cmp -s "$work/single/$f" "$work/merged/$f" || fail "$f differs after the merge"
  fi
done
[ ! -e "$work/merged/shard.json" ] || fail "the merged folder kept a shard.json"

# --- refusals
set +e
"$RTM" render tiles-merge --out "$work/x" "$run"/tiles-shard-{0,1,2}-of-4 2>"$work/err"; rc=$?
[ $rc -eq 6 ] || fail "a missing shard exited $rc, expected 6"
grep -q "missing shard(s) 3/4" "$work/err" || fail "no 'missing shard' message: $(cat "$work/err")"
"$RTM" render tiles-merge --out "$work/x" "$run"/tiles-shard-{0,1,2,2}-of-4 2>"$work/err"; rc=$?
[ $rc -eq 6 ] || fail "a repeated shard exited $rc, expected 6"
grep -q "given twice" "$work/err" || fail "no 'given twice' message: $(cat "$work/err")"
"$RTM" render tiles "$run" --zoom 11-12 --shard 0/2 --out "$work/other" --quiet
"$RTM" render tiles-merge --out "$work/x" "$work/other" "$run"/tiles-shard-1-of-4 2>"$work/err"; rc=$?
[ $rc -eq 6 ] || fail "shards of two renders exited $rc, expected 6"
"$RTM" render tiles-merge --out "$work/x" "$work/single" 2>"$work/err"; rc=$?
[ $rc -eq 6 ] || fail "a folder without shard.json exited $rc, expected 6"
grep -q "shard.json" "$work/err" || fail "the error does not name shard.json: $(cat "$work/err")"
for bad in 4/4 1/0 a/4 1/4/2 -1/4; do
  "$RTM" render tiles "$run" --shard "$bad" --out "$work/x" 2>/dev/null; rc=$?
  [ $rc -eq 2 ] || fail "--shard $bad exited $rc, expected 2"
done
set -e
[ ! -e "$work/x" ] || fail "a refused merge or shard left $work/x"
ls -a "$work" | grep -q '\.tmp-' && fail "a temporary folder was left behind"
echo "ok: $n tiles, 4 shards (metatiles $(echo $metas)) merged byte for byte"
