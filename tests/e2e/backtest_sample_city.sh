#!/usr/bin/env bash
# `rtm backtest` on the sample city: four weekly windows of January 2018 with
# the model selected once on 2017. The outputs exist; backtest.json is
# consistent (hit rates in [0, 1], PEI <= 1, PAI = hit rate / area share, every
# window and method scored, N per window = the incidents `rtm validate` counts
# in that window); backtest.csv agrees with it; a bad option fails cleanly
# without output.
set -euo pipefail
RTM="$1"
SRC="$2"
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3: skipped"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py() { /usr/bin/python3 -c "$1"; }

"$RTM" backtest "$SRC/config/sample-city.toml" --out "$work/bt" --test-start 2018-01-01 --test-end 2018-01-28 \
  --step-days 7 --reselect once --budget-km2 0.5 --quiet > "$work/summary.txt"
for f in backtest.json backtest.csv backtest_pai_coverage.png backtest_pai_5pct.png; do
  [ -s "$work/bt/$f" ] || { echo "missing $f"; exit 1; }
done
for f in backtest_pai_coverage.png backtest_pai_5pct.png; do
  head -c 8 "$work/bt/$f" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || { echo "$f is not a PNG"; exit 1; }
done
grep -q "^rtm_eb " "$work/summary.txt" || { cat "$work/summary.txt"; exit 1; }
[ -z "$(ls -A "$work/bt" | grep '^\.')" ] || { echo "temporary files left"; ls -la "$work/bt"; exit 1; }

# The incidents of each test window, counted by rtm validate on a study file
# whose training window is that week (paths made absolute).
expected=""
for w in "2018-01-01 2018-01-07" "2018-01-08 2018-01-14" "2018-01-15 2018-01-21" "2018-01-22 2018-01-28"; do
  set -- $w
  sed -e "s#\"\.\./sample-city/#\"$SRC/sample-city/#g" -e "s/^train_start = .*/train_start = $1/" \
      -e "s/^train_end = .*/train_end = $2/" "$SRC/config/sample-city.toml" > "$work/week.toml"
  n=$("$RTM" validate "$work/week.toml" --json --quiet | py "import json,sys; print(json.load(sys.stdin)['incidents']['counts']['counted'])")
  expected="$expected $n"
done
echo "incidents per window (rtm validate):$expected"

py "
import json, math, csv
j = json.load(open('$work/bt/backtest.json'))
s = j['settings']
assert s['windows'] == 4 and s['step_days'] == 7 and s['training_days'] == 365, s
assert s['test_start'] == '2018-01-01' and s['test_end'] == '2018-01-28', s
cells = s['study_cells']
cov = {c['key']: c for c in s['coverages']}
assert cov['5%']['cells'] == math.ceil(0.05 * cells - 1e-9), cov
assert cov['budget']['cells'] == 50, cov['budget']   # 0.5 km2 of 100 m cells
methods = [m['name'] for m in j['methods']]
for m in ['rtm', 'rtm_eb', 'rtm_x_recent_kde', 'kde_4w_150m', 'kde_12w_300m', 'kde_train_150m',
          'last_window_counts', 'train_counts']:
    assert m in methods, m
assert j['default_method'] in methods
# Selected once, on the year before the first window, re-applied after.
assert len(j['models']) == 1, j['models']
assert j['models'][0]['training_window'] == {'start': '2017-01-01', 'end': '2017-12-31'}
assert [w['model']['selected'] for w in j['windows']] == [True, False, False, False]
assert all(w['model']['id'] == j['models'][0]['id'] for w in j['windows'])
expected = [int(x) for x in '$expected'.split()]
assert [w['incidents'] for w in j['windows']] == expected, ([w['incidents'] for w in j['windows']], expected)
assert j['windows'][0]['train_incidents'] == 3371  # the study's own 2017 count (counts.tif)
for w in j['windows']:
    assert set(w['metrics']) == set(methods)
    for m, per in w['metrics'].items():
        assert set(per) == {'1%', '5%', '10%', '20%', 'budget'}
        for k, v in per.items():
            assert v['cells'] == cov[k]['cells']
            assert 0 <= v['n'] <= v['n_star'] <= w['incidents'], (m, k, v)
            assert 0 <= v['hit_rate'] <= 1, (m, k, v)
            assert v['pei'] <= 1 + 1e-12, (m, k, v)
            assert abs(v['pai'] - v['hit_rate'] * cells / v['cells']) < 1e-9 * max(1, v['pai'])
            assert abs(v['hit_rate'] - v['n'] / w['incidents']) < 1e-12
        assert per['5%']['n'] <= per['10%']['n'] <= per['20%']['n']
# RRI: defined for all windows but the last, where it is null (not NaN).
assert all(w['metrics']['rtm']['5%']['rri'] is None for w in j['windows'][-1:])
assert all(w['metrics']['train_counts']['5%']['rri'] is not None for w in j['windows'][:-1])
# Means over the windows.
for m in methods:
    a = j['averages'][m]['5%']['pai']
    vals = [w['metrics'][m]['5%']['pai'] for w in j['windows']]
    assert a['windows'] == 4 and abs(a['mean'] - sum(vals) / 4) < 1e-12, (m, a)
    assert j['averages'][m]['5%']['rri']['windows'] == 3
assert len(j['pai_curve']['coverage_percent']) == len(j['pai_curve']['mean_pai']['rtm'])
# The CSV holds the same numbers.
rows = list(csv.DictReader(open('$work/bt/backtest.csv')))
assert len(rows) == 4 * len(methods) * 5 + len(methods) * 5, len(rows)
r = [x for x in rows if x['window'] == '2' and x['method'] == 'rtm' and x['coverage'] == '10%'][0]
v = j['windows'][1]['metrics']['rtm']['10%']
assert int(r['n']) == v['n'] and abs(float(r['pai']) - v['pai']) < 1e-8 and int(r['N']) == expected[1]
"
grep -q "NaN\|nan\|Infinity" "$work/bt/backtest.json" && { echo "NaN or Infinity in backtest.json"; exit 1; }

# Deterministic: the same run gives the same numbers (timing aside).
"$RTM" backtest "$SRC/config/sample-city.toml" --out "$work/bt2" --test-start 2018-01-01 --test-end 2018-01-28 \
  --reselect once --budget-km2 0.5 --quiet > /dev/null
cmp "$work/bt/backtest.csv" "$work/bt2/backtest.csv" || { echo "backtest.csv differs between two runs"; exit 1; }

# Usage errors exit 2 and write nothing.
set +e
"$RTM" backtest "$SRC/config/sample-city.toml" --out "$work/bad" --reselect monthly --quiet 2> "$work/err"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "exit $code for --reselect monthly"; cat "$work/err"; exit 1; }
grep -q "reselect" "$work/err" || { cat "$work/err"; exit 1; }
[ ! -e "$work/bad" ] || [ -z "$(ls -A "$work/bad")" ] || { echo "output left behind"; exit 1; }
echo "ok: backtest of 4 weekly windows on the sample city is consistent"
