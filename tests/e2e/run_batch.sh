#!/usr/bin/env bash
# rtm run-batch: a batch of two sample-city studies and a broken one gives,
# for each good study, the same products as a single `rtm run` (report.json
# apart from its time fields, model.json, candidates.json, places.csv,
# summary.md, and every raster cell for cell); the broken study fails with its
# own exit code without stopping the others, and the batch exits with it.
# Then a weekly batch (-j 2, --as-of) records both studies in one ledger.
#
#   run_batch.sh RTM SOURCE_ROOT
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
a="$work/a.toml"
b="$work/b.toml"
bad="$work/bad.toml"
sed "s#\.\./sample-city/#$SRC/sample-city/#g" "$SRC/config/sample-city.toml" > "$a"
sed 's/^name = "sample-city"/name = "sample-city-150m"/; s/^block_length_m = 200.*/block_length_m = 200\ncell_size_m = 150/' "$a" > "$b"
grep -q '^cell_size_m = 150' "$b" && grep -q '^name = "sample-city-150m"' "$b"
sed 's/^block_length_m = 200.*/block_length_m = "200"/; s/^name = "sample-city"/name = "broken"/' "$a" > "$bad"

set +e
"$RTM" run-batch "$a" "$bad" "$b" --out-root "$work/batch" -j 2 > "$work/batch.out" 2> "$work/batch.err"
code=$?
set -e
cat "$work/batch.out"
[ "$code" -eq 3 ] || { echo "FAIL: batch exit $code, expected 3 (the broken study's)"; cat "$work/batch.err"; exit 1; }
grep -q "2 of 3 studies ran; 1 failed" "$work/batch.out" || { echo "FAIL: no batch summary"; exit 1; }
grep -q "bad.toml .*failed *3 *study file: .*bad.toml:.*study.block_length_m: expected a number, found a string" "$work/batch.out" \
  || { echo "FAIL: the broken study's status"; exit 1; }
[ ! -e "$work/batch/broken" ] || { echo "FAIL: the broken study left a folder"; exit 1; }

"$RTM" run "$a" --out "$work/single/sample-city" --quiet
"$RTM" run "$b" --out "$work/single/sample-city-150m" --quiet

fail=0
/usr/bin/python3 - "$work" <<'PY' || fail=1
import json, sys
work = sys.argv[1]
status = json.load(open(f"{work}/batch/batch.json"))
assert [s["status"] for s in status["studies"]] == ["ok", "failed", "ok"], status
assert [s["exit_code"] for s in status["studies"]] == [0, 3, 0], status
assert status["failed"] == 1

def strip(doc):
    if isinstance(doc, dict):
        doc.get("provenance", {}).pop("created_utc", None)
        doc.get("model", {}).pop("seconds", None)
    return doc

bad = 0
for name in ["sample-city", "sample-city-150m"]:
    for f in ["report.json", "model.json", "candidates.json"]:
        x = strip(json.load(open(f"{work}/batch/{name}/{f}")))
        y = strip(json.load(open(f"{work}/single/{name}/{f}")))
        if x != y:
            print(f"FAIL: {name}/{f} differs between the batch and a single run"); bad = 1
        else:
            print(f"ok: {name}/{f} identical (apart from time fields)")
    for f in ["places.csv", "summary.md"]:
        if open(f"{work}/batch/{name}/{f}").read() != open(f"{work}/single/{name}/{f}").read():
            print(f"FAIL: {name}/{f} differs"); bad = 1
sys.exit(bad)
PY
for name in sample-city sample-city-150m; do
  diff <(cd "$work/batch/$name" && ls) <(cd "$work/single/$name" && ls) || { echo "FAIL: $name: other files"; fail=1; }
  for t in "$work/single/$name"/*.tif; do
    f="$(basename "$t")"
    bands=$(gdalinfo "$t" | grep -c '^Band ')
    for band in $(seq 1 "$bands"); do
      sa=$(gdal_translate -q -b "$band" -of XYZ "$work/batch/$name/$f" /vsistdout/ | md5sum)
      sb=$(gdal_translate -q -b "$band" -of XYZ "$t" /vsistdout/ | md5sum)
      [ "$sa" = "$sb" ] && echo "ok: $name/$f band $band identical cell for cell" || { echo "FAIL: $name/$f band $band differs"; fail=1; }
    done
    cmp -s "$work/batch/$name/$f" "$t" && echo "ok: $name/$f identical byte for byte" || { echo "FAIL: $name/$f differs in bytes"; fail=1; }
  done
done
# the two studies really differ (the comparison above can fail)
[ "$(md5sum < "$work/batch/sample-city/risk.tif")" != "$(md5sum < "$work/batch/sample-city-150m/risk.tif")" ] || fail=1

# The weekly job for both at once: one ledger, a run of each study in it.
printf '# the Monday batch\n%s\n\n%s\n' "$(basename "$a")" "$b" > "$work/studies.txt"
"$RTM" run-batch --list "$work/studies.txt" --as-of 2018-01-08 --out-root "$work/weekly" -j 2 --quiet > "$work/weekly.out"
n=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT count(*) AS n FROM runs WHERE as_of = '2018-01-08'" "$work/weekly/ledger.gpkg" | awk -F'= ' '/n \(Integer/ { print $2 }')
[ "$n" = "2" ] || { echo "FAIL: $n runs in the ledger, expected 2"; cat "$work/weekly.out"; fail=1; }
[ -s "$work/weekly/sample-city-2018-01-08/report.json" ] && [ -s "$work/weekly/sample-city-150m-2018-01-08/report.json" ] || fail=1
[ $fail -eq 0 ] && echo "ok: the batch gives the products of single runs; the ledger holds both weekly runs"
exit $fail
