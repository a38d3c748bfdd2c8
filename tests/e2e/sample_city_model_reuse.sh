#!/usr/bin/env bash
# The model: `rtm run` on the sample city writes risk.tif, model.json and
# candidates.json; re-applying model.json to the 2018 window (no re-selection)
# reproduces the same risk surface, and a model for another grid is refused.
set -euo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$RTM" run "$SRC/config/sample-city.toml" --out "$work/2017" --quiet
for f in risk.tif model.json candidates.json; do
  [ -s "$work/2017/$f" ] || { echo "missing $f"; exit 1; }
done
py() { /usr/bin/python3 -c "$1"; }

# report.json: every field of METHOD.md §4.6
py "
import json, sys
r = json.load(open('$work/2017/report.json'))['model']
for k in ['family', 'fit', 'factors', 'cells', 'cells_with_incidents', 'incidents']:
    assert k in r, k
for k in ['loglik', 'aic', 'bic']:
    assert k in r['fit'], k
assert r['family'] in ('poisson', 'nb2', 'nbii')
assert 'theta' in r['fit'] or r['family'] != 'nb2'
assert len(r['factors']) >= 1
for f in r['factors']:
    for k in ['operationalization', 'distance_m', 'coef', 'se', 'p_value', 'rrv']:
        assert k in f, k
    assert f['coef'] > 0 and abs(f['rrv'] - __import__('math').exp(f['coef'])) < 1e-12
assert r['incidents'] == json.load(open('$work/2017/report.json'))['incidents']['counts']['counted']
c = json.load(open('$work/2017/candidates.json'))
assert len(c) == r['candidates'] == 9 * 2 * 6, len(c)
"

# The same study with the 2018 window, paths made absolute.
sed -e "s#\"\.\./sample-city/#\"$SRC/sample-city/#g" \
    -e 's/^train_start = .*/train_start = 2018-01-01/' -e 's/^train_end = .*/train_end = 2018-12-31/' \
    "$SRC/config/sample-city.toml" > "$work/study2018.toml"
"$RTM" run "$work/study2018.toml" --out "$work/2018" --model "$work/2017/model.json" --quiet
py "
import json
r = json.load(open('$work/2018/report.json'))
assert r['incidents']['window']['start'] == '2018-01-01'
assert r['model']['reapplied_model'] == json.load(open('$work/2017/model.json'))['id']
assert r['model']['factors'] == json.load(open('$work/2017/report.json'))['model']['factors']
"
# Same surface, cell for cell, as GDAL reads it.
a=$(gdal_translate -q -of XYZ "$work/2017/risk.tif" /vsistdout/ | md5sum)
b=$(gdal_translate -q -of XYZ "$work/2018/risk.tif" /vsistdout/ | md5sum)
[ "$a" = "$b" ] || { echo "re-applied risk surface differs"; exit 1; }

# A model fitted on another grid is refused with the model exit code (5).
sed -e 's/^cell_size_m = .*//' -e 's/^block_length_m = 200.*/block_length_m = 200\ncell_size_m = 50/' \
    "$work/study2018.toml" > "$work/study50.toml"
set +e
"$RTM" run "$work/study50.toml" --out "$work/50" --model "$work/2017/model.json" --quiet 2> "$work/err"
code=$?
set -e
[ "$code" -eq 5 ] || { echo "exit $code for a model on another grid"; cat "$work/err"; exit 1; }
grep -q "fitted on another grid" "$work/err" || { cat "$work/err"; exit 1; }
[ -z "$(ls -A "$work/50" 2>/dev/null)" ] || { echo "output left behind"; exit 1; }
echo "ok: re-applied model reproduces the risk surface; mismatched grid refused"
