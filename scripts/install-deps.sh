#!/usr/bin/env bash
# Installs the Debian 12 packages that ruglab's build, tests and demo need.
# As root: apt-get update, then apt-get install of what is missing.
# As another user: prints the exact command to run and exits 1.
# Usage: scripts/install-deps.sh [--check]   (--check: exit 1 if anything is missing, install nothing)
set -euo pipefail

PACKAGES=(
  # build
  gcc make pkg-config
  protobuf-c-compiler libprotobuf-c-dev
  libzmq3-dev libczmq-dev libsodium-dev
  libpq-dev
  libjansson-dev libinih-dev libmicrohttpd-dev
  libcairo2-dev libpango1.0-dev librsvg2-dev libfontconfig-dev
  # database, charts, fonts for the PDF letters
  postgresql-15 postgresql-client-15
  gnuplot-nox fonts-dejavu-core
  # tests
  libcmocka-dev poppler-utils jq valgrind python3 libxml2-utils
  clang libclang-rt-14-dev clang-format
  systemd util-linux procps curl
  # the browser tests: Debian's chromium, driven by playwright-core from npm
  # (make browser-deps installs it into the build directory)
  chromium nodejs
  # make bench: the web pages under 50 concurrent clients
  wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
# npm: Debian's package, unless the installed nodejs already brings its own
# npm (a nodejs package from outside Debian does, and conflicts with it).
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ruglab needs these Debian packages: ${missing[*]}" >&2
  echo "run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
