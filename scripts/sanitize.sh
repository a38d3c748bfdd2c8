#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer: a second build in build-asan/ (-DRTM_SANITIZE=ON,
# RelWithDebInfo: -O2 keeps the model tests fast, -g gives stacks with lines)
# and every ctest test in it (unit, e2e, bad cases, fuzz-corpus replays).
#   scripts/sanitize.sh              (after scripts/test.sh, or on its own)
#   RTM_ASAN_BUILD_DIR=... scripts/sanitize.sh
# Any sanitizer report fails the test that triggered it: the runtime stops the
# process (halt_on_error) with exit code 86, which no test expects.
# A leak's allocation stack stops at the first library built without frame
# pointers (GDAL, GEOS, PROJ); for the whole stack, rerun that one test with
# ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" (slow, so not by default).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${RTM_ASAN_BUILD_DIR:-$ROOT/build-asan}"
"$ROOT/scripts/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTM_WERROR=ON -DRTM_SANITIZE=ON
cmake --build "$BUILD" -j "$(nproc)"

# Stop at the first report, with a full stack; leaks are checked at exit.
# tests/sanitizers/lsan.supp lists the third-party leaks (each one justified).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:print_stacktrace=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:strict_string_checks=1:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86:print_summary=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitizers/lsan.supp:print_suppressions=0:exitcode=86"
cd "$ROOT"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
