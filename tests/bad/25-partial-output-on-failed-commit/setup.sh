#!/usr/bin/env bash
# The run folder already holds a folder named report.json (with a file in it),
# so the last product cannot be moved into place. The run must fail with an
# output error and leave the run folder exactly as it was: no grid.tif,
# counts.tif or layers.gpkg moved in before report.json failed.
mkdir -p out/report.json
echo "notes from an earlier run" > out/report.json/notes.txt
