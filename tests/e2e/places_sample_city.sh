#!/usr/bin/env bash
# End to end, the decisions layer (METHOD.md §5-6, issue 4) on the sample city:
#  - places.gpkg opens in GDAL with the layers places, place_features,
#    leverage and rasters; places.csv has one row per place; summary.md has
#    the headline and its figures agree with report.json;
#  - every place has a narrative naming at least one factor and its features;
#  - the leverage per factor in report.json equals the sum of the leverage
#    table per factor as GDAL's SQLite dialect computes it (1e-6 relative);
#    every output that shows leverage carries the caveat;
#  - privacy: places.gpkg holds no incident coordinates and summary.md and
#    places.csv no coordinate-looking numbers (see the comments at the check).
# Usage: bash places_sample_city.sh RTM_BINARY SOURCE_ROOT (exit 77 = skipped).
set -euo pipefail
RTM="$1"
SRC="$2"
for tool in ogrinfo ogr2ogr /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "skipped: $tool not found"; exit 77; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/run"

"$RTM" run "$SRC/config/sample-city.toml" --out "$out" --quiet

for f in places.gpkg places.csv summary.md report.json layers.gpkg exposure.tif classes.tif; do
  [ -s "$out/$f" ] || { echo "missing product $f"; exit 1; }
done

# --- places.gpkg opens in GDAL, with its four layers
layers="$(ogrinfo -ro -q "$out/places.gpkg" | sed -E 's/^[0-9]+: ([^ ]+).*/\1/' | sort | tr '\n' ' ')"
[ "$layers" = "leverage place_features places rasters " ] || { echo "places.gpkg layers: '$layers'"; exit 1; }
count() { ogrinfo -ro -so "$out/places.gpkg" "$1" | awk -F': ' '/Feature Count/ { print $2 }'; }
n_places=$(count places)
n_pf=$(count place_features)
n_lev=$(count leverage)
n_ras=$(count rasters)
[ "$n_places" -gt 0 ] || { echo "no places"; exit 1; }
[ "$n_pf" -gt 0 ] || { echo "no place_features"; exit 1; }
[ "$n_lev" -gt 0 ] || { echo "no leverage rows"; exit 1; }
[ "$n_ras" -ge 2 ] || { echo "rasters table has $n_ras rows"; exit 1; }

# SQL through GDAL: one number from "name (Type) = value" lines.
sql_value() {  # sql_value SQL FIELD
  ogrinfo -ro -q -dialect SQLite -sql "$1" "$out/places.gpkg" | awk -v f="$2" '$1 == f && $3 == "=" { print $4; exit }'
}
empty_narr=$(sql_value "SELECT COUNT(*) AS n FROM places WHERE narrative IS NULL OR TRIM(narrative) = ''" n)
[ "$empty_narr" = "0" ] || { echo "$empty_narr places with an empty narrative in places.gpkg"; exit 1; }
no_caveat=$(sql_value "SELECT COUNT(*) AS n FROM leverage WHERE caveat IS NULL OR caveat NOT LIKE '%not a causal promise%'" n)
[ "$no_caveat" = "0" ] || { echo "$no_caveat leverage rows without the caveat"; exit 1; }

# Leverage summed per factor by GDAL's SQLite dialect, as "factor total" lines.
ogrinfo -ro -q -dialect SQLite -sql "SELECT factor, SUM(leverage) AS total FROM leverage GROUP BY factor" \
  "$out/places.gpkg" |
  awk '$1 == "factor" && $3 == "=" { f = $4 } $1 == "total" && $3 == "=" { print f, $4 }' >"$work/lev_sql.txt"
[ -s "$work/lev_sql.txt" ] || { echo "leverage GROUP BY returned nothing"; exit 1; }

# The raw incidents of every year (not only those the run used), projected by
# GDAL to the study CRS: the privacy check compares against these as well.
ogr2ogr -f CSV "$work/incidents_all.csv" "$SRC/sample-city/assaults_2016_2018.csv" \
  -oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -s_srs EPSG:4326 -t_srs EPSG:26971 \
  -lco GEOMETRY=AS_XY -select date
awk -F, 'NR > 1 && $1 != "" { n++ } END { exit !(n > 10000) }' "$work/incidents_all.csv" ||
  { echo "reprojecting the raw incidents failed"; exit 1; }

