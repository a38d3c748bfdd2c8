#!/usr/bin/env bash
# Configures and builds rtm into build/ (warnings are errors).
#   scripts/build.sh [extra cmake args...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${RTM_BUILD_DIR:-$ROOT/build}"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTM_WERROR=ON "$@"
cmake --build "$BUILD" -j "$(nproc)"
