#!/usr/bin/env bash
# Waits until Loki holds at least one recent log line for every given namespace (the platform's Alloy has shipped
# them), printing progress every 15 s; on timeout names the namespaces still without logs and exits 1.
#   scripts/ci/wait-logs.sh SECONDS NAMESPACE/SERVICE:PORT NS[,NS...] [kubectl flags: --context NAME | --kubeconfig FILE]
# e.g. scripts/ci/wait-logs.sh 120 baseline-dev/loki-dev:3100 airflow-dev,mlflow-dev,fastapi-dev,triton-dev --context kind-gitops-proof
# Loki is asked through the API server's service proxy, as the harness asks it. Applications Synced and Healthy
# (scripts/ci/wait-apps.sh) is not yet "logs flow": Alloy ships a batch at most once a batch_wait after a pod
# starts, so a scenario whose start capture checks logs-flow waits for this first. Used by scripts/kind/up.sh and
# scripts/e2e.sh.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: wait-logs.sh SECONDS NAMESPACE/SERVICE:PORT NS[,NS...] [kubectl flags]" >&2; exit 2; }
timeout=$1
loki=$2
IFS=, read -r -a namespaces <<<"$3"
shift 3
case "$loki" in
  */*:*) ;;
  *) echo "wait-logs: '$loki' is not NAMESPACE/SERVICE:PORT" >&2; exit 2 ;;
esac
proxy="/api/v1/namespaces/${loki%%/*}/services/${loki#*/}/proxy"

# Prints the namespaces (of $namespaces) for which Loki holds no line in the last 5 minutes.
missing() {
  local ns query answer
  for ns in "${namespaces[@]}"; do
    # sum(count_over_time({namespace="NS"}[5m])), URL-encoded.
    query="sum%28count_over_time%28%7Bnamespace%3D%22${ns}%22%7D%5B5m%5D%29%29"
    answer=$(kubectl "$@" get --raw "$proxy/loki/api/v1/query?query=$query" 2>/dev/null || true)
    # An instant vector with a positive sample: "value":[<time>,"<count>"] with count ≥ 1.
    printf '%s' "$answer" | grep -Eq '"value": *\[ *[^],]*, *"[1-9]' || printf '%s\n' "$ns"
  done
}

echo "wait-logs: waiting (at most ${timeout}s) until Loki ($loki) holds logs of ${namespaces[*]}"
deadline=$((SECONDS + timeout))
last=$SECONDS
while :; do
  left=$(missing "$@")
  if [ -z "$left" ]; then
    echo "wait-logs: Loki holds logs of all ${#namespaces[@]} namespaces"
    exit 0
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "wait-logs: timed out after ${timeout}s: Loki holds no logs of: $(echo "$left" | tr '\n' ' ')" >&2
    exit 1
  fi
  if [ $((SECONDS - last)) -ge 15 ]; then
    echo "wait-logs: still no logs of: $(echo "$left" | tr '\n' ' ')($((deadline - SECONDS))s left)"
    last=$SECONDS
  fi
  sleep 1
done
