#!/usr/bin/env bash
# Regenerate the sample-city clip from the shared Chicago data.
#
#   bash sample-city/make_clip.sh
#
# Needs GDAL >= 3.6 (ogr2ogr with the SQLite/SpatiaLite dialect). Data directory:
# ../../shared/data/chicago relative to this script (override with CHICAGO_DATA=...).
# Every output file in this directory is deleted and rebuilt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$(cd "${CHICAGO_DATA:-$HERE/../../shared/data/chicago}" && pwd)"
OUT="$HERE"

# The chosen police districts (field `District`, a string) and the buffer (metres,
# computed in EPSG:26971 = NAD83 / Illinois East) used for the environmental layers.
DISTRICTS="'3','6','7'"
NAME="Police districts 3, 6 and 7"
BUFFER_M=600

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

GJ=(-f GeoJSON -lco COORDINATE_PRECISION=6 -lco RFC7946=NO)

cd "$OUT"
rm -f boundary.geojson districts.geojson assaults_2016_2018.csv \
      abandoned_buildings.geojson sanitation.geojson street_lights_out.geojson \
      liquor_retail.geojson liquor_stores.geojson supermarkets.geojson \
      abandoned_cars.geojson graffiti.geojson schools.csv

# 1. Districts (separate features, field District kept) and their dissolved union.
ogr2ogr "${GJ[@]}" districts.geojson "$DATA/boundaries/policeDistricts.geojson" \
  -where "District IN ($DISTRICTS)" -nln districts

ogr2ogr "${GJ[@]}" boundary.geojson "$DATA/boundaries/policeDistricts.geojson" \
  -dialect SQLite \
  -sql "SELECT '$NAME' AS name, ST_Union(geometry) AS geometry
        FROM policeDistricts WHERE District IN ($DISTRICTS)" \
  -nln boundary -nlt POLYGON

# 2. Buffer of the (written, 6-decimal) boundary: EPSG:4326 -> 26971, buffer, -> 4326.
#    Temporary only; not part of the committed sample.
ogr2ogr -f GeoJSON "$TMP/buffer.geojson" boundary.geojson -dialect SQLite \
  -sql "SELECT name, ST_Transform(ST_Buffer(ST_Transform(geometry, 26971), $BUFFER_M), 4326) AS geometry
        FROM boundary" \
  -nln buffer -nlt POLYGON

# 3. Assaults 2016-2018 inside the boundary. All columns are read as text and written
#    back unchanged (no number reformatting); the point is built from longitude/latitude
#    only for the point-in-polygon test (inside or on the boundary).
#    CROSS JOIN keeps the boundary as the outer loop so the CSV is scanned once.
ogr2ogr -f CSV assaults_2016_2018.csv \
  "CSV:/vsigzip/$DATA/incidents/chicago_aggravated_assaults_2010_2019.csv.gz" \
  -oo AUTODETECT_TYPE=NO -lco STRING_QUOTING=IF_NEEDED -nln assaults_2016_2018 \
  -dialect SQLite \
  -sql "SELECT a.date, a.loc_cat, a.longitude, a.latitude, a.district
        FROM \"$OUT/boundary.geojson\".boundary b
        CROSS JOIN chicago_aggravated_assaults_2010_2019 a
        WHERE a.date >= '2016-01-01' AND a.date < '2019-01-01'
          AND ST_Intersects(b.geometry,
                MakePoint(CAST(a.longitude AS REAL), CAST(a.latitude AS REAL), 4326))"

# 4. Environmental point layers clipped to the buffered boundary (attributes kept).
clip() {  # clip SRC_FILE OUT_FILE
  ogr2ogr "${GJ[@]}" "$2" "$1" -clipsrc "$TMP/buffer.geojson" -nln "${2%.geojson}"
}
clip "$DATA/environment/abandonBuildings.geojson"         abandoned_buildings.geojson
clip "$DATA/environment/sanitation.geojson"               sanitation.geojson
clip "$DATA/environment/streetLightsOut.geojson"          street_lights_out.geojson
clip "$DATA/environment/liquorRetail.geojson"             liquor_retail.geojson
clip "$DATA/environment/liquor_stores_2015_geoda.geojson" liquor_stores.geojson
clip "$DATA/environment/supermarkets_2015_geoda.geojson"  supermarkets.geojson
clip "$DATA/derived_wgs84/abandoned_cars.geojson"         abandoned_cars.geojson
clip "$DATA/derived_wgs84/graffiti.geojson"               graffiti.geojson

# 5. Schools: rows of cps_schools.csv whose Latitude/Longitude lie in the buffered area,
#    header and text values unchanged.
ogr2ogr -f CSV schools.csv "$DATA/environment/cps_schools.csv" \
  -oo AUTODETECT_TYPE=NO -lco STRING_QUOTING=IF_NEEDED -nln schools \
  -dialect SQLite \
  -sql "SELECT s.* FROM \"$TMP/buffer.geojson\".buffer b
        CROSS JOIN cps_schools s
        WHERE ST_Intersects(b.geometry,
                MakePoint(CAST(s.Longitude AS REAL), CAST(s.Latitude AS REAL), 4326))"

echo "sample-city regenerated in $OUT"
