#!/usr/bin/env bash
# Crash safety: `rtm run` killed with SIGKILL at any point must leave the
# previous run's products exactly as they were (same checksums), and no
# half-written file under a final name. Only hidden leftovers may remain:
# staging folders beside the run folder (.NAME.staging-PID/) and temporary
# files in it (.NAME.tmp-PID).
#
# 1. A complete run of the sample city (2017 window) into DIR: the baseline.
# 2. "Next week's" run (the 2018 window, so every product differs) into the
#    same DIR, killed after 0.2, 0.5, 1, 2 and 3 s and at 60, 85 and 95 %
#    of its measured duration; after each kill DIR is checked (a run that
#    completes before its kill is followed by a fresh baseline).
# 3. When strace is installed: the same run killed exactly at the calls that
#    move products into DIR (the commit: the folder exchange, or renames into
#    DIR where the exchange is unavailable) and at the last rename before
#    them, by strace failing that call and sending SIGKILL. The README
#    promises "a failed run leaves the previous run's products as they were",
#    so a commit killed halfway must not leave a mix of old and new products.
# 4. A last complete run must remove the leftovers of the killed runs.
# 5. The Monday job (--as-of, --runs): killed at fractions of its duration and,
#    with strace, at the rename of the run ledger (runs/ledger.gpkg); the
#    ledger and the earlier dated run must be as they were.
#
#   crash_safety.sh RTM SOURCE_ROOT
set -uo pipefail
RTM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/run"
fail=0

# The study with absolute paths, and next week's: the 2018 window.
sed -e "s#\"\.\./sample-city/#\"$SRC/sample-city/#g" "$SRC/config/sample-city.toml" > "$work/study2017.toml"
sed -e 's/^train_start = .*/train_start = 2018-01-01/' -e 's/^train_end = .*/train_end = 2018-12-31/' \
    "$work/study2017.toml" > "$work/study2018.toml"

# Visible entries of DIR (final names) with checksums; hidden entries apart.
visible() { (cd "$out" && find . -mindepth 1 -not -path './.*' -printf '%y %p\n' | sort && \
             find . -mindepth 1 -maxdepth 1 -type f -not -name '.*' -exec md5sum {} + | sort -k2); }
hidden() { (cd "$out" && find . -mindepth 1 -maxdepth 1 -name '.*' -printf '%f\n' | sort
            cd "$work" && find . -mindepth 1 -maxdepth 1 -name '.run.*' -printf '%f\n' | sort); }

# What a file under a final name is, when it differs from the baseline.
describe() {
  local f="$out/$1"
  case "$1" in
    *.tif) gdalinfo "$f" > /dev/null 2>&1 && echo "a complete raster from the killed run" || echo "NOT a readable raster (half-written)" ;;
    *.json) /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f" 2> /dev/null \
              && echo "complete JSON from the killed run" || echo "NOT valid JSON (half-written)" ;;
    *.gpkg) ogrinfo -ro -q "$f" > /dev/null 2>&1 && echo "a readable GeoPackage from the killed run" || echo "NOT a readable GeoPackage (half-written)" ;;
    *) echo "changed" ;;
  esac
}

check() {  # check LABEL: DIR holds the baseline, and only allowed hidden leftovers
  local label="$1" now bad=0
  now="$(visible)"
  if [ "$now" != "$baseline" ] && next_complete; then
    echo "note [$label]: the run had committed all its products before the kill"
  elif [ "$now" != "$baseline" ]; then
    echo "FAIL [$label]: the previous products changed:"
    diff <(echo "$baseline") <(echo "$now") | sed 's/^/    /'
    while read -r sum name; do
      name="${name#./}"
      grep -q "^$sum  ./$name\$" <<< "$baseline" || echo "    $name: $(describe "$name")"
    done < <(cd "$out" && find . -mindepth 1 -maxdepth 1 -type f -not -name '.*' -exec md5sum {} +)
    bad=1
  fi
  while read -r h; do
    [ -z "$h" ] && continue
    case "$h" in
      .run.staging-*|.staging-*|.*.tmp-*) ;;
      *) echo "FAIL [$label]: unexpected hidden entry $h"; bad=1 ;;
    esac
  done <<< "$(hidden)"
  [ $bad -eq 0 ] && echo "ok [$label]: the previous products intact or replaced whole; hidden leftovers: $(hidden | wc -l)"
  [ $bad -eq 0 ] || fail=1
}

