#!/usr/bin/env bash
# `rtm validate` on the whole of Chicago (../shared/data) reports the counts
# that ogrinfo reports for the same files and filters. Skipped (77) when the
# shared data is not beside the checkout.
set -euo pipefail
RTM="$1"
SRC="$2"
D="$SRC/../shared/data/chicago"
[ -d "$D" ] || { echo "no shared data at $D: skipped"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$RTM" validate "$SRC/config/chicago.toml" --json --quiet > "$work/v.json"
get() { /usr/bin/python3 -c "import json; r=json.load(open('$work/v.json')); print($1)"; }
count() {  # ogrinfo's feature count of a source
  ogrinfo -ro -so -al "$@" | awk -F': ' '/^Feature Count/ { s += $2 } END { print s }'
}

fail=0
check() {  # name ours theirs
  if [ "$2" != "$3" ]; then echo "MISMATCH $1: rtm $2, ogrinfo $3"; fail=1; else echo "ok $1: $2"; fi
}

# Features read, per layer.
check "incidents read" "$(get "r['incidents']['read']")" \
  "$(count "CSV:/vsigzip/$D/incidents/chicago_aggravated_assaults_2010_2019.csv.gz")"
n=$(get "len(r['layers'])")
for i in $(seq 0 $((n - 1))); do
  name=$(get "r['layers'][$i]['name']")
  src=$(get "r['layers'][$i]['source']")
  check "$name read" "$(get "r['layers'][$i]['read']")" "$(count "$src")"
done

# 2017 incidents inside the city, by SQL in the same projected CRS.
ogr2ogr -t_srs EPSG:26971 "$work/b.gpkg" "$D/boundaries/chicagoBoundary.geojson" -nln boundary
theirs=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT COUNT(*) AS n FROM \"$work/b.gpkg\".boundary b
  CROSS JOIN chicago_aggravated_assaults_2010_2019 a
  WHERE a.date >= '2017-01-01' AND a.date < '2018-01-01'
    AND ST_Intersects(b.geom, ST_Transform(MakePoint(CAST(a.longitude AS REAL), CAST(a.latitude AS REAL), 4326), 26971))" \
  "CSV:/vsigzip/$D/incidents/chicago_aggravated_assaults_2010_2019.csv.gz" -oo AUTODETECT_TYPE=NO |
  awk -F'= ' '/n \(Integer\)/ { print $2 }')
check "2017 incidents in the city" "$(get "r['incidents']['counts']['in_window']")" "$theirs"
exit $fail
