#!/usr/bin/env bash
# A tour of the simulated cluster with kubectl: set up, start it, work against it with kubectl,
# and say how to point your own kubectl at it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin="$(swift build --show-bin-path)/proof"

workdir=$(mktemp -d)
kubeconfig="$workdir/kubeconfig"
"$bin" sim serve --port 0 --kubeconfig-out "$kubeconfig" >"$workdir/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do [ -s "$kubeconfig" ] && break; sleep 0.1; done
[ -s "$kubeconfig" ] || { echo "main: the simulated cluster did not start:" >&2; cat "$workdir/sim.log" >&2; exit 3; }
export KUBECONFIG="$kubeconfig"

echo "== the simulated cluster ($(kubectl config view -o jsonpath='{.clusters[0].cluster.server}'))"
kubectl get nodes
echo; echo "== namespaces"; kubectl get ns
echo; echo "== waiting for every platform pod to be Ready"
kubectl wait --for=condition=Ready pods --all -A --timeout=60s >/dev/null && echo "all pods Ready"
kubectl get pods -A
echo; echo "== a pod restart: delete one FastAPI pod and watch its replacement"
pod=$(kubectl get pods -n fastapi-dev -o jsonpath='{.items[0].metadata.name}')
kubectl delete pod -n fastapi-dev "$pod"
kubectl wait --for=condition=Ready pods --all -n fastapi-dev --timeout=30s
kubectl get pods -n fastapi-dev
cat <<EON

To work against it yourself, run in another shell:
  $bin sim serve --port 0 --kubeconfig-out /tmp/proof-sim.kubeconfig
  export KUBECONFIG=/tmp/proof-sim.kubeconfig
EON
