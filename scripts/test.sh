#!/usr/bin/env bash
# The whole test suite, from a fresh machine: setup, build, every test, and one closing summary line.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "test: building tests"
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting|Linking|Building|Applying)'
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then echo "test: build failed" >&2; exit "$build"; fi

# Many suites start a whole simulated cluster; on a 2-core machine running every suite at once starves them, so
# the run is bounded (PROOF_TEST_WIDTH, default 2 tests at a time). The test bundle is run directly because
# `swift test` cannot pass that option through to Swift Testing.
width=${PROOF_TEST_WIDTH:-2}
bundle="$(swift build --show-bin-path)/gitops-proofPackageTests.xctest"
echo "test: running tests (at most $width at a time)"
"$bundle" --testing-library swift-testing --experimental-maximum-parallelization-width "$width" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Count per-test verdicts, with the terminal colour codes taken out.
plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
passed=$(printf '%s\n' "$plain" | grep -cE '^. Test .* passed after' || true)
failed=$(printf '%s\n' "$plain" | grep -cE '^. Test .* failed after' || true)
echo
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