/usr/bin/python3 - "$out" "$work" "$n_places" "$n_pf" "$n_lev" "$SRC" <<'PY'
import csv, json, math, re, sqlite3, struct, sys

out, work, n_places, n_pf, n_lev, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
fail = []
def check(ok, msg):
    if not ok:
        fail.append(msg)

r = json.load(open(f"{out}/report.json"))
places = r["places"]

# ---- counts agree everywhere
check(len(places) == n_places, f"report.json has {len(places)} places, places.gpkg {n_places}")
check(r["headline"]["places"] == n_places, f"headline places {r['headline']['places']} != {n_places}")
check([p["rank"] for p in places] == list(range(1, len(places) + 1)), "places are not ranked 1..N")
exp = [p["expected"] for p in places]
check(all(exp[i] >= exp[i + 1] for i in range(len(exp) - 1)), "places are not ordered by expected incidents")
with open(f"{out}/places.csv", newline="") as f:
    rows = list(csv.DictReader(f))
check(len(rows) == n_places, f"places.csv has {len(rows)} rows, expected one per place ({n_places})")
check([int(x["rank"]) for x in rows] == list(range(1, len(rows) + 1)), "places.csv ranks are not 1..N")

# ---- every place has a narrative naming at least one factor and its features
for p in places:
    narr = p.get("narrative", "")
    check(isinstance(narr, str) and narr.strip() != "", f"place {p['rank']}: empty narrative")
    check(len(p["factors"]) > 0, f"place {p['rank']}: no factor in its narrative ({narr!r})")
    for m in p["factors"]:
        check(len(m["features"]) > 0, f"place {p['rank']}: factor {m['candidate']} names no feature")
        check(m["sentence"] in narr, f"place {p['rank']}: sentence for {m['candidate']} missing from the narrative")
        # the features named lie within the influence: proximity <= distance,
        # density < bandwidth (the quartic kernel is 0 at the bandwidth)
        for ft in m["features"]:
            ok = ft["distance_m"] <= m["distance_m"] * (1 + 1e-12) if m["operationalization"] == "proximity" \
                else ft["distance_m"] < m["distance_m"]
            check(ok, f"place {p['rank']}: {m['candidate']} names #{ft['feature_id']} at {ft['distance_m']} m")
labels = [ft["label"] for p in places for m in p["factors"] if m["factor"] == "supermarkets" for ft in m["features"]]
check(not labels or any(not l.startswith("#") for l in labels), "supermarkets are not named by their label attribute (Field5)")
for x in rows:
    check(x["narrative"].strip() != "", f"places.csv rank {x['rank']}: empty narrative")
# place_features rows = the features named in report.json, place by place
named = sum(len(m["features"]) for p in places for m in p["factors"])
check(named == n_pf, f"report.json names {named} place features, place_features has {n_pf}")

# ---- leverage per factor: report.json against GDAL's SUM ... GROUP BY factor
lev = r["leverage"]
check("not a causal promise" in lev.get("caveat", ""), "report.json leverage has no caveat")
per_factor = lev["per_factor"]
sql = {}
for line in open(f"{work}/lev_sql.txt"):
    f, v = line.split()
    sql[f] = float(v)
for f in set(per_factor) | set(sql):
    a, b = float(per_factor.get(f, 0.0)), sql.get(f, 0.0)
    check(abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-300) or (a == 0 and b == 0),
          f"leverage of {f}: report.json {a!r}, SUM over the leverage table {b!r}")
check(len(sql) > 0 and sum(sql.values()) > 0, "no leverage at all")

# ---- summary.md: the headline, agreeing with report.json, and the caveat
md = open(f"{out}/summary.md").read()
h = r["headline"]
m = re.search(r"\*\*(\d+) candidates from (\d+) factors tested, (\d+) significant risk factors in the model"
              r"[^*]*; the highest-risk places cover ([0-9.]+) % of the area and held ([0-9.]+) % of the "
              r"training incidents\*\*", md)
check(m is not None, "summary.md has no headline")
if m:
    check(int(m.group(1)) == h["candidates"], "headline candidates differ from report.json")
    check(int(m.group(2)) == h["factors_tested"], "headline factors tested differ from report.json")
    check(int(m.group(3)) == h["significant_factors"], "headline significant factors differ from report.json")
    check(abs(float(m.group(4)) - 100 * h["place_area_share"]) <= 0.05 + 1e-9, "headline area share differs")
    check(abs(float(m.group(5)) - 100 * h["place_incident_share"]) <= 0.05 + 1e-9, "headline incident share differs")
