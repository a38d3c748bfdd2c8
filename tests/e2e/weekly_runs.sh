#!/usr/bin/env bash
# The Monday job: eight consecutive Mondays of 2018 (2018-01-01 .. 2018-02-19)
# on the sample city, with [schedule] reselect_weeks = 4. Checks:
# - eight dated run folders and eight ledger rows;
# - the model is selected on 2018-01-01 and 2018-01-29 only (4 weeks old),
#   re-applied on the other six, two models in the ledger;
# - the windows of a re-applied run follow the as-of date;
# - for every pair of consecutive runs, report.json's place changes (new,
#   persistent, no longer high-risk) equal those computed independently with
#   SQL on the two runs' places.gpkg (a place persists when it shares area with
#   a place of the other run), and the factors entering/leaving equal the
#   difference of the two models' factors;
# - `rtm history` lists the eight runs and the last pair's changes;
# - a dated run's briefing states the change since the previous dated run.
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mondays=(2018-01-01 2018-01-08 2018-01-15 2018-01-22 2018-01-29 2018-02-05 2018-02-12 2018-02-19)
# The sample city with absolute paths and the cadence stated.
study="$work/sample-city.toml"
! grep -q '^\[schedule\]' "$SRC/config/sample-city.toml" || { echo "the sample city has a [schedule] table: merge the one below into it"; exit 1; }
sed -e "s#\"\.\./sample-city/#\"$SRC/sample-city/#g" "$SRC/config/sample-city.toml" > "$study"
printf '\n[schedule]\nreselect_weeks = 4\n' >> "$study"
for d in "${mondays[@]}"; do
  "$RTM" run "$study" --as-of "$d" --runs "$work/runs" --quiet
  [ -s "$work/runs/sample-city-$d/report.json" ] || { echo "no run folder for $d"; exit 1; }
done
n=$(find "$work/runs" -mindepth 1 -maxdepth 1 -type d -name 'sample-city-2018-*' | wc -l)
[ "$n" -eq 8 ] || { echo "expected 8 dated run folders, found $n"; exit 1; }

# The ledger: eight runs, re-selected on the first and fifth Monday only.
sel=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT group_concat(reselected, '') AS s FROM (SELECT reselected FROM runs ORDER BY as_of)" "$work/runs/ledger.gpkg" | awk -F'= ' '/s \(String\)/ { print $2 }')
[ "$sel" = "10001000" ] || { echo "re-selected pattern $sel, expected 10001000"; exit 1; }
models=$(ogrinfo -ro -so "$work/runs/ledger.gpkg" models | awk -F': ' '/Feature Count/ { print $2 }')
[ "$models" -eq 2 ] || { echo "models $models, expected 2"; exit 1; }
echo "ok: 8 dated runs; re-selected on 2018-01-01 and 2018-01-29 only; 2 models in the ledger"

# Place changes of each consecutive pair, independently: SQL on the two places.gpkg.
changes() {  # changes PREV CUR -> "new=... persistent=... gone=..." (sorted ranks)
  local db="$work/pair.gpkg"
  rm -f "$db"
  ogr2ogr -f GPKG "$db" "$work/runs/sample-city-$1/places.gpkg" places -nln prev
  ogr2ogr -update "$db" "$work/runs/sample-city-$2/places.gpkg" places -nln cur
  q() { ogrinfo -ro -q -dialect SQLite -sql "$1" "$db" | awk -F'= ' '/r \((Integer|String)/ && $2 != "(null)" { print $2 }' | tr '\n' ',' | sed 's/,$//'; }
  local shares="ST_Area(ST_Intersection(a.geom, b.geom)) > 0"
  echo "new=[$(q "SELECT group_concat(rank) AS r FROM (SELECT a.rank FROM cur a WHERE NOT EXISTS (SELECT 1 FROM prev b WHERE $shares) ORDER BY a.rank)")]" \
       "persistent=[$(q "SELECT group_concat(rank) AS r FROM (SELECT a.rank FROM cur a WHERE EXISTS (SELECT 1 FROM prev b WHERE $shares) ORDER BY a.rank)")]" \
       "gone=[$(q "SELECT group_concat(rank) AS r FROM (SELECT a.rank FROM prev a WHERE NOT EXISTS (SELECT 1 FROM cur b WHERE $shares) ORDER BY a.rank)")]"
}
for i in $(seq 1 7); do
  prev=${mondays[$((i - 1))]} cur=${mondays[$i]}
  expected="$(changes "$prev" "$cur")"
  got="$(/usr/bin/python3 - "$work/runs" "$prev" "$cur" <<'PY'
