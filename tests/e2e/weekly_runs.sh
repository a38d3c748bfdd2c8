#!/usr/bin/env bash
# The Monday job: three dated runs of the sample city. The model is selected
# on the first, re-applied a week later, re-selected once it is 4 weeks old
# ([schedule] reselect_weeks = 4); the ledger records every run; history and
# report.json say what changed.
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for d in 2018-01-01 2018-01-08 2018-02-05; do
  "$RTM" run "$SRC/config/sample-city.toml" --as-of "$d" --runs "$work/runs" --quiet
done
for d in 2018-01-01 2018-01-08 2018-02-05; do
  [ -s "$work/runs/sample-city-$d/report.json" ] || { echo "no run folder for $d"; exit 1; }
done
# the ledger: three runs, two models, places per run
sel=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT group_concat(reselected, '') AS s FROM (SELECT reselected FROM runs ORDER BY as_of)" "$work/runs/ledger.gpkg" | awk -F'= ' '/s \(String\)/ { print $2 }')
[ "$sel" = "101" ] || { echo "reselected pattern $sel, expected 101"; exit 1; }
models=$(ogrinfo -ro -so "$work/runs/ledger.gpkg" models | awk -F': ' '/Feature Count/ { print $2 }')
[ "$models" -eq 2 ] || { echo "models $models"; exit 1; }
places=$(ogrinfo -ro -so "$work/runs/ledger.gpkg" places | awk -F': ' '/Feature Count/ { print $2 }')
[ "$places" -gt 0 ] || { echo "no places in the ledger"; exit 1; }
/usr/bin/python3 - "$work/runs" <<'PY'
import json, sys
runs = sys.argv[1]
r1 = json.load(open(f"{runs}/sample-city-2018-01-01/report.json"))
r2 = json.load(open(f"{runs}/sample-city-2018-01-08/report.json"))
r3 = json.load(open(f"{runs}/sample-city-2018-02-05/report.json"))
assert r1["change"]["previous_run"] is None
assert r2["schedule"]["model"] == "re-applied from sample-city-2018-01-01", r2["schedule"]["model"]
assert r2["schedule"]["training_window"] == {"start": "2017-01-09", "end": "2018-01-07"}, r2["schedule"]
assert r2["schedule"]["forecast_window"] == {"start": "2018-01-08", "end": "2018-01-14"}
assert r2["model"]["factors"] == r1["model"]["factors"] or all(
    a["name"] == b["name"] and a["coef"] == b["coef"] for a, b in zip(r1["model"]["factors"], r2["model"]["factors"]))
assert r2["change"]["previous_run"] == "sample-city-2018-01-01"
assert r2["change"]["factors_entering"] == [] and r2["change"]["factors_leaving"] == []
n2 = len(r2["places"])
assert len(r2["change"]["places_new"]) + len(r2["change"]["places_persistent"]) == n2
assert r3["schedule"]["model"] == "selected in this run"
names1 = {f["name"] for f in r2["model"]["factors"]}
names3 = {f["name"] for f in r3["model"]["factors"]}
assert sorted(r3["change"]["factors_entering"]) == sorted(names3 - names1)
assert sorted(r3["change"]["factors_leaving"]) == sorted(names1 - names3)
PY
"$RTM" history "$SRC/config/sample-city.toml" --runs "$work/runs" > "$work/history.txt"
grep -q "3 run(s)" "$work/history.txt" || { cat "$work/history.txt"; exit 1; }
grep -q "changes in 2018-02-05 since 2018-01-08" "$work/history.txt" || { cat "$work/history.txt"; exit 1; }
echo "ok: $(head -1 "$work/history.txt")"

# The briefing of a dated run compares with the previous dated run (its own
# folder is new, so only the ledger can tell which one that is).
brief="$(pdftotext -layout "$work/runs/sample-city-2018-01-08/briefing.pdf" -)"
python3 - "$work/runs/sample-city-2018-01-08/report.json" "$brief" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))["change"]
text = " ".join(sys.argv[2].split())
m = re.search(r"Change since the previous run \(as of (\S+)\): (\d+) new places?, (\d+) persistent, (\d+) gone", text)
assert m, "the briefing has no change line: " + text[:400]
assert m.group(1) == "2018-01-01", m.group(1)
assert (int(m.group(2)), int(m.group(3)), int(m.group(4))) == (
    len(c["places_new"]), len(c["places_persistent"]), len(c["places_no_longer_high_risk"])), (m.groups(), c)
print("ok: the 2018-01-08 briefing: %s new, %s persistent, %s gone since 2018-01-01, as report.json's change" % m.groups()[1:])
PY
