#!/usr/bin/env bash
# Compares the products of two rtm builds on the same studies: the check that a
# refactoring changed no behaviour.
#   scripts/compare-builds.sh RTM_A RTM_B [OUT]
# RTM_A, RTM_B: two rtm binaries (e.g. build-base/engine/rtm build/engine/rtm).
# Runs Chicago at 100 m (config/chicago.toml, needs ../shared/data), the sample
# city, two Monday runs with a goal and their history, and a 4-week backtest of the sample city with each, then compares
# risk.tif, candidates.json, model.json, places.csv, summary.md and report.json
# (apart from its time fields: keys named time, timings, *seconds, *_utc), the
# other rasters and map.png, and backtest.json (apart from time fields) and
# backtest.csv. Exits 1 naming every product that differs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
A="$(realpath "$1")"; B="$(realpath "$2")"
OUT="${3:-$(mktemp -d)}"
mkdir -p "$OUT"
command -v python3 >/dev/null || { echo "compare-builds: python3 is needed" >&2; exit 2; }

run_both() {  # name, then the rtm arguments after the binary; OUTDIR is replaced by the folder
  local name="$1"; shift
  for side in a b; do
    local exe="$A"; [ "$side" = b ] && exe="$B"
    local dir="$OUT/$side/$name"
    [ "$name" = weekly ] || rm -rf "$dir"
    local args=("${@//OUTDIR/$dir}")
    echo "== $side: rtm ${args[*]}"
    "$exe" "${args[@]}" -q
  done
}

same_file() {  # path relative to a run folder, name
  if cmp -s "$OUT/a/$2/$1" "$OUT/b/$2/$1"; then echo "same      $2/$1"; else echo "DIFFERENT $2/$1"; fail=1; fi
}

same_json() {  # path, name: JSON equal apart from time fields
  if python3 - "$OUT/a/$2/$1" "$OUT/b/$2/$1" <<'PY'
import json, sys
def is_time(k):
    return k in ("time", "timings") or k.endswith("seconds") or k.endswith("_utc")
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not is_time(k)}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
  then echo "same      $2/$1 (time fields apart)"; else echo "DIFFERENT $2/$1"; fail=1; fi
}

fail=0
cd "$ROOT"
if [ -d "$ROOT/../shared/data/chicago" ]; then
  run_both chicago run config/chicago.toml --out OUTDIR
  for f in risk.tif candidates.json model.json places.csv summary.md counts.tif grid.tif classes.tif exposure.tif map.png; do
    same_file "$f" chicago
  done
  same_json report.json chicago
else
  echo "compare-builds: ../shared/data/chicago missing: Chicago not compared" >&2
  fail=1
fi
run_both sample run config/sample-city.toml --out OUTDIR
for f in risk.tif candidates.json model.json places.csv summary.md; do same_file "$f" sample; done
same_json report.json sample
# The Monday job with a goal, twice (ledger, change since the last run, history).
weekly="$OUT/weekly.toml"
sed "s#\.\./sample-city/#$ROOT/sample-city/#g" "$ROOT/config/sample-city.toml" > "$weekly"
printf '\n[schedule]\nreselect_weeks = 12\n\n[goal]\nreduction = 0.15\nbaseline_year = 2017\nscope = ["citywide", "places"]\n' >> "$weekly"
for d in 2018-01-15 2018-01-22; do run_both "weekly" run "$weekly" --as-of "$d" --runs OUTDIR; done
for side in a b; do
  exe="$A"; [ "$side" = b ] && exe="$B"
  "$exe" history "$weekly" --runs "$OUT/$side/weekly" | sed "s#$OUT/$side/##" > "$OUT/$side/weekly/history.txt"
done
same_file history.txt weekly
for d in 2018-01-15 2018-01-22; do
  for f in risk.tif places.csv summary.md; do same_file "$f" "weekly/sample-city-$d"; done
  same_json report.json "weekly/sample-city-$d"
done
run_both backtest backtest config/sample-city.toml --out OUTDIR --test-start 2018-07-02 --test-end 2018-07-29
same_file backtest.csv backtest
same_json backtest.json backtest
[ "$fail" = 0 ] && echo "compare-builds: every product compared is the same" || echo "compare-builds: products differ" >&2
exit "$fail"
