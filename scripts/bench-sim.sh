# shellcheck shell=bash
# Shared by the bench scripts and scripts/soak.sh (sourced, not run):
#   bench_proof DEBUG     sets PROOF: the release build, static Swift runtime (built first), or with DEBUG non-empty $PROOF or .build/debug/proof
#   bench_sim WORK ARGS…  starts `$PROOF sim serve ARGS` in the background with its kubeconfig in WORK/kubeconfig
#                         and its output in WORK/sim.log, sets SIM_PID, and returns once it serves (exit 1 otherwise)
bench_proof() {
  if [[ -n "${1:-}" ]]; then
    PROOF="${PROOF:-.build/debug/proof}"
  else
    # The release build as the kind path (.github/workflows/e2e.yml) and the Docker image ship it: the Swift
    # runtime and Foundation linked in.
    swift build -c release --product proof --static-swift-stdlib >/dev/null
    PROOF="$(swift build -c release --show-bin-path)/proof"
  fi
}

bench_sim() {
  local work="$1"; shift
  "$PROOF" sim serve "$@" --kubeconfig-out "$work/kubeconfig" >"$work/sim.log" 2>&1 &
  export SIM_PID=$!
  for _ in $(seq 1 300); do grep -q '^kubeconfig:' "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
  grep -q '^kubeconfig:' "$work/sim.log" || { cat "$work/sim.log"; echo "the simulated cluster did not start" >&2; exit 1; }
}
