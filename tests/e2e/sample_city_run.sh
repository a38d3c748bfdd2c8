#!/usr/bin/env bash
# End to end: `rtm run` on the sample city writes every product; report.json
# agrees with itself and with the rasters as GDAL reads them.
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/run"

"$RTM" run "$SRC/config/sample-city.toml" --out "$out" --quiet

for f in grid.tif counts.tif layers.gpkg report.json; do
  [ -s "$out/$f" ] || { echo "missing product $f"; exit 1; }
done
# nothing temporary left behind
if ls -A "$out" | grep -E '^\.' ; then echo "temporary files left in $out"; exit 1; fi

# COG layout, as GDAL sees it
gdalinfo "$out/counts.tif" | grep -q "LAYOUT=COG" || { echo "counts.tif is not a COG"; exit 1; }

json() { /usr/bin/python3 -c "import json,sys; r=json.load(open('$out/report.json')); print($1)"; }
counted=$(json "r['incidents']['counts']['counted']")
in_window=$(json "r['incidents']['counts']['in_window']")
edge=$(json "r['incidents']['counts']['in_window_in_edge_cells']")
study_cells=$(json "r['grid']['study_cells']")
crs=$(json "r['grid']['crs']")
[ "$crs" = "EPSG:26971" ] || { echo "grid crs $crs"; exit 1; }
[ $((in_window - edge)) -eq "$counted" ] || { echo "counted $counted != in_window $in_window - edge $edge"; exit 1; }
# The sample city's 2017 assaults inside the boundary (sample-city/README.md: 3,392).
[ "$in_window" -eq 3392 ] || { echo "in_window $in_window, expected 3392"; exit 1; }

# Raster values through GDAL: the sum of counts.tif over study cells equals `counted`,
# and grid.tif has study_cells ones.
sum=$(gdal_translate -q -of XYZ "$out/counts.tif" /vsistdout/ | awk '$3 > 0 { s += $3 } END { print s + 0 }')
ones=$(gdal_translate -q -of XYZ "$out/grid.tif" /vsistdout/ | awk '$3 == 1 { n++ } END { print n + 0 }')
[ "$sum" -eq "$counted" ] || { echo "sum of counts.tif $sum != counted $counted"; exit 1; }
[ "$ones" -eq "$study_cells" ] || { echo "grid.tif ones $ones != study_cells $study_cells"; exit 1; }

# layers.gpkg: one table per layer plus the incidents used and the study area.
n_inc=$(ogrinfo -ro -so "$out/layers.gpkg" incidents | awk -F': ' '/Feature Count/ { print $2 }')
[ "$n_inc" -eq "$counted" ] || { echo "incidents table $n_inc != counted $counted"; exit 1; }
ogrinfo -ro -q "$out/layers.gpkg" | grep -q "liquor_retail" || { echo "liquor_retail table missing"; exit 1; }

# A second run into the same folder replaces the products (atomic renames).
"$RTM" run "$SRC/config/sample-city.toml" --out "$out" --quiet
[ "$(json "r['incidents']['counts']['counted']")" -eq "$counted" ]
echo "ok: counted=$counted in_window=$in_window study_cells=$study_cells sum=$sum"
