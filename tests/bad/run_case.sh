#!/usr/bin/env bash
# Runs one bad-input case: rtm must fail with the expected exit code and a
# message holding every expected fragment, and leave no output behind: the
# output path (CASE/out in the scratch copy, passed as --out) must hold after
# the run exactly what it held before (nothing, or what setup.sh put there).
#
#   run_case.sh RTM CASE_DIR
#
# CASE_DIR/expect holds lines:
#   command = validate | run        (default: run; run also checks the output folder)
#   exit = N                        (the documented exit code)
#   message = fragment              (may repeat; each must appear in stderr)
# The case is copied to a scratch folder first, so relative paths in its
# study.toml resolve inside the copy; a case may use the token @SAMPLE@ for the
# absolute path of sample-city/ and @SHARED@ for ../shared/data. An executable
# CASE_DIR/setup.sh, if present, runs in the scratch folder before rtm.
set -u
RTM="$1"
CASE="$2"
SRC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$CASE"/. "$work/"
for f in "$work"/*.toml; do
  [ -f "$f" ] || continue
  sed -i "s#@SAMPLE@#$SRC_ROOT/sample-city#g; s#@SHARED@#$SRC_ROOT/../shared/data#g" "$f"
done
[ -x "$work/setup.sh" ] && (cd "$work" && ./setup.sh)

# What the output path holds before the run (a case's setup.sh may put things
# there): every file with its checksum and every folder. A failed run must
# leave it exactly so; an empty folder it created is tolerated.
snapshot() {
  [ -e "$1" ] || return 0
  (cd "$(dirname "$1")" && find "$(basename "$1")" -mindepth 1 -type d | sort
   find "$(basename "$1")" -type f -exec md5sum {} + | sort)
}

command="run"
exit_expected=""
messages=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    command\ =\ *) command="${line#command = }" ;;
    exit\ =\ *) exit_expected="${line#exit = }" ;;
    message\ =\ *) messages+=("${line#message = }") ;;
  esac
done < "$CASE/expect"

out="$work/out"
before="$(snapshot "$out")"
study="$work/study.toml"
[ -f "$study" ] || study="$work/does-not-exist.toml"
if [ "$command" = "run" ]; then
  "$RTM" run "$study" --out "$out" --quiet > "$work/stdout" 2> "$work/stderr"
else
  "$RTM" validate "$study" --quiet > "$work/stdout" 2> "$work/stderr"
fi
code=$?
fail=0
if [ "$code" != "$exit_expected" ]; then
  echo "FAIL: exit code $code, expected $exit_expected"; fail=1
fi
for m in "${messages[@]}"; do
  if ! grep -qF -- "$m" "$work/stderr"; then
    echo "FAIL: message lacks: $m"; fail=1
  fi
done
if [ "$command" = "run" ] && [ "$(snapshot "$out")" != "$before" ]; then
  echo "FAIL: output left behind (the output path changed):"
  diff <(echo "$before") <(snapshot "$out"); ls -laR "$out"; fail=1
fi
if [ $fail -ne 0 ]; then
  echo "--- stderr:"; cat "$work/stderr"
  exit 1
fi
echo "ok: exit $code; $(head -c 300 "$work/stderr")"
