#!/usr/bin/env bash
# End to end, the maps (issue 6) through the CLI on the sample city:
#  - `rtm render map` writes map.png (public) and map-internal.png by default;
#    GDAL opens them as PNGs of the size asked for;
#  - `rtm render briefing` writes a one-page PDF for letter and A4, portrait
#    and landscape, public and internal (page size checked with pdfinfo when
#    poppler-utils is installed, else the PDF header and trailer);
#  - the public style as saved with --save-xml reads no incidents table, the
#    internal one does;
#  - `rtm render tiles` writes RUN_DIR/tiles/{z}/{x}/{y}.png and tiles.mbtiles
#    (GDAL opens it), and index.html with Leaflet beside it when Leaflet was
#    installed at build time;
#  - usage and render errors exit with their codes (2, 6) and leave no file.
# Pixel checks (blank maps, incident colour, reference images) are in
# tests/unit/render_test.cpp.
# Usage: bash render_sample_city.sh RTM_BINARY SOURCE_ROOT (exit 77 = skipped).
set -euo pipefail
RTM="$1"
SRC="$2"
command -v gdalinfo >/dev/null 2>&1 || { echo "skipped: gdalinfo not found"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run="$work/run"
"$RTM" run "$SRC/config/sample-city.toml" --out "$run" --quiet

fail() { echo "FAIL: $*"; exit 1; }

# --- PNG maps, default names
"$RTM" render map "$run" --width 640 --quiet
"$RTM" render map "$run" --internal --width 640 --dpi 120 --quiet
for f in map.png map-internal.png; do
  [ -s "$run/$f" ] || fail "no $f"
  info="$(gdalinfo "$run/$f")"
  grep -q "Driver: PNG" <<<"$info" || fail "$f is not a PNG for GDAL"
  grep -q "Size is 640, " <<<"$info" || fail "$f is not 640 pixels wide: $(grep 'Size is' <<<"$info")"
done
"$RTM" render map "$run" --width 300 --height 200 --out "$work/small.png" --quiet
gdalinfo "$work/small.png" | grep -q "Size is 300, 200" || fail "--width/--height not honoured"

# --- styles: the public map never reads incidents
"$RTM" render map "$run" --width 200 --out "$work/p.png" --save-xml "$work/public.xml" --quiet
"$RTM" render map "$run" --internal --width 200 --out "$work/i.png" --save-xml "$work/internal.xml" --quiet
if grep -q ">incidents<" "$work/public.xml"; then fail "the public style reads the incidents table"; fi
grep -q ">incidents<" "$work/internal.xml" || fail "the internal style has no incident layer"
grep -q "$run/classes.tif" "$work/public.xml" || fail "the style does not read this run's classes.tif"
# Both styles draw the model's factors (from layers.gpkg) and the context outlines
# (config/sample-city.toml has [render.context]); the public one reads no other table.
factors=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(sorted({f["factor"] for f in r["model"]["factors"] + r["model"]["protective_factors"]})))' "$run/report.json")
[ -n "$factors" ] || fail "the sample city's model has no factors"
for x in public internal; do
  for t in $factors context study_area; do
    grep -q "<Parameter name=\"layer\">$t</Parameter>" "$work/$x.xml" || fail "the $x style does not draw the table $t"
  done
done
tables=$(grep -o '<Parameter name="layer">[^<]*<' "$work/public.xml" | sed 's/.*>\([^<]*\)</\1/' | sort -u | tr '\n' ' ')
for t in $tables; do
  case " $factors context study_area places " in *" $t "*) ;; *) fail "the public style reads the table $t" ;; esac
done
ctx="$(ogrinfo -ro -q "$run/layers.gpkg" context)"
grep -q "label (String) = District 3" <<<"$ctx" || fail "layers.gpkg has no context label 'District 3'"

