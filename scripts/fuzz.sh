#!/usr/bin/env bash
# The fuzz campaign over the scenario and kubeconfig decoders (Fuzz/; figures in docs/reliability-input.md).
# Not part of scripts/test.sh (the test suite runs a 500-input smoke of it).
#
#   scripts/fuzz.sh                 # 1,000,000 inputs, seed 1
#   scripts/fuzz.sh 200000 7        # RUNS SEED
#
# Exit 0 when no input crashed the process or took over 1 s, and peak memory stayed under 200 MB; 1 with the
# offending input in ./fuzz-finding.yaml otherwise. The generator is deterministic: the same seed gives the
# same inputs. FUZZ_CONFIG=release scripts/fuzz.sh uses a release build (a second build of the package).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000000}"
seed="${2:-1}"
config="${FUZZ_CONFIG:-debug}"
swift build -c "$config" --product proof-fuzz >&2
exec "$(swift build -c "$config" --show-bin-path)/proof-fuzz" --corpus Fuzz/corpus --runs "$runs" --seed "$seed"
