#!/usr/bin/env bash
# The benchmark: one table of stage, ours, reference, ratio, every ratio
# measured side by side in this one run. Builds nothing; build first:
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build-bench rtm rtm_bench_candidates rtm_bench_stages rtm_bench_synthetic
#   bench/run.sh [BUILD_DIR]          (default build-bench)
# Needs R with sf, spatstat, glmnet and MASS, and /usr/bin/time. Set
# RTM_BENCH_25M=0 to skip the 25 m run (it is otherwise cut at
# RTM_BENCH_25M_LIMIT seconds, 300) and RTM_BENCH_12M=0 the 12.5 m run (cut
# at RTM_BENCH_12M_LIMIT, 1200); RTM_BENCH_SYNTHETIC="SIDE CANDIDATES" sets
# the largest synthetic grid side and candidate count ("2000 240"). The R pipeline (bench/pipeline.R) runs at
# 100 m right after rtm's 100 m run; RTM_BENCH_R50=1 runs it at 50 m too (after
# rtm's 50 m run); each R run is cut at RTM_BENCH_R_LIMIT seconds (3600).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-bench}
[[ "$build" = /* ]] || build="$here/$build"
rtm="$build/engine/rtm"
stages="$build/bench/rtm_bench_stages"
cands="$build/bench/rtm_bench_candidates"
synthetic="$build/bench/rtm_bench_synthetic"
for b in "$rtm" "$stages" "$cands" "$synthetic"; do
  [[ -x "$b" ]] || { echo "bench: $b missing; build it first (see bench/run.sh)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chicago="$here/config/chicago.toml"
shared=$(cd "$here/config" && cd ../../shared 2>/dev/null && pwd || true)
[[ -n "$shared" && -d "$shared/data/chicago" ]] || { echo "bench: ../shared/data/chicago not found" >&2; exit 1; }
layers=(liquor_retail graffiti)

echo "bench: stages (proximity, density, elastic net) ..." >&2
"$stages" "$chicago" "$tmp" "${layers[@]}" > "$tmp/k.txt"
alpha=$(awk '$1=="enet.alpha"{print $2}' "$tmp/k.txt")
echo "bench: R references (spatstat, cv.glmnet) ..." >&2
RTM_BENCH_ALPHA=$alpha Rscript "$here/bench/reference.R" "$tmp" "${layers[@]}" >> "$tmp/k.txt"
echo "bench: synthetic grids and planted candidates ..." >&2
# shellcheck disable=SC2086
"$synthetic" ${RTM_BENCH_SYNTHETIC:-2000 240} >> "$tmp/k.txt"
"$cands" "$chicago" > "$tmp/cands.txt"
awk -F'  +' '/bytes per candidate-cell/{split($2,a," "); print "cand.bytes_per " a[1]} /^candidates /{print "cand.n " $2}' \
  "$tmp/cands.txt" >> "$tmp/k.txt"

# Whole pipeline: a copy of the Chicago study at each cell size, absolute paths.
study_at() {  # cell size -> study file
  local f="$tmp/chicago-$1m.toml"
  sed -e "s|\"\.\./\.\./shared/|\"$shared/|g" -e "s|^cell_size_m = .*|cell_size_m = $1|" "$chicago" > "$f"
  echo "$f"
}
run_timed() {  # key study limit_s [rtm args...] -> key.wall_s, key.rss_mb (or key.not_run)
  local key=$1 study=$2 limit=$3; shift 3
  if timeout "$limit" /usr/bin/time -v -o "$tmp/$key.time" "$rtm" run "$study" --out "$tmp/out-$key" -q "$@" \
      > /dev/null 2> "$tmp/$key.err"; then
    awk -v k="$key" -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print k ".wall_s " s}
      /Maximum resident set size/{printf "%s.rss_mb %.0f\n", k, $2/1024}
      /User time|System time/{cpu+=$2} END{printf "%s.cpu_s %.2f\n", k, cpu}' "$tmp/$key.time" >> "$tmp/k.txt"
  else
    echo "$key.not_run over_${limit}s_or_failed" >> "$tmp/k.txt"
  fi
  [[ -f "$tmp/out-$key/report.json" ]] && cp "$tmp/out-$key/report.json" "$tmp/$key.report.json"
  rm -rf "$tmp/out-$key"
}
r_timed() {  # cell size -> r<cs>.wall_s, r<cs>.rss_mb, r<cs>.rpipe.* (or r<cs>.not_run)
  local key=r$1 limit=${RTM_BENCH_R_LIMIT:-3600}
  echo "bench: R pipeline chicago at $1 m (limit $limit s) ..." >&2
  if timeout "$limit" /usr/bin/time -v -o "$tmp/$key.time" Rscript "$here/bench/pipeline.R" "$1" "$shared/data/chicago" \
      > "$tmp/$key.out" 2> "$tmp/$key.err"; then
    awk -v k="$key" -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print k ".wall_s " s}
      /Maximum resident set size/{printf "%s.rss_mb %.0f\n", k, $2/1024}
      /User time|System time/{cpu+=$2} END{printf "%s.cpu_s %.2f\n", k, cpu}' "$tmp/$key.time" >> "$tmp/k.txt"
    sed "s/^/$key./" "$tmp/$key.out" >> "$tmp/k.txt"
  else
    echo "$key.not_run over_${limit}s_or_failed" >> "$tmp/k.txt"
  fi
}
for cs in 100 50; do
  echo "bench: rtm run chicago at ${cs} m ..." >&2
  run_timed "run$cs" "$(study_at $cs)" 1800
  if [[ $cs = 100 || "${RTM_BENCH_R50:-0}" = 1 ]]; then
    r_timed "$cs"
  else
    echo "r$cs.not_run skipped (RTM_BENCH_R50=1 runs it)" >> "$tmp/k.txt"
  fi
done
if [[ "${RTM_BENCH_25M:-1}" != 0 ]]; then
  echo "bench: rtm run chicago at 25 m (limit ${RTM_BENCH_25M_LIMIT:-300} s) ..." >&2
  run_timed run25 "$(study_at 25)" "${RTM_BENCH_25M_LIMIT:-300}"
else
  echo "run25.not_run skipped" >> "$tmp/k.txt"
fi

if [[ "${RTM_BENCH_12M:-1}" != 0 ]]; then
  echo "bench: rtm run chicago at 12.5 m (limit ${RTM_BENCH_12M_LIMIT:-1200} s) ..." >&2
  run_timed run12.5 "$(study_at 12.5)" "${RTM_BENCH_12M_LIMIT:-1200}"
else
  echo "run12.5.not_run skipped" >> "$tmp/k.txt"
fi

# One thread against two, alternated, median of 3: the sample city and
# Chicago at 100 m.
echo "bench: threads ..." >&2
for i in 1 2 3; do
  for j in 1 2; do run_timed "sample_j${j}_$i" "$here/config/sample-city.toml" 600 -j "$j"; done
done
for i in 1 2 3; do
  for j in 1 2; do run_timed "chicago_j${j}_$i" "$(study_at 100)" 1800 -j "$j"; done
done

python3 "$here/bench/table.py" "$tmp/k.txt" "$(nproc)" "$tmp"
