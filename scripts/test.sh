#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds with warnings as errors, and
# runs the whole test suite (the README's test command).
#   scripts/test.sh                 build/ and its tests
#   scripts/test.sh --sanitize      then the same suite under ASan+UBSan (scripts/sanitize.sh)
# RTM_BUILD_DIR picks another build folder (as for scripts/build.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${RTM_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh"
cd "$ROOT"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
if [ "${1:-}" = "--sanitize" ]; then
  "$ROOT/scripts/sanitize.sh"
fi
