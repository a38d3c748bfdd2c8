#!/usr/bin/env bash
# Quick start 1: installs what is needed, builds, and runs the demo on sample-city/.
# Products land in runs/sample-city/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh"
RTM="$ROOT/build/engine/rtm"
"$RTM" validate "$ROOT/config/sample-city.toml"
"$RTM" run "$ROOT/config/sample-city.toml" --out "$ROOT/runs/sample-city"
ls -l "$ROOT/runs/sample-city"
