#!/usr/bin/env bash
# Benchmark of a capture inside a scenario run when nothing changed since the last one (called as
# `scripts/bench.sh incapture [--scale N] [--runs N] [--no-loki] [--debug]`).
#
# Starts `proof sim serve --scale N` (default 34: about 10,000 objects), waits until it has settled, then in the
# same invocation, alternately, --runs times: a cold `proof capture` into a new store, and `proof run` of a
# generated scenario whose steps are `capture`, `sleep 1500ms`, … (5 captures; the run's own `start` capture
# lists every kind and seeds the run's capture cache, the later ones take each kind from the cache once it
# has caught up with the cluster, see docs/capture.md). Each capture's own time comes from the commands'
# output ("captured … in X s", "(captured in X s)"). --no-loki: the run's captures ask Loki nothing (at scale 34
# the simulated Loki's six default queries take about 0.9 s, a floor under every capture; compare with the
# run's own start capture then, which is cold and asks nothing either). Prints the medians, the ratio in-run capture / cold
# capture (target <= 10 %) and the load (`uptime`).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=34; runs=3; debug=""; loki=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --debug) debug=1; shift ;;
    --no-loki) loki=""; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck disable=SC1091  # scripts/bench-sim.sh, next to this script
source scripts/bench-sim.sh
bench_proof "$debug"
KUBECTL="${KUBECTL:-/usr/bin/kubectl}"
work="$(mktemp -d)"
sim_pid=""
cleanup() { [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bench_sim "$work" --scale "$scale"
sim_pid=$SIM_PID
# Settled: every pod Running and the number of objects unchanged between two looks.
previous=-1
for _ in $(seq 1 120); do
  count=$("$KUBECTL" --kubeconfig "$work/kubeconfig" get pods,deployments,replicasets,events -A -o name 2>/dev/null | wc -l)
  pending=$("$KUBECTL" --kubeconfig "$work/kubeconfig" get pods -A --no-headers 2>/dev/null | grep -vc ' Running ' || true)
  [[ "$count" == "$previous" && "$pending" == 0 ]] && break
  previous=$count; sleep 2
done

{
  echo "apiVersion: proof.gitops/v1alpha1"
  echo "kind: Scenario"
  echo "metadata: {name: incapture, description: Captures an unchanged cluster five times in one run.}"
  echo "spec:"
  echo "  environment: dev"
  [[ -n "$loki" ]] || echo "  capture: {loki: [{environment: dev, defaults: false}]}"
  echo "  steps:"
  for i in 1 2 3 4 5; do echo "    - sleep: {duration: 1500ms}"; echo "    - capture: {label: again-$i}"; done
} >"$work/incapture.yaml"

cold=(); start=(); cached=()
for r in $(seq 1 "$runs"); do
  rm -f "$work"/cold.sqlite*
  "$PROOF" capture --kubeconfig "$work/kubeconfig" --db "$work/cold.sqlite" --out "$work/captures" --label "cold-$r" >"$work/cold.$r.log"
  t=$(sed -n 's/^captured .* in \([0-9.]*\) s$/\1/p' "$work/cold.$r.log" | head -1)
  cold+=("$t")
  rm -f "$work"/run.sqlite*
  "$PROOF" run "$work/incapture.yaml" --kubeconfig "$work/kubeconfig" --db "$work/run.sqlite" --out "$work/proofs" >"$work/run.$r.log" 2>&1 || {
    cat "$work/run.$r.log"; echo "proof run failed" >&2; exit 1; }
  s=$(sed -n 's/^  capture start: .*(captured in \([0-9.]*\) s, .*$/\1/p' "$work/run.$r.log")
  start+=("$s")
  mapfile -t again < <(sed -n 's/^  capture again-[0-9]*: .*(captured in \([0-9.]*\) s, .*$/\1/p' "$work/run.$r.log")
  grep '^  capture ' "$work/run.$r.log" | sed 's/^/    /' 
  cached+=("${again[@]}")
  echo "run $r: cold proof capture $t s; in the run: start capture $s s, then ${again[*]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mc=$(median "${cold[@]}"); ms=$(median "${start[@]}"); mr=$(median "${cached[@]}")
echo "objects: $(grep -o 'captured [0-9]* objects' "$work/cold.1.log" | head -1)"
printf 'median: cold proof capture %.3f s; in a run: start capture %.3f s, a capture with nothing changed since the last %.3f s\n' "$mc" "$ms" "$mr"
printf 'ratio in-run capture (nothing changed) / cold capture: %.1f %% (target <= 10 %%); / the run'"'"'s own start capture: %.1f %%\n' \
  "$(echo "100 * $mr / $mc" | bc -l)" "$(echo "100 * $mr / $ms" | bc -l)"
echo "load: $(uptime)"
