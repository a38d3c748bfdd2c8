#!/usr/bin/env bash
# Goal tracking on the sample city: two weekly runs of a study with
#   [goal] reduction = 0.15, baseline_year = 2017   (from 2018-01-01, the default)
# rtm's counts (report.json goal, the ledger, rtm history) are compared with
# counts made here without rtm's code: ogr2ogr projects the CSV and clips it to
# the study area, gdal_rasterize burns the run's place polygons onto the grid,
# Python's date.fromisocalendar aligns the ISO weeks and does the counting.
#
#   goal_sample_city.sh RTM SOURCE_ROOT
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
study="$work/goal.toml"
sed "s#\.\./sample-city/#$SRC/sample-city/#g" "$SRC/config/sample-city.toml" > "$study"
cat >> "$study" <<'TOML'

[schedule]
reselect_weeks = 12          # one model for both runs

[goal]
reduction = 0.15             # 15 % fewer
baseline_year = 2017         # than the same ISO weeks of 2017, from 2018-W01 (2018-01-01)
scope = ["citywide", "places"]
TOML

for d in 2018-01-15 2018-03-05; do
  "$RTM" run "$study" --as-of "$d" --runs "$work/runs" --quiet
done
"$RTM" history "$study" --runs "$work/runs" > "$work/history.txt"

# Independent inputs: incidents projected to the study CRS and clipped to the
# study area (both in EPSG:26971, as rtm tests them).
ogr2ogr -f GPKG "$work/area.gpkg" "$SRC/sample-city/boundary.geojson" -t_srs EPSG:26971
ogr2ogr -f CSV "$work/incidents.csv" "$SRC/sample-city/assaults_2016_2018.csv" \
  -oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -oo KEEP_GEOM_COLUMNS=NO \
  -s_srs EPSG:4326 -t_srs EPSG:26971 -clipdst "$work/area.gpkg" -lco GEOMETRY=AS_XY
for d in 2018-01-15 2018-03-05; do
  run="$work/runs/sample-city-$d"
  read -r west south east north cs < <(/usr/bin/python3 -c "
import json; g = json.load(open('$run/report.json'))['grid']; e = g['extent']
print(e['west'], e['south'], e['east'], e['north'], g['cell_size_m'])")
  gdal_rasterize -q -burn 1 -init 0 -ot Byte -te "$west" "$south" "$east" "$north" -tr "$cs" "$cs" \
    -l places "$run/places.gpkg" "$work/places-$d.tif"
  gdal_translate -q -of XYZ "$work/places-$d.tif" "$work/places-$d.xyz"
  gdal_translate -q -of XYZ "$run/grid.tif" "$work/grid-$d.xyz"
  /usr/bin/pdftotext "$run/briefing.pdf" "$work/briefing-$d.txt"
done

/usr/bin/python3 - "$work" <<'PY'
import csv, datetime, json, math, sys
work = sys.argv[1]
REDUCTION, BASELINE_YEAR, START = 0.15, 2017, datetime.date(2018, 1, 1)
history = open(f"{work}/history.txt").read()

def cells(path, grid):
    west, north, cs = grid["extent"]["west"], grid["extent"]["north"], grid["cell_size_m"]
    out = set()
    for line in open(path):
        x, y, v = line.split()
        if float(v) == 1:
            out.add((math.floor((float(x) - west) / cs), math.floor((north - float(y)) / cs)))
    return out

rows = list(csv.DictReader(open(f"{work}/incidents.csv")))
assert len(rows) > 1000, len(rows)
for as_of_text in ["2018-01-15", "2018-03-05"]:
    run = f"{work}/runs/sample-city-{as_of_text}"
    report = json.load(open(f"{run}/report.json"))
    grid = report["grid"]
    study_cells = cells(f"{work}/grid-{as_of_text}.xyz", grid)
    place_cells = cells(f"{work}/places-{as_of_text}.xyz", grid)
    assert len(study_cells) == grid["study_cells"], (len(study_cells), grid["study_cells"])
    assert place_cells and place_cells <= study_cells
    as_of = datetime.date.fromisoformat(as_of_text)
    y, w, d = START.isocalendar()
    base_start = datetime.date.fromisocalendar(BASELINE_YEAR, w, d)
    shift = START - base_start
    windows = {"goal": (START, as_of), "baseline": (START - shift, as_of - shift)}
    counts = {(s, k): 0 for s in ["citywide", "places"] for k in windows}
    west, north, cs = grid["extent"]["west"], grid["extent"]["north"], grid["cell_size_m"]
    for r in rows:
        day = datetime.datetime.strptime(r["date"], "%Y-%m-%d %H:%M").date()
        cell = (math.floor((float(r["X"]) - west) / cs), math.floor((north - float(r["Y"])) / cs))
        if cell not in study_cells:
            continue
        for k, (a, b) in windows.items():
            if a <= day < b:
                counts[("citywide", k)] += 1
                if cell in place_cells:
                    counts[("places", k)] += 1
    g = report["goal"]
    assert g["status"] == "tracking", g["status"]
    assert g["window"]["start"] == str(START) and g["window"]["end"] == str(as_of - datetime.timedelta(days=1)), g["window"]
    assert g["baseline_window"]["start"] == str(START - shift), g["baseline_window"]
    assert g["baseline_window"]["end"] == str(as_of - shift - datetime.timedelta(days=1)), g["baseline_window"]
    for scope in ["citywide", "places"]:
        s = g["scopes"][scope]
        base, obs = counts[(scope, "baseline")], counts[(scope, "goal")]
        target = base * (1 - REDUCTION)
        print(f"{as_of_text} {scope}: rtm {s['observed']} vs {s['baseline']} (target {s['target']:.2f}, "
              f"{s['change_percent']:+.1f} %, on track {s['on_track']}); independent {obs} vs {base}")
        assert s["baseline"] == base and s["observed"] == obs, (scope, s, base, obs)
        assert abs(s["target"] - target) < 1e-9
        assert abs(s["change_percent"] - 100.0 * (obs - base) / base) < 1e-9
        assert s["on_track"] == (obs <= target)
        # rtm history shows the same counts for this run
        line = next(l for l in history.splitlines() if l.startswith(as_of_text) and "|" in l)
        part = line.split("|")[1 if scope == "citywide" else 2].split()
        assert int(part[0]) == obs and int(part[1]) == base, (line, obs, base)
        assert part[4] == ("yes" if obs <= target else "no"), line
    assert g["scopes"]["places"]["cells"] == len(place_cells), (g["scopes"]["places"]["cells"], len(place_cells))
    summary = open(f"{run}/summary.md").read()
    assert "## Goal" in summary and f"| citywide | {counts[('citywide', 'baseline')]} |" in summary
    briefing = " ".join(open(f"{work}/briefing-{as_of_text}.txt").read().split())
    assert "Goal: 15 % fewer aggravated assault incidents" in briefing, briefing[-800:]
    assert f"Citywide {counts[('citywide', 'goal')]} vs {counts[('citywide', 'baseline')]}" in briefing, briefing[-800:]
print("ok: goal counts agree with the independent counts for both runs")
PY
grep -q "^goal: 15 % fewer aggravated assault incidents than in the same ISO weeks of 2017" "$work/history.txt" || { cat "$work/history.txt"; exit 1; }
echo "ok: $(grep -A4 '^goal:' "$work/history.txt" | tail -2 | tr -s ' ')"