import json, sys
runs, prev, cur = sys.argv[1:]
p = json.load(open(f"{runs}/sample-city-{prev}/report.json"))
r = json.load(open(f"{runs}/sample-city-{cur}/report.json"))
c = r["change"]
assert c["previous_run"] == f"sample-city-{prev}", c["previous_run"]
fp = {f["name"] for f in p["model"]["factors"]}
fr = {f["name"] for f in r["model"]["factors"]}
assert sorted(c["factors_entering"]) == sorted(fr - fp), (c["factors_entering"], fr - fp)
assert sorted(c["factors_leaving"]) == sorted(fp - fr), (c["factors_leaving"], fp - fr)
if r["schedule"]["model"] != "selected in this run":
    assert fr == fp, "a re-applied model changed its factors"
y, m, d = map(int, cur.split("-"))
fmt = lambda v: ",".join(str(x) for x in sorted(v))
print(f"new=[{fmt(c['places_new'])}] persistent=[{fmt(c['places_persistent'])}] gone=[{fmt(c['places_no_longer_high_risk'])}]")
PY
)"
  if [ "$got" != "$expected" ]; then
    echo "FAIL: changes $prev -> $cur: report.json says"; echo "  $got"; echo "SQL on the two places.gpkg says"; echo "  $expected"; exit 1
  fi
  counts=$(echo "$got" | awk '{ for (i = 1; i <= NF; i++) { split($i, a, "="); v = a[2]; gsub(/[][]/, "", v); printf "%s %d ", a[1], (v == "" ? 0 : split(v, x, ",")) } }')
  echo "ok: $prev -> $cur: $counts(report.json = SQL)"
done
last_counts="$counts"

# A re-applied run's windows follow its as-of date.
/usr/bin/python3 - "$work/runs" <<'PY'
import json, sys
r = json.load(open(f"{sys.argv[1]}/sample-city-2018-01-08/report.json"))
assert r["schedule"]["model"] == "re-applied from sample-city-2018-01-01", r["schedule"]["model"]
assert r["schedule"]["training_window"] == {"start": "2017-01-09", "end": "2018-01-07"}, r["schedule"]
assert r["schedule"]["forecast_window"] == {"start": "2018-01-08", "end": "2018-01-14"}, r["schedule"]
PY

"$RTM" history "$study" --runs "$work/runs" > "$work/history.txt"
grep -q "8 run(s)" "$work/history.txt" || { cat "$work/history.txt"; exit 1; }
grep -q "changes in 2018-02-19 since 2018-02-12" "$work/history.txt" || { cat "$work/history.txt"; exit 1; }
read -r _ new _ persistent _ gone <<< "$last_counts"
grep -q "places new: $new, persistent: $persistent, no longer high-risk: $gone" "$work/history.txt" ||
  { echo "history's place changes differ from new $new, persistent $persistent, gone $gone:"; cat "$work/history.txt"; exit 1; }
echo "ok: $(head -1 "$work/history.txt"); its last changes equal the SQL's"

# The briefing of a dated run compares with the previous dated run (its own
# folder is new, so only the ledger can tell which one that is).
brief="$(pdftotext -layout "$work/runs/sample-city-2018-01-29/briefing.pdf" -)"
/usr/bin/python3 - "$work/runs/sample-city-2018-01-29/report.json" "$brief" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))["change"]
text = " ".join(sys.argv[2].split())
m = re.search(r"Change since the previous run \(as of (\S+)\): (\d+) new places?(?: \([^)]*\))?, (\d+) persistent, (\d+) gone", text)
assert m, "the briefing has no change line: " + text[:400]
assert m.group(1) == "2018-01-22", m.group(1)
assert (int(m.group(2)), int(m.group(3)), int(m.group(4))) == (
    len(c["places_new"]), len(c["places_persistent"]), len(c["places_no_longer_high_risk"])), (m.groups(), c)
print("ok: the 2018-01-29 briefing: %s new, %s persistent, %s gone since 2018-01-22, as report.json's change" % m.groups()[1:])
PY