check("not a causal promise" in md, "summary.md shows leverage without the caveat")

# ---- privacy ---------------------------------------------------------------
# GeoPackage geometry blobs: "GP" header with an optional envelope, then WKB.
def wkb_coords(b, o, out_xy):
    bo = "<" if b[o] == 1 else ">"
    t = struct.unpack_from(bo + "I", b, o + 1)[0]
    o += 5
    has_z = bool(t & 0x80000000) or 1000 <= (t & 0xFFFF) < 2000 or 3000 <= (t & 0xFFFF) < 4000
    has_m = bool(t & 0x40000000) or 2000 <= (t & 0xFFFF) < 4000
    base = (t & 0xFFFF) % 1000
    dim = 2 + has_z + has_m
    def pts(o, n):
        for _ in range(n):
            xy = struct.unpack_from(bo + "d" * dim, b, o)
            out_xy.append((xy[0], xy[1]))
            o += 8 * dim
        return o
    if base == 1:
        return pts(o, 1)
    if base == 2:
        n = struct.unpack_from(bo + "I", b, o)[0]
        return pts(o + 4, n)
    if base == 3:
        rings = struct.unpack_from(bo + "I", b, o)[0]
        o += 4
        for _ in range(rings):
            n = struct.unpack_from(bo + "I", b, o)[0]
            o = pts(o + 4, n)
        return o
    if base in (4, 5, 6, 7):
        parts = struct.unpack_from(bo + "I", b, o)[0]
        o += 4
        for _ in range(parts):
            o = wkb_coords(b, o, out_xy)
        return o
    raise ValueError(f"WKB type {t}")

def gpkg_coords(blob):
    if blob is None:
        return []
    b = bytes(blob)
    assert b[:2] == b"GP", "not a GeoPackage geometry"
    env = (b[3] >> 1) & 7
    o = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env]
    xy = []
    wkb_coords(b, o, xy)
    return xy

