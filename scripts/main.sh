#!/usr/bin/env bash
# The main job: set up, then run a platform scenario against the embedded simulated cluster (started for the
# run; no cluster or Docker needed) and write a real proof under docs/proof/.
#   scripts/main.sh                               # scenarios/optional-toggle.yaml
#   scripts/main.sh scenarios/deploy.yaml         # any scenario file or directory
#   scripts/main.sh scenarios/ --junit junit.xml  # extra arguments go to `proof run`
# Exit codes are proof run's: 0 every invariant held, 1 a finding, 2 bad input, 3 could not execute.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin="$(swift build --show-bin-path)/proof"

target=${1:-scenarios/optional-toggle.yaml}
[ $# -gt 0 ] && shift
echo "main: $bin run $target $*"
exec "$bin" run "$target" "$@"
