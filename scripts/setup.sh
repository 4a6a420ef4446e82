#!/usr/bin/env bash
# Installs everything faasdl builds, tests and runs with, from Debian's archive and npm.
# Idempotent and non-interactive: installs only what is missing, runs `apt-get update` once.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config git
  libgtest-dev libgmock-dev
  libdnnl-dev nlohmann-json3-dev libcpp-httplib-dev libhiredis-dev libssl-dev zlib1g-dev
  libjpeg62-turbo-dev libpng-dev
  dataset-fashion-mnist
  redis-server awscli python3-torch python3-numpy
  zip unzip xz-utils curl
)
# Node.js runs s3rver; a machine may already have it from elsewhere (then Debian's npm package
# would conflict), so it is installed only when the commands are missing.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# s3rver: the S3-compatible server the S3 store tests run against (npm, kept in tools/).
if [ ! -x tools/node_modules/.bin/s3rver ]; then
  echo "setup: installing s3rver (npm)"
  (cd tools && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "setup: all dependencies present"
