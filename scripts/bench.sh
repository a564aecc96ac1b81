#!/usr/bin/env bash
# Benchmarks. Usage: scripts/bench.sh capture [--scale N] [--runs N] | scripts/bench.sh replay [--runs N] (scripts/bench-replay.sh)
#
# capture: starts `proof sim serve --scale N` (N=34 gives about 10,000 objects with scenarios/platform), then
# runs `proof capture` and `kubectl get <the same kinds> -A -o json >/dev/null` alternately against the same
# server, prints every timing, the median ratio proof/kubectl and proof's peak RSS (/usr/bin/time -v).
# Target: ratio <= 1.0, peak RSS <= 150 MB. See docs/capture.md.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-}"; shift || true
[[ "$what" == "replay" ]] && exec bash scripts/bench-replay.sh "$@"
[[ "$what" == "capture" ]] || { echo "usage: scripts/bench.sh capture [--scale N] [--runs N]" >&2; exit 2; }
scale=34; runs=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (for peak RSS)"; (sudo -n true 2>/dev/null && SUDO=sudo || SUDO=""; $SUDO apt-get install -y -qq time >/dev/null)
fi
KUBECTL="${KUBECTL:-/usr/bin/kubectl}"
KINDS="namespaces,nodes,persistentvolumes,persistentvolumeclaims,deployments.apps,replicasets.apps,statefulsets.apps,daemonsets.apps,pods,services,ingresses.networking.k8s.io,configmaps,secrets,events,servicemonitors.monitoring.coreos.com,prometheusrules.monitoring.coreos.com,applications.argoproj.io,appprojects.argoproj.io"

swift build -c release --product proof >/dev/null
PROOF="$(swift build -c release --show-bin-path)/proof"
work="$(mktemp -d)"; sim_pid=""
cleanup() { [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$PROOF" sim serve --scale "$scale" --kubeconfig-out "$work/kubeconfig" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 300); do grep -q '^kubeconfig:' "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
grep -q '^kubeconfig:' "$work/sim.log" || { cat "$work/sim.log"; echo "the simulated cluster did not start" >&2; exit 1; }
# Wait until the pods are Running and the object count is stable (controllers settled).
previous=-1
for _ in $(seq 1 120); do
  count=$("$KUBECTL" --kubeconfig "$work/kubeconfig" get "$KINDS" -A -o name 2>/dev/null | wc -l)
  pending=$("$KUBECTL" --kubeconfig "$work/kubeconfig" get pods -A --no-headers 2>/dev/null | grep -vc ' Running ' || true)
  [[ "$count" == "$previous" && "$pending" == 0 ]] && break
  previous=$count; sleep 2
done
echo "simulated cluster at --scale $scale: $count objects in the capture kinds"

now() { date +%s.%N; }
proof_times=(); kubectl_times=(); peak=0
for i in $(seq 1 "$runs"); do
  start=$(now)
  /usr/bin/time -v -o "$work/time.$i" "$PROOF" capture --kubeconfig "$work/kubeconfig" --db "$work/evidence.sqlite" \
    --out "$work/captures" --label "bench-$i" >"$work/capture.$i.log"
  t_proof=$(echo "$(now) - $start" | bc)
  start=$(now)
  "$KUBECTL" --kubeconfig "$work/kubeconfig" get "$KINDS" -A -o json >/dev/null
  t_kubectl=$(echo "$(now) - $start" | bc)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.$i")
  (( rss > peak )) && peak=$rss
  proof_times+=("$t_proof"); kubectl_times+=("$t_kubectl")
  printf 'run %d: proof capture %.3f s (%s; peak RSS %d MB)   kubectl get -o json %.3f s\n' "$i" "$t_proof" \
    "$(head -1 "$work/capture.$i.log" | sed 's/ in [0-9.]* s$//')" $((rss / 1024)) "$t_kubectl"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mp=$(median "${proof_times[@]}"); mk=$(median "${kubectl_times[@]}")
printf 'median: proof capture %.3f s, kubectl %.3f s, ratio proof/kubectl %.2f (target <= 1.0)\n' "$mp" "$mk" "$(echo "$mp / $mk" | bc -l)"
printf 'peak RSS of proof capture: %d MB (target <= 150 MB)\n' $((peak / 1024))
