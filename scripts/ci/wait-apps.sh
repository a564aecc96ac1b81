#!/usr/bin/env bash
# Waits until every Argo CD Application is Synced and Healthy, printing progress every 15 s; on timeout prints
# the Applications that are not (with their conditions) and the pods that are not Running, and exits 1.
#   scripts/ci/wait-apps.sh SECONDS [kubectl flags: --context NAME | --kubeconfig FILE]
# Used by scripts/kind/up.sh (kind) and scripts/e2e.sh (the simulated cluster served by `proof sim serve`).
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: wait-apps.sh SECONDS [kubectl flags]" >&2; exit 2; }
timeout=$1
shift
k() { kubectl "$@"; }
table() {
  k "$@" -n argocd get applications.argoproj.io \
    -o custom-columns='NAME:.metadata.name,SYNC:.status.sync.status,HEALTH:.status.health.status,MESSAGE:.status.conditions[*].message' \
    --no-headers 2>/dev/null
}
echo "wait-apps: waiting (at most ${timeout}s) until every Application is Synced and Healthy"
deadline=$((SECONDS + timeout))
last=$SECONDS
while :; do
  rows=$(table "$@" || true)
  total=$(printf '%s\n' "$rows" | grep -c . || true)
  ready=$(printf '%s\n' "$rows" | awk '$2 == "Synced" && $3 == "Healthy"' | grep -c . || true)
  if [ "$total" -gt 0 ] && [ "$ready" -eq "$total" ]; then
    echo "wait-apps: all $total Applications are Synced and Healthy"
    exit 0
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "wait-apps: timed out after ${timeout}s: $ready of $total Applications Synced and Healthy; not ready:" >&2
    printf '%s\n' "$rows" | awk '!($2 == "Synced" && $3 == "Healthy")' >&2
    k "$@" get pods -A --field-selector=status.phase!=Running >&2 || true
    exit 1
  fi
  if [ $((SECONDS - last)) -ge 15 ]; then
    echo "wait-apps: $ready of $total Applications Synced and Healthy ($((deadline - SECONDS))s left)"
    last=$SECONDS
  fi
  sleep 1
done
