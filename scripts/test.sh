#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds with warnings as errors, and
# runs the whole test suite (the README's test command).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh"
cd "$ROOT"
ctest --test-dir build --output-on-failure -j "$(nproc)"