def tables(db):
    c = sqlite3.connect(db)
    geom = dict(c.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    names = [t for (t,) in c.execute("SELECT table_name FROM gpkg_contents")]
    return c, geom, names

grid = r["grid"]
west, north, size = grid["extent"]["west"], grid["extent"]["north"], grid["cell_size_m"]

# Incident locations: those the run used (layers.gpkg, the engine's own
# projection) and every incident of the raw file (2016-2018, projected by GDAL).
lc, lgeom, lnames = tables(f"{out}/layers.gpkg")
incidents = []
for (g,) in lc.execute(f'SELECT "{lgeom["incidents"]}" FROM incidents'):
    incidents += gpkg_coords(g)
check(len(incidents) == r["incidents"]["counts"]["counted"], "layers.gpkg incidents table is incomplete")
used = len(incidents)
with open(f"{work}/incidents_all.csv", newline="") as f:
    for row in csv.DictReader(f):
        if row["X"]:
            incidents.append((float(row["X"]), float(row["Y"])))
TOL = 0.01  # metres: the engine and GDAL project the same lon/lat through PROJ
cell = {}
for (x, y) in incidents:
    cell.setdefault((math.floor(x / TOL), math.floor(y / TOL)), []).append((x, y))
def is_incident(x, y):
    i, j = math.floor(x / TOL), math.floor(y / TOL)
    return any(abs(px - x) <= TOL and abs(py - y) <= TOL
               for di in (-1, 0, 1) for dj in (-1, 0, 1) for (px, py) in cell.get((i + di, j + dj), ()))
# The run's incidents are among the raw ones as GDAL projects them (so the
# tolerance above is honest: both projections agree to well under 1 cm).
check(all(is_incident(x, y) for (x, y) in incidents[:used]), "raw and engine-projected incidents disagree")

# Environmental features: every other table of layers.gpkg, by (layer, source_fid).
env = {}
for t in lnames:
    if t in ("incidents", "study_area") or t not in lgeom:
        continue
    for fid, g in lc.execute(f'SELECT source_fid, "{lgeom[t]}" FROM "{t}"'):
        env[(t, int(fid))] = gpkg_coords(g)

pc, pgeom, pnames = tables(f"{out}/places.gpkg")
check(sorted(pnames) == ["leverage", "place_features", "places", "rasters"], f"places.gpkg tables {pnames}")
# 1. places: polygons of whole cells, so every vertex is a grid corner; none
#    may coincide with an incident.
bad_corner = coincide_poly = 0
for (g,) in pc.execute(f'SELECT "{pgeom["places"]}" FROM places'):
    for (x, y) in gpkg_coords(g):
        cx, cy = (x - west) / size, (north - y) / size
        if abs(cx - round(cx)) > 1e-6 or abs(cy - round(cy)) > 1e-6:
            bad_corner += 1
        if is_incident(x, y):
            coincide_poly += 1
check(bad_corner == 0, f"{bad_corner} place polygon vertices are not grid corners")
check(coincide_poly == 0, f"{coincide_poly} place polygon vertices coincide with incidents")
# 2. place_features and leverage: every geometry is the geometry of the
#    environmental feature the row names (layer = factor, feature_id =
#    source_fid), vertex for vertex. A point of those layers may sit on an
#    incident location only in that case (a bar where an assault happened);
#    any vertex on an incident that is not such a feature is a leak.
env_on_incident = 0
for t in ("place_features", "leverage"):
    for factor, fid, g in pc.execute(f'SELECT factor, feature_id, "{pgeom[t]}" FROM "{t}"'):
        xy = gpkg_coords(g)
        ref = env.get((factor, int(fid)))
        same = ref is not None and len(ref) == len(xy) and all(
            abs(a[0] - b[0]) <= 1e-6 and abs(a[1] - b[1]) <= 1e-6 for a, b in zip(xy, ref))
        check(same, f"{t}: geometry of {factor} #{fid} is not that feature's location in layers.gpkg")
        on = [p for p in xy if is_incident(*p)]
        if on and not same:
            fail.append(f"{t}: {factor} #{fid} has {len(on)} vertices on incident locations")
        env_on_incident += len(on)
# 3. no attribute column holds a coordinate: no real value in any table equals
#    an incident x or y, and no text holds a coordinate-looking number.
inc_x = {round(x, 2) for (x, y) in incidents}
inc_y = {round(y, 2) for (x, y) in incidents}
ext = grid["extent"]
def coordinate_like(text):
    for tok in re.findall(r"-?\d+(?:\.\d+)?", text):
        v = float(tok)
        dec = len(tok.split(".")[1]) if "." in tok else 0
        if ext["west"] - 5000 <= v <= ext["east"] + 5000 or ext["south"] - 5000 <= v <= ext["north"] + 5000:
            return tok  # a projected x or y of the study region
        if dec >= 3 and -88.5 <= v <= -87.0:
            return tok  # a longitude of the study region, to ~100 m or better
        # (A latitude alone, 41.xxx, locates nothing and looks like any risk
        # score or distance; a lon/lat pair is caught by its longitude.)
    return None
for t in pnames:
    cols = [row[1] for row in pc.execute(f'PRAGMA table_info("{t}")')]
    for row in pc.execute(f'SELECT * FROM "{t}"'):
        for col, v in zip(cols, row):
            if col == pgeom.get(t) or col == "fid":
                continue
            if isinstance(v, (int, float)):
                check(round(v, 2) not in inc_x and round(v, 2) not in inc_y and coordinate_like(repr(v)) is None,
                      f"places.gpkg {t}.{col} holds {v}, a coordinate of the study region")
            elif isinstance(v, str):
                tok = coordinate_like(v)
                check(tok is None, f"places.gpkg {t}.{col} holds a coordinate-looking number {tok}")

# 4. the public text products hold no coordinate-looking numbers.
for name in ("summary.md", "places.csv"):
    tok = coordinate_like(open(f"{out}/{name}").read())
    check(tok is None, f"{name} holds a coordinate-looking number: {tok}")

if fail:
    print("FAIL:\n  " + "\n  ".join(fail[:40]) + (f"\n  ... and {len(fail) - 40} more" if len(fail) > 40 else ""))
    sys.exit(1)
print(f"ok: {n_places} places, {n_pf} place features, {n_lev} leverage rows, {len(per_factor)} factors with leverage; "
      f"privacy: {len(incidents)} incident locations checked, {env_on_incident} feature points on incident "
      f"locations (all verified environmental features)")
PY
