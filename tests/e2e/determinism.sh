#!/usr/bin/env bash
# Determinism: two runs of the same study on the same inputs give the same
# report.json apart from its time fields (provenance.created_utc and
# model.seconds.*), the same model.json and candidates.json, and the same
# rasters cell for cell (pixel values as GDAL reads them, not file bytes).
# The two runs differ in everything that must not matter: run folder, working
# directory, --quiet, and the number of threads (2 against 1).
#
#   determinism.sh RTM SOURCE_ROOT
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
study="$SRC/config/sample-city.toml"

(cd "$work" && "$RTM" run "$study" --out "$work/a" --quiet --threads 2)
mkdir -p "$work/elsewhere"
(cd "$work/elsewhere" && "$RTM" run "$study" --out "$work/second run" --threads 1 2> /dev/null)
b="$work/second run"

fail=0
# JSON products, with the time fields removed.
/usr/bin/python3 - "$work/a" "$b" <<'EOF' || fail=1
import json, sys
a_dir, b_dir = sys.argv[1], sys.argv[2]

def strip_times(name, doc):
    if name == "report.json":
        doc.get("provenance", {}).pop("created_utc", None)
        doc.get("model", {}).pop("seconds", None)
    return doc

def diffs(x, y, path=""):
    if type(x) != type(y):
        yield f"{path}: {x!r} != {y!r}"
    elif isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                yield f"{path}.{k}: only in {'the first' if k in x else 'the second'} run"
            else:
                yield from diffs(x[k], y[k], f"{path}.{k}")
    elif isinstance(x, list):
        if len(x) != len(y):
            yield f"{path}: {len(x)} items != {len(y)} items"
        for i, (u, v) in enumerate(zip(x, y)):
            yield from diffs(u, v, f"{path}[{i}]")
    elif x != y:
        yield f"{path}: {x!r} != {y!r}"

bad = 0
for name in ["report.json", "model.json", "candidates.json"]:
    try:
        x = strip_times(name, json.load(open(f"{a_dir}/{name}")))
        y = strip_times(name, json.load(open(f"{b_dir}/{name}")))
    except FileNotFoundError as e:
        print(f"FAIL: {e}")
        bad = 1
        continue
    d = list(diffs(x, y, name))
    if d:
        bad = 1
        print(f"FAIL: {name} differs between two runs ({len(d)} differences):")
        for line in d[:20]:
            print("   ", line)
    else:
        print(f"ok: {name} identical (apart from time fields)")
sys.exit(bad)
EOF

# Rasters, cell by cell.
for a in "$work/a"/*.tif; do
  name="$(basename "$a")"
  [ -f "$b/$name" ] || { echo "FAIL: $name only in the first run"; fail=1; continue; }
  sa=$(gdal_translate -q -of XYZ "$a" /vsistdout/ | md5sum)
  sb=$(gdal_translate -q -of XYZ "$b/$name" /vsistdout/ | md5sum)
  if [ "$sa" = "$sb" ]; then
    echo "ok: $name identical cell for cell"
  else
    echo "FAIL: $name differs between two runs"
    fail=1
  fi
done
for f in "$b"/*.tif; do
  [ -f "$work/a/$(basename "$f")" ] || { echo "FAIL: $(basename "$f") only in the second run"; fail=1; }
done
exit $fail