# strace, with LeakSanitizer off in a sanitizer build (it cannot run under ptrace).
STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace"

# 1. Baseline: last week's products (the 2017 window).
rebaseline() {
  "$RTM" run "$work/study2017.toml" --out "$out" --quiet || { echo "baseline run failed"; exit 1; }
  baseline="$(visible)"
}
rebaseline
echo "baseline: $(grep -c '^f ' <<< "$baseline") products in $out"

# How long next week's run takes here (into a scratch folder; the faster of two).
duration=""
for i in 1 2; do
  t0=$(date +%s.%N)
  "$RTM" run "$work/study2018.toml" --out "$work/scratch$i" --quiet || { echo "2018 run failed"; exit 1; }
  duration=$(awk -v a="$t0" -v b="$(date +%s.%N)" -v d="$duration" \
    'BEGIN { t = b - a; if (d != "" && d < t) t = d; printf "%.2f", t }')
done
echo "a complete run takes ${duration} s"
# Next week's products that two runs write identically (the others hold the
# time of the run: report.json, the briefing, ...).
next_fixed="$(cd "$work/scratch1" && for f in *; do cmp -s "$f" "../scratch2/$f" && md5sum "$f"; done)"
# True when DIR holds next week's products complete and nothing of last week's:
# a kill that came after the commit (e.g. while the process exited).
next_complete() {
  local f
  [ "$(cd "$out" && ls | sort)" = "$(cd "$work/scratch1" && ls | sort)" ] || return 1
  [ "$(cd "$out" && md5sum $(awk '{ print $2 }' <<< "$next_fixed"))" = "$next_fixed" ] || return 1
  for f in $(cd "$out" && ls); do
    case "$(describe "$f")" in NOT*) return 1 ;; esac
  done
  /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['incidents']['window']['end'] == '2018-12-31' else 1)" \
    "$out/report.json" 2> /dev/null
}

# 2. Killed at fixed times and at fractions of the duration.
points="0.2 0.5 1 2 3"
for f in 0.6 0.85 0.95; do points="$points $(awk -v d="$duration" -v f="$f" 'BEGIN { printf "%.2f", d * f }')"; done
for t in $points; do
  "$RTM" run "$work/study2018.toml" --out "$out" --quiet 2> /dev/null &
  pid=$!
  sleep "$t"
  kill -KILL "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  code=$?
  if [ "$code" -eq 137 ]; then
    check "killed after $t s"
  else
    # It finished first: put last week's products back for the next kill.
    echo "note [after $t s]: the run completed (exit $code) before the kill"
    [ "$code" -eq 0 ] || { echo "FAIL: the run exited $code"; fail=1; }
    rebaseline
  fi
done

