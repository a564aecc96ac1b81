#!/usr/bin/env bash
# The end-to-end sequence CI runs, against the embedded simulated cluster or a kind cluster:
#   scripts/e2e.sh --cluster sim|kind [--shards N | --shard I/N] [--workdir DIR] [SCENARIO_FILE_OR_DIR...]
# 1. brings the cluster up: for sim, `proof sim serve` in the background whose Argo CD reads a bare Git
#    repository on disk (the remote the harness pushes to); for kind, scripts/kind/up.sh and a port-forward
#    to the in-cluster Git server;
# 2. clones that remote into a checkout and runs every shard (`proof run --shard I/N --gitops-repo CHECKOUT`),
#    each into its own store;
# 3. merges the shards' stores, verifies every proof against the merged store, prints where they are
#    (with --shard I/N only shard I runs, and its store is left in shards/ for a later `proof merge`: a CI matrix);
# 4. exits with the worst code: a run's (0 held, 1 finding, 2 bad input, 3 could not execute), or 3 when the
#    cluster could not be brought up or the merge/verify failed.
# PROOF names the proof binary (default: the one `swift build` made). Scenarios default to scenarios/.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

cluster=""
shards=2
only=""
workdir=""
scenarios=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cluster) cluster=${2:-}; shift 2 ;;
    --shards) shards=${2:-}; shift 2 ;;
    --shard) only=${2%%/*}; shards=${2##*/}; shift 2 ;;
    --workdir) workdir=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "e2e: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
case "$cluster" in
  sim|kind) ;;
  *) echo "e2e: --cluster must be sim or kind" >&2; exit 2 ;;
esac
case "$shards" in
  ''|*[!0-9]*|0) echo "e2e: --shards must be a positive number, got '$shards'" >&2; exit 2 ;;
esac
case "$only" in
  '') ;;
  *[!0-9]*|0) echo "e2e: --shard must be I/N with 1 <= I <= N" >&2; exit 2 ;;
  *) [ "$only" -le "$shards" ] || { echo "e2e: --shard must be I/N with 1 <= I <= N" >&2; exit 2; } ;;
esac
[ ${#scenarios[@]} -gt 0 ] || scenarios=("$repo/scenarios")
for i in "${!scenarios[@]}"; do
  case "${scenarios[$i]}" in /*) ;; *) scenarios[i]="$PWD/${scenarios[$i]}" ;; esac
done

proof=${PROOF:-}
if [ -z "$proof" ]; then
  proof="$(cd "$repo" && swift build --show-bin-path)/proof"
  [ -x "$proof" ] || (cd "$repo" && swift build --product proof) || exit 3
fi
case "$proof" in /*) ;; *) proof="$PWD/$proof" ;; esac

workdir=${workdir:-$repo/.build/e2e-$cluster}
rm -rf "$workdir"
mkdir -p "$workdir/shards"
cd "$workdir" || exit 3
echo "e2e: cluster $cluster, $shards shard(s), work directory $workdir"

pids=()
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Waits (at most $3 seconds) until file $1 contains the text $2; prints the file and fails otherwise.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "e2e: '$2' did not appear in $1 within $3 s:" >&2
      cat "$1" >&2 2>/dev/null
      return 1
    fi
    sleep 0.2
  done
}

run_args=()
if [ "$cluster" = sim ]; then
  # The remote: a bare repository holding scenarios/platform, which the simulated Argo CD reads and the harness
  # pushes to (what a Git server holds, without the server).
  git init --quiet --bare --initial-branch=main gitops.git || exit 3
  git clone --quiet gitops.git checkout 2>/dev/null || exit 3
  cp -R "$repo/scenarios/platform/." checkout/
  git -C checkout add -A
  git -C checkout -c user.name=e2e -c user.email=e2e@localhost commit --quiet -m "Initial platform" || exit 3
  git -C checkout push --quiet origin HEAD:refs/heads/main || exit 3
  "$proof" sim serve --port 0 --platform "$repo/scenarios/platform" --gitops-repo gitops.git \
    --kubeconfig-out kubeconfig >sim.log 2>&1 &
  pids+=($!)
  wait_for_line sim.log "simulated cluster listening" 120 || exit 3
  echo "e2e: $(grep 'listening' sim.log)"
  # As up.sh does on kind: every Application Synced and Healthy before the first scenario starts.
  "$repo/scripts/ci/wait-apps.sh" "${SIM_TIMEOUT:-180}" --kubeconfig "$workdir/kubeconfig" || exit 3
  # …and logs flowing: Alloy ships once a batch_wait, so Synced and Healthy can come before Loki holds a line.
  "$repo/scripts/ci/wait-logs.sh" "${SIM_TIMEOUT:-180}" baseline-dev/loki-dev:3100 \
    airflow-dev,mlflow-dev,fastapi-dev,triton-dev --kubeconfig "$workdir/kubeconfig" || exit 3
  run_args=(--kubeconfig "$workdir/kubeconfig")
else
  kind_cluster=${KIND_CLUSTER:-gitops-proof}
  "$repo/scripts/kind/up.sh" || exit 3
  port=${GIT_PORT:-18080}
  kubectl --context "kind-$kind_cluster" -n gitops port-forward svc/git-server "$port:80" >port-forward.log 2>&1 &
  pids+=($!)
  wait_for_line port-forward.log "Forwarding from" 60 || exit 3
  git clone --quiet "http://127.0.0.1:$port/platform.git" checkout || exit 3
  run_args=(--context "kind-$kind_cluster")
fi

worst=0
for i in $(seq 1 "$shards"); do
  [ -n "$only" ] && [ "$i" != "$only" ] && continue
  echo "e2e: shard $i/$shards"
  # Every shard writes evidence.sqlite here (the path its proofs name), then it moves aside for the merge.
  "$proof" run "${scenarios[@]}" --shard "$i/$shards" "${run_args[@]}" --gitops-repo "$workdir/checkout" \
    --db evidence.sqlite --out proofs --junit "shards/junit-$i.xml"
  code=$?
  echo "e2e: shard $i/$shards exited $code"
  [ "$code" -gt "$worst" ] && worst=$code
  if [ -f evidence.sqlite ]; then
    for suffix in "" -wal -shm; do
      [ -f "evidence.sqlite$suffix" ] && mv "evidence.sqlite$suffix" "shards/shard-$i.sqlite$suffix"
    done
  fi
done

if [ -n "$only" ]; then
  echo "e2e: shard $only/$shards: store $workdir/shards/shard-$only.sqlite, proofs $workdir/proofs (merge them with the other shards)"
  exit "$worst"
fi
stores=(shards/shard-*.sqlite)
if [ ! -f "${stores[0]}" ]; then
  echo "e2e: no shard left an evidence store" >&2
  exit 3
fi
"$proof" merge "${stores[@]}" --into evidence.sqlite || { echo "e2e: merge failed" >&2; exit 3; }
proofs=(proofs/*/*.md)
if [ ! -f "${proofs[0]}" ]; then
  echo "e2e: no proof was written" >&2
  exit 3
fi
"$proof" verify "${proofs[@]}" --db evidence.sqlite || { echo "e2e: verify failed" >&2; [ "$worst" -lt 3 ] && worst=3; }

echo "e2e: proofs: $workdir/proofs"
echo "e2e: merged store: $workdir/evidence.sqlite (verified)"
echo "e2e: JUnit: $workdir/shards/junit-*.xml"
echo "e2e: worst exit code $worst"
exit "$worst"
