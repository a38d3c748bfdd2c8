#!/usr/bin/env bash
# A GeoPackage is over 90 KB even when small, so it is made here rather than committed.
set -e
ogr2ogr -f GPKG businesses.gpkg businesses.geojson -nln liquor_retail