# 3. Killed inside the commit (needs strace).
# strace counts the calls of each system call separately (when=K is the K-th
# call of that name), so calls are named "SYSCALL K".
calls_matching() {  # calls_matching TRACE REGEX: "SYSCALL K" of each rename-family call matching REGEX
  awk -v re="$2" 'match($0, /rename(at2?)?\(/) { n = substr($0, RSTART, RLENGTH - 1); c[n]++; if ($0 ~ re) print n, c[n] }' "$1"
}
kill_at() {  # kill_at SYSCALL K ARGS...: rtm ARGS, failed with EIO and killed at that call
  local name="$1" k="$2"; shift 2
  ($STRACE -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
    -e inject="$name":error=EIO:signal=KILL:when="$k" "$RTM" "$@"; true) 2> /dev/null
}
if command -v strace > /dev/null 2>&1; then
  rm -rf "$work/traced"; mkdir "$work/traced"
  $STRACE -f -qq -e trace=rename,renameat,renameat2 -o "$work/renames" \
    "$RTM" run "$work/study2018.toml" --out "$work/traced" --quiet
  # The commit: calls whose target is DIR itself or a final name in it.
  mapfile -t commits < <(calls_matching "$work/renames" ", (AT_FDCWD, )?\"$work/traced(/[^/.\"][^/\"]*)?\"")
  mapfile -t staged < <(calls_matching "$work/renames" "traced.staging-[0-9]+/")
  n=${#commits[@]}
  echo "the commit moves products into DIR with ${n} call(s): ${commits[*]} (${#staged[@]} renames inside staging before)"
  [ "$n" -gt 0 ] || { echo "FAIL: no call of the traced run moved products into DIR"; fail=1; }
  picks=("${commits[@]}")
  [ "${#staged[@]}" -gt 0 ] && picks+=("${staged[$((${#staged[@]} - 1))]}")
  for p in "${picks[@]}"; do
    read -r name k <<< "$p"
    kill_at "$name" "$k" run "$work/study2018.toml" --out "$out" --quiet
    check "killed at $name call $k"
    rebaseline
  done
  # Killed as it exits, after the commit: DIR must hold the new products, complete.
  ($STRACE -f -qq -o /dev/null -e trace=exit_group -e inject=exit_group:signal=KILL \
    "$RTM" run "$work/study2018.toml" --out "$out" --quiet; true) 2> /dev/null
  out_check="$(check "killed at its exit")"
  echo "$out_check"
  grep -q "committed all its products" <<< "$out_check" ||
    { echo "FAIL: a run killed at its exit (after the commit) did not leave its products complete"; fail=1; }
  grep -q "^FAIL" <<< "$out_check" && fail=1
  rebaseline
else
  echo "note: strace is not installed; the kills inside the commit were skipped"
fi

# 4. A killed run's leftovers are removed by the next complete run.
if command -v strace > /dev/null 2>&1 && [ "${#staged[@]}" -gt 0 ]; then
  read -r name k <<< "${staged[$((${#staged[@]} - 1))]}"
  kill_at "$name" "$k" run "$work/study2018.toml" --out "$out" --quiet
else
  "$RTM" run "$work/study2018.toml" --out "$out" --quiet 2> /dev/null &
  pid=$!; sleep "$(awk -v d="$duration" 'BEGIN { printf "%.2f", d * 0.8 }')"; kill -KILL "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
fi
left_before=$(hidden | wc -l)
[ "$left_before" -gt 0 ] || echo "note: the killed run left nothing behind to clean"
"$RTM" run "$work/study2018.toml" --out "$out" --quiet || { echo "FAIL: the last run failed"; fail=1; }
left_after=$(hidden | wc -l)
if [ "$left_after" -eq 0 ]; then
  echo "ok: the next complete run cleaned all $left_before leftovers of killed runs"
else
  echo "FAIL: the next complete run left $left_after of $left_before leftovers of killed runs: $(hidden | tr '\n' ' ')"
  fail=1
fi

# 5. The Monday job (`--as-of DATE --runs DIR`): killed runs must leave the run
#    ledger (DIR/ledger.gpkg) and the earlier dated runs as they were.
runs="$work/runs"
if "$RTM" run --help 2>&1 | grep -q -- '--as-of'; then
  "$RTM" run "$work/study2017.toml" --as-of 2018-01-08 --runs "$runs" --quiet || { echo "FAIL: the Monday job failed"; exit 1; }
  cp -a "$runs" "$work/runs-baseline"
  tree_sums() { (cd "$1" && find . -type f -not -path '*/.*' -exec md5sum {} + | sort -k2); }
  ledger_base="$(tree_sums "$work/runs-baseline")"
  week=""
  for i in 1 2; do  # the next week's job, as the kills below run it (the faster of two)
    rm -rf "$work/runs-timing"; cp -a "$work/runs-baseline" "$work/runs-timing"
    t0=$(date +%s.%N)
    "$RTM" run "$work/study2017.toml" --as-of 2018-01-15 --runs "$work/runs-timing" --quiet
    week=$(awk -v a="$t0" -v b="$(date +%s.%N)" -v d="$week" \
      'BEGIN { t = b - a; if (d != "" && d < t) t = d; printf "%.2f", t }')
  done
  week_products=$(find "$work/runs-timing/sample-city-2018-01-15" -maxdepth 1 -type f -not -name '.*' | wc -l)
  echo "the next Monday job (model re-applied) takes ${week} s and writes ${week_products} products"
  check_runs() {
    # Either the ledger is as it was (the killed run is not recorded), or the
    # run was recorded completely (the kill came after the ledger's rename, e.g.
    # while the process was exiting): the ledger then lists the new run once,
    # and its folder holds every product. The earlier run is intact either way,
    # and nothing under a final name is half-written.
    local label="$1" bad=0 now new recorded
    new="$runs/sample-city-2018-01-15"
    ogrinfo -ro -q "$runs/ledger.gpkg" > /dev/null 2>&1 || { echo "FAIL [$label]: ledger.gpkg is not readable"; bad=1; }
    now="$(tree_sums "$runs" | grep -v '/sample-city-2018-01-15/')"
    if [ "$now" != "$ledger_base" ]; then
      recorded=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT count(*) AS n FROM runs WHERE as_of = '2018-01-15'" \
                 "$runs/ledger.gpkg" 2> /dev/null | awk -F'= ' '/n \(Integer/ { print $2 }')
      earlier="$(tree_sums "$runs" | grep -v '/sample-city-2018-01-15/' | grep -v ' ./ledger.gpkg$')"
      if [ "$recorded" = "1" ] && [ "$earlier" = "$(echo "$ledger_base" | grep -v ' ./ledger.gpkg$')" ] &&
         [ "$(find "$new" -maxdepth 1 -type f -not -name '.*' | wc -l)" -eq "$week_products" ]; then
        echo "note [$label]: the run had recorded itself completely before the kill"
      else
        echo "FAIL [$label]: the ledger or an earlier run changed (new run recorded: ${recorded:-?}):"
        diff <(echo "$ledger_base") <(echo "$now") | sed 's/^/    /'; bad=1
      fi
    fi
    if [ -d "$new" ]; then
      while read -r f; do
        [ -z "$f" ] && continue
        case "$(out="$new" describe "$f")" in
          NOT*) echo "FAIL [$label]: $f is half-written"; bad=1 ;;
        esac
      done < <(cd "$new" && find . -maxdepth 1 -type f -not -name '.*' -printf '%f\n')
      n=$(find "$new" -maxdepth 1 -type f -not -name '.*' | wc -l)
      [ "$n" -gt 0 ] && [ "$now" = "$ledger_base" ] &&
        echo "note [$label]: the killed run's folder holds $n complete products that the ledger does not record"
    fi
    [ $bad -eq 0 ] && echo "ok [$label]: ledger consistent and earlier run intact"
    [ $bad -eq 0 ] || fail=1
  }
  for f in 0.2 0.4 0.6 0.8 0.95; do
    rm -rf "$runs"; cp -a "$work/runs-baseline" "$runs"
    t=$(awk -v d="$week" -v f="$f" 'BEGIN { printf "%.2f", d * f }')
    "$RTM" run "$work/study2017.toml" --as-of 2018-01-15 --runs "$runs" --quiet 2> /dev/null &
    pid=$!
    sleep "$t"
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    code=$?
    if [ "$code" -eq 137 ]; then check_runs "Monday job killed after $t s"
    else echo "note [Monday job, $t s]: it completed (exit $code) before the kill"; fi
  done
  if command -v strace > /dev/null 2>&1; then
    rm -rf "$work/runs-traced"; cp -a "$work/runs-baseline" "$work/runs-traced"
    $STRACE -f -qq -e trace=rename,renameat,renameat2 -o "$work/renames-weekly" \
      "$RTM" run "$work/study2017.toml" --as-of 2018-01-15 --runs "$work/runs-traced" --quiet
    mapfile -t ledger_calls < <(calls_matching "$work/renames-weekly" "\"$work/runs-traced/ledger.gpkg\"")
    [ "${#ledger_calls[@]}" -gt 0 ] || { echo "FAIL: the traced Monday job never renamed the ledger into place"; fail=1; }
    for p in "${ledger_calls[@]}"; do
      read -r name k <<< "$p"
      rm -rf "$runs"; cp -a "$work/runs-baseline" "$runs"
      kill_at "$name" "$k" run "$work/study2017.toml" --as-of 2018-01-15 --runs "$runs" --quiet
      check_runs "Monday job killed at the ledger's rename ($name call $k)"
    done
    # Killed as it exits (after the ledger's rename): the run must be recorded completely.
    rm -rf "$runs"; cp -a "$work/runs-baseline" "$runs"
    ($STRACE -f -qq -o /dev/null -e trace=exit_group -e inject=exit_group:signal=KILL \
      "$RTM" run "$work/study2017.toml" --as-of 2018-01-15 --runs "$runs" --quiet; true) 2> /dev/null
    out_check="$(check_runs "Monday job killed at its exit")"
    echo "$out_check"
    grep -q "recorded itself completely" <<< "$out_check" ||
      { echo "FAIL: a Monday job killed at its exit (after the ledger's rename) is not recorded"; fail=1; }
    grep -q "^FAIL" <<< "$out_check" && fail=1
  fi
else
  echo "note: this rtm has no --as-of (Monday job); the ledger was not tested"
fi

[ $fail -eq 0 ] && echo "ok: no kill changed the previous products or left a half-written file under a final name"
exit $fail
