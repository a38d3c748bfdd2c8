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
#   stdout = fragment               (may repeat; each must appear in stdout)
#   absent = fragment               (may repeat; must appear in neither stdout nor
#                                    stderr, e.g. a password)
#   args = --model model.json       (extra arguments for rtm, after the usual
#                                    ones; rtm runs inside the scratch copy, so
#                                    relative paths resolve there)
#   user = nobody                   (run rtm as this user when the runner is
#                                    root, who ignores file permissions)
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
stdout_messages=()
absent_messages=()
extra_args=()
run_as=""
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    command\ =\ *) command="${line#command = }" ;;
    exit\ =\ *) exit_expected="${line#exit = }" ;;
    message\ =\ *) messages+=("${line#message = }") ;;
    stdout\ =\ *) stdout_messages+=("${line#stdout = }") ;;
    absent\ =\ *) absent_messages+=("${line#absent = }") ;;
    args\ =\ *) read -r -a extra_args <<< "${line#args = }" ;;
    user\ =\ *) run_as="${line#user = }" ;;
  esac
done < "$CASE/expect"
# Permission cases: root reads and writes anything, so rtm runs as `user`
# (the scratch copy is opened to it; setup.sh sets the modes under test).
as_user=()
if [ -n "$run_as" ] && [ "$(id -u)" -eq 0 ]; then
  chmod a+rx "$work"
  as_user=(setpriv --reuid="$(id -u "$run_as")" --regid="$(id -g "$run_as")" --clear-groups env HOME=/nonexistent)
fi

out="$work/out"
before="$(snapshot "$out")"
study="$work/study.toml"
[ -e "$study" ] || study="$work/does-not-exist.toml"
if [ "$command" = "run" ]; then
  (cd "$work" && "${as_user[@]}" "$RTM" run "$study" --out "$out" --quiet "${extra_args[@]}") > "$work/stdout" 2> "$work/stderr"
else
  (cd "$work" && "${as_user[@]}" "$RTM" validate "$study" --quiet "${extra_args[@]}") > "$work/stdout" 2> "$work/stderr"
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
for m in "${stdout_messages[@]}"; do
  if ! grep -qF -- "$m" "$work/stdout"; then
    echo "FAIL: stdout lacks: $m"; fail=1
  fi
done
for m in "${absent_messages[@]}"; do
  if grep -qF -- "$m" "$work/stdout" "$work/stderr"; then
    echo "FAIL: output shows what it must not: $m"; fail=1
  fi
done
if [ "$command" = "run" ] && [ "$(snapshot "$out")" != "$before" ]; then
  echo "FAIL: output left behind (the output path changed):"
  diff <(echo "$before") <(snapshot "$out"); ls -laR "$out"; fail=1
fi
if [ $fail -ne 0 ]; then
  echo "--- stderr:"; cat "$work/stderr"
  [ ${#stdout_messages[@]} -eq 0 ] || { echo "--- stdout:"; cat "$work/stdout"; }
  exit 1
fi
echo "ok: exit $code; $(head -c 300 "$work/stderr")"
