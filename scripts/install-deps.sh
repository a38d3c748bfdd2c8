#!/usr/bin/env bash
# Installs every system package rtm needs to build, test and run (Debian 12).
# Idempotent: when everything is already installed it only checks (about a second).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgdal-dev gdal-bin libproj-dev proj-bin libgeos-dev
  libmapnik-dev mapnik-utils fonts-dejavu-core
  libboost-program-options-dev catch2
  libtomlplusplus-dev nlohmann-json3-dev libeigen3-dev libssl-dev libboost-dev
  r-base-core r-cran-glmnet r-cran-mass r-cran-spdep r-cran-spatstat
  poppler-utils chromium nodejs
  postgresql-15 postgresql-15-postgis-3 strace sqlite3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