# --- briefings: every paper size and orientation, both audiences
for paper in letter a4; do
  for orient in portrait landscape; do
    for aud in public internal; do
      pdf="$work/briefing-$paper-$orient-$aud.pdf"
      flag=""
      [ "$orient" = landscape ] && flag="--landscape"
      "$RTM" render briefing "$run" --paper "$paper" $flag "--$aud" --previous "$run" --out "$pdf" --quiet
      [ -s "$pdf" ] || fail "no $pdf"
      head -c 5 "$pdf" | grep -q "%PDF-" || fail "$pdf has no PDF header"
      tail -c 64 "$pdf" | grep -q "%%EOF" || fail "$pdf has no PDF trailer"
      if command -v pdfinfo >/dev/null 2>&1; then
        pinfo="$(pdfinfo "$pdf")"
        grep -q "^Pages: *1$" <<<"$pinfo" || fail "$pdf is not one page"
        size="$(awk -F': *' '/^Page size/ { print $2 }' <<<"$pinfo")"
        case "$paper-$orient" in
          letter-portrait) want="612 x 792" ;;
          letter-landscape) want="792 x 612" ;;
          a4-portrait) want="595.276 x 841.89" ;;
          a4-landscape) want="841.89 x 595.276" ;;
        esac
        grep -q "^$want" <<<"$size" || fail "$pdf page size '$size', expected $want"
        subject="$(awk -F': *' '/^Subject/ { print $2 }' <<<"$pinfo")"
        if [ "$aud" = internal ]; then want_mark="LAW ENFORCEMENT SENSITIVE"; else want_mark="PUBLIC"; fi
        [ "$subject" = "$want_mark" ] || fail "$pdf marked '$subject'"
      fi
    done
  done
done
"$RTM" render briefing "$run" --quiet
[ -s "$run/briefing.pdf" ] || fail "no default briefing.pdf"

# --- tiles: a directory of XYZ tiles and an MBTiles file GDAL opens
"$RTM" render tiles "$run" --zoom 11-13 --quiet
[ -d "$run/tiles/13" ] || fail "no zoom 13 tiles"
n_png=$(find "$run/tiles" -path "$run/tiles/leaflet" -prune -o -name '*.png' -print | wc -l)
[ "$n_png" -gt 5 ] || fail "only $n_png tiles"
gdalinfo "$run/tiles/tiles.mbtiles" | grep -q "Driver: MBTiles" || fail "tiles.mbtiles does not open as MBTiles"
if [ -f "$run/tiles/index.html" ]; then
  [ -f "$run/tiles/leaflet/leaflet.js" ] || fail "index.html without leaflet/leaflet.js beside it"
  # places.js holds place polygons and their texts only: no points, no other keys.
  if command -v /usr/bin/python3 >/dev/null 2>&1; then
    /usr/bin/python3 - "$run/tiles/places.js" <<'PY' || fail "places.js holds more than the places"
import json, sys
text = open(sys.argv[1]).read()
data = json.loads(text[text.index("{"):text.rindex("}") + 1])
allowed = {"rank", "priority", "class", "area_km2", "mean_risk", "observed_recent", "recent_weeks", "busiest",
           "narrative", "leverage", "caveat"}
for f in data["features"]:
    assert f["geometry"]["type"] == "MultiPolygon", f["geometry"]["type"]
    assert set(f["properties"]) <= allowed, set(f["properties"]) - allowed
PY
  fi
else
  echo "note: Leaflet not installed at build time: no viewer written"
fi
"$RTM" render tiles "$run" --zoom 11-12 --out "$work/t" --quiet
[ -f "$work/t/tiles.mbtiles" ] || fail "--out for tiles not honoured"

# --- errors: usage (2) and render (6), no output left behind
set +e
"$RTM" render briefing "$run" --paper legal --out "$work/x.pdf" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--paper legal exited $rc, expected 2"
"$RTM" render map "$run" --public --internal --out "$work/x.png" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--public --internal exited $rc, expected 2"
"$RTM" render tiles "$run" --zoom 14-12 --out "$work/x" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--zoom 14-12 exited $rc, expected 2"
mkdir -p "$work/empty"
"$RTM" render map "$work/empty" --out "$work/x.png" 2>"$work/err"; rc=$?
[ $rc -eq 6 ] || fail "a folder without a run exited $rc, expected 6"
grep -q "report.json" "$work/err" || fail "the error does not name report.json: $(cat "$work/err")"
set -e
[ ! -e "$work/x.png" ] && [ ! -e "$work/x.pdf" ] && [ ! -e "$work/x" ] || fail "a failed render left a file"
ls -a "$work" | grep -q '\.tmp-' && fail "a temporary file was left behind"
echo "ok"
