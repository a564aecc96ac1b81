#!/usr/bin/env bash
# Installs what gitops-proof needs on a fresh Debian machine, and only what is missing, then builds.
# Idempotent: a second run installs nothing and only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
have_pkg libcurl4-openssl-dev || need+=(libcurl4-openssl-dev)
have_pkg libsqlite3-dev || need+=(libsqlite3-dev)
have_pkg zlib1g-dev || need+=(zlib1g-dev)
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
command -v git >/dev/null 2>&1 || need+=(git)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# Used by the tests: curl (raw HTTP against the simulated cluster), sqlite3 (tampering with evidence in the
# verify tests), python3 (loopback fixture servers for the HTTP client tests).
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v python3 >/dev/null 2>&1 || need+=(python3)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "setup: system packages present (libcurl4-openssl-dev, libsqlite3-dev, kubectl, git, openssl, curl, sqlite3, python3)"
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no 'swift' on PATH; install Swift 6.1 or newer (https://swift.org/install) and run again" >&2
  exit 1
fi

echo "setup: building (a first build takes a few minutes)"
swift build ${SWIFT_BUILD_FLAGS:-} 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting|Linking|Building|Applying)' || true
test "${PIPESTATUS[0]}" -eq 0
echo "setup: done; the binary is $(swift build --show-bin-path)/proof"
