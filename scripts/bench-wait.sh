#!/usr/bin/env bash
# Benchmark of the wait step's notice latency (called as `scripts/bench.sh wait [--changes N] [--platform DIR|none] [--debug]`).
#
# Starts `proof sim serve` (the platform by default), then `proof wait-latency` (hidden; the wait step's real
# ObjectWaiter over HTTP: for N = 1, 2, … it lists and watches the ConfigMap default/proof-wait-latency until
# data.seq is N, and prints when it noticed) and, for reference, `kubectl get -w` on the same ConfigMap with
# every line time-stamped as it arrives. Another client, curl, then sets data.seq to 1 … N with a merge PATCH,
# one change every 0.2 s. A change's send time is when curl exited (bash's $EPOCHREALTIME) minus its
# time_total plus its time_pretransfer (when the request started going out). Prints the harness's and kubectl's notice
# latency median and p95 (target: harness median <= 5 ms) and the load (`uptime`). See docs/capture.md.
set -euo pipefail
cd "$(dirname "$0")/.."
changes=50; platform="scenarios/platform"; debug=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --changes) changes="$2"; shift 2 ;;
    --platform) platform="$2"; shift 2 ;;
    --debug) debug=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck disable=SC1091  # scripts/bench-sim.sh, next to this script
source scripts/bench-sim.sh
bench_proof "$debug"
KUBECTL="${KUBECTL:-/usr/bin/kubectl}"
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bench_sim "$work" --platform "$platform"
pids+=("$SIM_PID")
server=$("$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.clusters[0].cluster.server}')
token=$("$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.users[0].user.token}')
"$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.pem"

"$PROOF" wait-latency --kubeconfig "$work/kubeconfig" --changes "$changes" >"$work/harness.out" 2>"$work/harness.err" &
harness=$!
pids+=("$harness")
for _ in $(seq 1 300); do grep -q '^ready' "$work/harness.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' "$work/harness.out" || { cat "$work/harness.err"; echo "proof wait-latency did not start" >&2; exit 1; }
# kubectl's watch, each line stamped when it arrives (bash's $EPOCHREALTIME: no process per line).
"$KUBECTL" --kubeconfig "$work/kubeconfig" get configmap proof-wait-latency -n default -w -o jsonpath='{.data.seq}{"\n"}' |
  while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done >"$work/kubectl.out" &
pids+=($!)
for _ in $(seq 1 300); do [[ -s "$work/kubectl.out" ]] && break; sleep 0.1; done
sleep 1
: >"$work/sends"
for i in $(seq 1 "$changes"); do
  curl -s -o /dev/null -w "$i %{time_total} %{time_pretransfer}" --cacert "$work/ca.pem" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/merge-patch+json' -X PATCH --data "{\"data\":{\"seq\":\"$i\"}}" \
    "$server/api/v1/namespaces/default/configmaps/proof-wait-latency" >>"$work/sends"
  # The wall clock right after curl exited (bash's $EPOCHREALTIME, no subshell).
  echo " $EPOCHREALTIME" >>"$work/sends"
  sleep 0.2
done
wait "$harness" || { cat "$work/harness.err"; echo "proof wait-latency failed" >&2; exit 1; }
sleep 0.5
python3 - "$work" "$changes" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
sent = {}
for line in open(f"{work}/sends"):
    i, total, pretransfer, ended = line.split()
    # When the request started going out: curl's exit on the wall clock, minus its total time, plus its
    # time to pre-transfer. curl's exit is reaped a little after it happened, so the send time is, if
    # anything, a little late and the latencies a little understated (well under a millisecond).
    sent[i] = float(ended) - float(total) + float(pretransfer)
harness = {}
for line in open(f"{work}/harness.out"):
    parts = line.split()
    if parts and parts[0] == "noticed": harness[parts[1]] = float(parts[2])
kubectl = {}
for line in open(f"{work}/kubectl.out"):
    parts = line.split()
    if len(parts) == 2 and parts[1] not in kubectl: kubectl[parts[1]] = float(parts[0])
def stats(seen):
    lat = sorted((seen[i] - sent[i]) * 1000 for i in sent if i in seen)
    if not lat: return "no changes seen"
    median = lat[len(lat) // 2] if len(lat) % 2 else (lat[len(lat) // 2 - 1] + lat[len(lat) // 2]) / 2
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    return f"median {median:.2f} ms, p95 {p95:.2f} ms, max {lat[-1]:.2f} ms ({len(lat)}/{n} changes)"
print(f"wait: {n} changes made by curl (merge PATCH of a ConfigMap), noticed by")
print(f"  the harness's wait step (ObjectWaiter, list + watch per wait): {stats(harness)} (target median <= 5 ms)")
print(f"  kubectl get -w (reference):                                   {stats(kubectl)}")
PY
echo "load: $(uptime)"
