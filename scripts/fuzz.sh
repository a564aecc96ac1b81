#!/usr/bin/env bash
# The fuzz campaign over the scenario and kubeconfig decoders (Fuzz/; figures in docs/reliability.md).
# Not part of scripts/test.sh (the test suite runs a 500-input smoke of it).
#
#   scripts/fuzz.sh                      # 1,000,000 inputs, seed 1, one worker
#   scripts/fuzz.sh 200000 7             # RUNS SEED
#   FUZZ_WORKERS=3 scripts/fuzz.sh       # RUNS split over 3 workers, seeds SEED, SEED+1, SEED+2
#
# Exit 0 when no input crashed its worker or took over 1 s of CPU, and every worker's peak memory stayed under
# 200 MB; 1 otherwise (a worker over a limit writes the input to ./fuzz-finding.yaml). The generator is
# deterministic: the same seed gives the same inputs. FUZZ_CONFIG=release uses a release build (a second build
# of the package).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000000}"
seed="${2:-1}"
workers="${FUZZ_WORKERS:-1}"
config="${FUZZ_CONFIG:-debug}"
swift build -c "$config" --product proof-fuzz >&2
binary="$(swift build -c "$config" --show-bin-path)/proof-fuzz"
per=$(( (runs + workers - 1) / workers ))
pids=()
for ((i = 0; i < workers; i++)); do
  "$binary" --corpus Fuzz/corpus --runs "$per" --seed $((seed + i)) &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"
