#!/usr/bin/env bash
# Soak test of the simulated cluster's watch machinery (issue 10 §4). Usage: scripts/soak.sh [--seconds N] [--clients N]
#
# Starts `proof sim serve` as a real process, then runs N client processes (default 8) for S seconds (default 60)
# over loopback. Each client loops: open a watch on ConfigMaps (curl, dropped after 50–400 ms, so the server
# sees the client go away mid-stream), PATCH its own ConfigMap (so events flow while watches open and close),
# and every few rounds a watch with a label selector and one that is read to its end (timeoutSeconds=1).
# Afterwards every API call in a fixed set must answer within 1 s, and SIGTERM must stop the server within 10 s.
# Prints the figures docs/sim.md quotes; exit 0 when all held, 1 otherwise.
#
# PROOF=/path/to/proof skips the release build (e.g. PROOF=.build/debug/proof).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60; clients=8
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    *) echo "unknown option $1 (usage: scripts/soak.sh [--seconds N] [--clients N])" >&2; exit 2 ;;
  esac
done

# shellcheck disable=SC1091  # scripts/bench-sim.sh, next to this script
source scripts/bench-sim.sh
[[ -n "${PROOF:-}" ]] || bench_proof ""
work="$(mktemp -d)"; sim_pid=""; client_pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  for pid in "${client_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$sim_pid" ]]; then kill -9 "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2086  # SOAK_PLATFORM holds flags (e.g. "--platform none"): split on purpose
"$PROOF" sim serve ${SOAK_PLATFORM:-} --kubeconfig-out "$work/kubeconfig" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 300); do grep -q '^kubeconfig:' "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
grep -q '^kubeconfig:' "$work/sim.log" || { cat "$work/sim.log"; echo "soak: the simulated cluster did not start" >&2; exit 1; }

# Server URL, CA and token from the kubeconfig the server wrote (the token goes to curl through a file).
server=$(awk '/server:/ {print $2; exit}' "$work/kubeconfig")
awk '/certificate-authority-data:/ {print $2; exit}' "$work/kubeconfig" | base64 -d >"$work/ca.pem"
printf 'Authorization: Bearer %s\n' "$(awk '/token:/ {print $2; exit}' "$work/kubeconfig")" >"$work/auth"
chmod 600 "$work/auth"
api() { curl -sS --cacert "$work/ca.pem" -H "@$work/auth" "$@"; }
ns=/api/v1/namespaces/default/configmaps

client() {
  local id=$1 end=$2 round=0 stats="$work/client-$1"
  local watches=0 patches=0 failures=0
  api -o /dev/null -X POST -H 'Content-Type: application/json' "$server$ns" \
    --data-binary "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"soak-$id\",\"labels\":{\"soak\":\"c$id\"}},\"data\":{\"n\":\"0\"}}" || true
  while (( $(date +%s) < end )); do
    round=$((round + 1))
    # A watch dropped mid-stream by the client.
    api -o /dev/null --max-time "0.$(( RANDOM % 4 + 1 ))" "$server$ns?watch=1&allowWatchBookmarks=true" 2>/dev/null || true
    watches=$((watches + 1))
    if (( round % 3 == 0 )); then
      api -o /dev/null --max-time 0.2 "$server$ns?watch=1&labelSelector=soak%3Dc$id" 2>/dev/null || true
      watches=$((watches + 1))
    fi
    if (( round % 5 == 0 )); then
      api -o /dev/null --max-time 5 "$server$ns?watch=1&timeoutSeconds=1" || failures=$((failures + 1))
      watches=$((watches + 1))
    fi
    code=$(api -o /dev/null -w '%{http_code}' --max-time 5 -X PATCH -H 'Content-Type: application/merge-patch+json' \
      "$server$ns/soak-$id" --data-binary "{\"data\":{\"n\":\"$round\"}}" || echo 000)
    if [[ "$code" == 200 ]]; then patches=$((patches + 1)); else failures=$((failures + 1)); fi
  done
  echo "$watches $patches $failures" >"$stats"
}

start=$(date +%s)
end=$((start + seconds))
for id in $(seq 1 "$clients"); do client "$id" "$end" & client_pids+=($!); done
for pid in "${client_pids[@]}"; do wait "$pid" || true; done
client_pids=()

watches=0; patches=0; failures=0
for id in $(seq 1 "$clients"); do
  read -r w p f <"$work/client-$id" || { w=0; p=0; f=1; }
  watches=$((watches + w)); patches=$((patches + p)); failures=$((failures + f))
done
echo "soak: $clients clients for $seconds s: $watches watches opened, $patches PATCHes, $failures failed client calls"

# Afterwards every API call answers within 1 s.
slow=0
check() {
  local what=$1; shift
  local result
  result=$(api -o /dev/null -w '%{http_code} %{time_total}' --max-time 1 "$@" 2>/dev/null) || result="timeout"
  echo "  $what: $result"
  [[ "$result" =~ ^2[0-9][0-9]\  ]] || slow=$((slow + 1))
}
echo "soak: API calls after the soak (status, seconds; limit 1 s):"
check "GET /version" "$server/version"
check "GET /api/v1" "$server/api/v1"
check "list configmaps" "$server$ns"
check "get configmap" "$server$ns/soak-1"
check "patch configmap" -X PATCH -H 'Content-Type: application/merge-patch+json' "$server$ns/soak-1" --data-binary '{"data":{"after":"soak"}}'
check "create configmap" -X POST -H 'Content-Type: application/json' "$server$ns" --data-binary '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"after-"}}'
check "watch (timeoutSeconds=0)" "$server$ns?watch=1&resourceVersion=0&timeoutSeconds=0"
check "delete configmap" -X DELETE "$server$ns/soak-1"  # client 1's, there whatever --clients is

# SIGTERM stops the server.
kill -TERM "$sim_pid"
stopped=0
for _ in $(seq 1 100); do kill -0 "$sim_pid" 2>/dev/null || { stopped=1; break; }; sleep 0.1; done
if (( stopped )); then echo "soak: SIGTERM stopped the server"; wait "$sim_pid" 2>/dev/null || true; sim_pid=""
else echo "soak: the server did not stop within 10 s of SIGTERM"; fi

if (( slow == 0 && stopped == 1 && failures == 0 )); then echo "soak: PASS"; exit 0; fi
echo "soak: FAIL ($slow slow or failed calls afterwards, $failures failed client calls, stopped=$stopped)"
exit 1
