#!/usr/bin/env bash
# Benchmarks. Usage: scripts/bench.sh capture [--scale N] [--runs N] | scripts/bench.sh replay [--runs N] (scripts/bench-replay.sh)
# | scripts/bench.sh wait [--changes N] (scripts/bench-wait.sh) | scripts/bench.sh incapture [--scale N] [--runs N] (scripts/bench-incapture.sh)
#
# capture: starts `proof sim serve --scale N` (N=34 gives about 10,000 objects, N=150 about 41,000, with
# scenarios/platform), then, in the same invocation against the same server and alternately: a cold
# `proof capture` into a new store, the floor (curl --parallel fetching the same lists to /dev/null) and
# `kubectl get <the same kinds> -A -o json >/dev/null`. `--gap S` idles S seconds before the re-capture. Prints every timing, the medians, the ratios
# proof/floor (target <= 2.0) and proof/kubectl, proof's peak RSS (/usr/bin/time -v; target <= 100 MB), the
# store's bytes after one capture / the raw JSON listed (target <= 1.0) and what a second capture of the
# unchanged cluster adds (target <= 2 %), broken down by table and index, with the kinds of the new bodies (the
# cluster's own churn), and the same for the kinds without churn. `--pin` runs the simulated cluster on CPU 0 and
# every client (proof, curl, kubectl) on CPU 1, as a cluster whose API server has CPUs of its own would be: a
# second view of the same figures, not the targets' (those share every core). `--link MS:MBIT` puts a modelled
# network link between every client and the cluster (scripts/netlink.py: MS one way, MBIT shared downlink), as
# for a cluster on another machine: a view of what paging costs over a network, not the targets'. See docs/capture.md.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-}"; shift || true
[[ "$what" == "replay" ]] && exec bash scripts/bench-replay.sh "$@"
# The wait step's notice latency and the in-run capture figure (scripts/bench-wait.sh, scripts/bench-incapture.sh).
[[ "$what" == "wait" ]] && exec bash scripts/bench-wait.sh "$@"
[[ "$what" == "incapture" ]] && exec bash scripts/bench-incapture.sh "$@"
[[ "$what" == "capture" ]] || { echo "usage: scripts/bench.sh capture [--scale N] [--runs N] [--keep DIR] [--gap SECONDS] [--pin] [--link MS:MBIT] | wait | incapture | replay (see docs/capture.md)" >&2; exit 2; }
scale=34; runs=5; keep=""; gap=0; server_cpu=(); client_cpu=(); link=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --gap) gap="$2"; shift 2 ;;
    --pin) server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); shift ;;
    --link) link="$2"; [[ "$link" =~ ^[0-9.]+:[0-9.]+$ ]] || { echo "--link takes DELAY_MS:MBIT, such as 10:200" >&2; exit 2; }; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (for peak RSS)"; (sudo -n true 2>/dev/null && SUDO=sudo || SUDO=""; $SUDO apt-get install -y -qq time >/dev/null)
fi
KUBECTL="${KUBECTL:-/usr/bin/kubectl}"
KINDS="namespaces,nodes,persistentvolumes,persistentvolumeclaims,deployments.apps,replicasets.apps,statefulsets.apps,daemonsets.apps,pods,services,ingresses.networking.k8s.io,configmaps,secrets,events,servicemonitors.monitoring.coreos.com,prometheusrules.monitoring.coreos.com,applications.argoproj.io,appprojects.argoproj.io"

# shellcheck disable=SC1091  # scripts/bench-sim.sh, next to this script
source scripts/bench-sim.sh
bench_proof ""
if [[ -n "$keep" ]]; then mkdir -p "$keep"; work="$(cd "$keep" && pwd)"; else work="$(mktemp -d)"; fi
sim_pid=""; link_pid=""
cleanup() {
  [[ -n "$link_pid" ]] && kill "$link_pid" 2>/dev/null
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; [[ -n "$keep" ]] || rm -rf "$work"
}
trap cleanup EXIT

"${server_cpu[@]}" "$PROOF" sim serve --scale "$scale" --kubeconfig-out "$work/kubeconfig" >"$work/sim.log" 2>&1 &
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
if [[ -n "$link" ]]; then
  # Every client from here on reaches the cluster through the modelled link (the kubeconfig's server rewritten).
  direct=$("$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.clusters[0].cluster.server}')
  python3 scripts/netlink.py "${direct##*:}" "${link%%:*}" "${link##*:}" >"$work/link.log" 2>&1 &
  link_pid=$!
  for _ in $(seq 1 100); do grep -q '^PORT ' "$work/link.log" 2>/dev/null && break; sleep 0.1; done
  link_port=$(sed -n 's/^PORT //p' "$work/link.log")
  [[ -n "$link_port" ]] || { cat "$work/link.log"; echo "the link relay did not start" >&2; exit 1; }
  cp "$work/kubeconfig" "$work/kubeconfig.direct"
  sed -i "s#server: $direct#server: https://127.0.0.1:$link_port#" "$work/kubeconfig"
  grep -q "127.0.0.1:$link_port" "$work/kubeconfig" || { echo "bench: cannot point the kubeconfig at the link relay" >&2; exit 1; }
  echo "every client reaches the cluster over a modelled link: ${link%%:*} ms one way, ${link##*:} Mbit/s shared downlink (scripts/netlink.py)"
fi

now() { date +%s.%N; }
# CPU seconds (user + system) the simulated cluster has used so far, from /proc (fields after the command name).
server_cpu_seconds() { sed 's/^.*) //' "/proc/$sim_pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($12 + $13) / hz}'; }
divide() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}'; }
# The floor: curl fetching the same lists in parallel (one request per kind, as kubectl and proof page them
# with limit=500), bytes to /dev/null. Paths come from kubectl's own discovery.
server=$("$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.clusters[0].cluster.server}')
token=$("$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.users[0].user.token}')
"$KUBECTL" --kubeconfig "$work/kubeconfig" config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.pem"
: >"$work/urls"
IFS=',' read -ra kind_list <<<"$KINDS"
for k in "${kind_list[@]}"; do
  # The list call is the GET with `limit=` (kubectl's paging); the GETs before it may be discovery (/api, /apis).
  path=$("$KUBECTL" --kubeconfig "$work/kubeconfig" get "$k" -A -v=6 --request-timeout=10s -o name 2>&1 >/dev/null | sed -n 's/.*GET https:\/\/[^/]*\(\/[^?]*\)?limit=.*/\1/p' | head -1)
  [[ -n "$path" ]] || { echo "bench: cannot find the list path of $k in kubectl's requests" >&2; exit 1; }
  printf 'url = "%s"\noutput = "/dev/null"\n' "$server$path" >>"$work/urls"
done
floor() {
  "${client_cpu[@]}" curl -s --no-progress-meter --parallel --parallel-max 18 --cacert "$work/ca.pem" -H "Authorization: Bearer $token" -K "$work/urls"
}
# The Loki floor: the capture also asks the platform's Loki (through the API server's service proxy) its
# readiness and one count_over_time per Alloy namespace, concurrently with the listing, and cannot finish before
# they answer: the same 6 requests with curl --parallel. (pipeline: capture wall is bounded by max of both floors.)
loki_base="$server/api/v1/namespaces/baseline-dev/services/loki-dev:3100/proxy"
: >"$work/loki-urls"
printf 'url = "%s/ready"\noutput = "/dev/null"\n' "$loki_base" >>"$work/loki-urls"
for ns in airflow-dev mlflow-dev fastapi-dev triton-dev feature-store-dev; do
  q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "sum(count_over_time({namespace=\"$ns\"}[300s]))")
  printf 'url = "%s/loki/api/v1/query?query=%s"\noutput = "/dev/null"\n' "$loki_base" "$q" >>"$work/loki-urls"
done
loki_floor() {
  "${client_cpu[@]}" curl -s --no-progress-meter --parallel --parallel-max 6 --cacert "$work/ca.pem" -H "Authorization: Bearer $token" -K "$work/loki-urls"
}
raw=$(grep '^url' "$work/urls" | sed 's/^url = "\(.*\)"$/\1/' | while read -r u; do
  curl -s --cacert "$work/ca.pem" -H "Authorization: Bearer $token" "$u" | wc -c; done | awk '{s+=$1} END {print s}')
echo "raw JSON listed: $raw bytes in $(grep -c '^url' "$work/urls") lists"

proof_times=(); kubectl_times=(); floor_times=(); loki_times=(); run_ratios=(); peak=0
proof_cpus=(); server_cpus=(); floor_server_cpus=(); cpu_ratios=()
for i in $(seq 1 "$runs"); do
  rm -f "$work/evidence.sqlite" "$work/evidence.sqlite-wal" "$work/evidence.sqlite-shm"
  server_before=$(server_cpu_seconds)
  start=$(now)
  "${client_cpu[@]}" /usr/bin/time -v -o "$work/time.$i" "$PROOF" capture --kubeconfig "$work/kubeconfig" --db "$work/evidence.sqlite" \
    --out "$work/captures" --label "bench-$i" >"$work/capture.$i.log"
  t_proof=$(echo "$(now) - $start" | bc)
  server_after=$(server_cpu_seconds)
  start=$(now); floor; t_floor=$(echo "$(now) - $start" | bc)
  floor_server=$(echo "$(server_cpu_seconds) - $server_after" | bc)
  # The capture's own CPU (user + system) and the cluster's while it ran, and the cluster's during the floor.
  proof_cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$work/time.$i")
  server_cpu_used=$(echo "$server_after - $server_before" | bc)
  proof_cpus+=("$proof_cpu"); server_cpus+=("$server_cpu_used"); floor_server_cpus+=("$floor_server")
  cpu_ratios+=("$(divide "$proof_cpu" "$server_cpu_used")")
  start=$(now); loki_floor; t_loki=$(echo "$(now) - $start" | bc); loki_times+=("$t_loki")
  start=$(now)
  "${client_cpu[@]}" "$KUBECTL" --kubeconfig "$work/kubeconfig" get "$KINDS" -A -o json >/dev/null
  t_kubectl=$(echo "$(now) - $start" | bc)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.$i")
  (( rss > peak )) && peak=$rss
  proof_times+=("$t_proof"); kubectl_times+=("$t_kubectl"); floor_times+=("$t_floor")
  run_ratios+=("$(echo "$t_proof / $t_floor" | bc -l)")
  printf 'run %d: proof capture %.3f s (%s; peak RSS %d MB)   curl floor %.3f s   Loki floor %.3f s   kubectl get -o json %.3f s\n' "$i" "$t_proof" \
    "$(head -1 "$work/capture.$i.log" | sed 's/ in [0-9.]* s$//')" $((rss / 1024)) "$t_floor" "$t_loki" "$t_kubectl"
  printf '       CPU: proof %.2f s and the cluster %.2f s during the capture; the cluster %.2f s during the floor\n' \
    "$proof_cpu" "$server_cpu_used" "$floor_server"
done
# Store size after one capture (checkpointed, so the WAL is in the file), then a second capture of the
# unchanged cluster into the same store: what it adds.
sqlite3 "$work/evidence.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
first=$(stat -c %s "$work/evidence.sqlite")
# Bytes per table and index (dbstat) and the last body's rowid, to break down what the re-capture adds.
tables() { sqlite3 "$1" "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name UNION ALL SELECT '(free pages)', freelist_count * page_size FROM pragma_freelist_count, pragma_page_size" | sort; }
tables "$work/evidence.sqlite" >"$work/tables.before"
last_body=$(sqlite3 "$work/evidence.sqlite" 'SELECT COALESCE(MAX(rowid), 0) FROM objects')
# --gap: let the cluster idle that long before the re-capture (its heartbeats and events then show as churn).
sleep "$gap"
"$PROOF" capture --kubeconfig "$work/kubeconfig" --db "$work/evidence.sqlite" --out "$work/captures" --label again >"$work/again.log"
wal=$(stat -c %s "$work/evidence.sqlite-wal" 2>/dev/null || echo 0)
sqlite3 "$work/evidence.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
second=$(stat -c %s "$work/evidence.sqlite")
tables "$work/evidence.sqlite" >"$work/tables.after"
# The kinds of the bodies the re-capture added (the cluster's own churn): bodies are text, LZ4 frames or (stores
# from before schema 5) zlib streams (BodyCodec); `lz4 -dc` reads a frame.
churn=$(python3 - "$work/evidence.sqlite" "$last_body" <<'PY'
import collections, json, sqlite3, subprocess, sys, zlib
db = sqlite3.connect(sys.argv[1])
kinds = collections.Counter()
def text(body):
    if not isinstance(body, bytes): return body
    if body[:4] == bytes([0x04, 0x22, 0x4D, 0x18]): return subprocess.run(["lz4", "-dc"], input=body, capture_output=True, check=True).stdout
    return zlib.decompress(body)
for (body,) in db.execute("SELECT body FROM objects WHERE rowid > ?", (int(sys.argv[2]),)):
    kinds[json.loads(text(body))["kind"]] += 1
print(", ".join(f"{kind} {n}" for kind, n in kinds.most_common()) or "none")
PY
)
# The same two captures of the kinds the embedded cluster does not keep changing (no status heartbeats,
# reconciledAt, new Events), into their own store.
stable="${KINDS//nodes,/}"; stable="${stable//pods,/}"; stable="${stable//events,/}"; stable="${stable//,applications.argoproj.io/}"
for label in stable-1 stable-2; do
  "$PROOF" capture --kubeconfig "$work/kubeconfig" --db "$work/stable.sqlite" --out "$work/captures" --kinds "$stable" --label "$label" >"$work/$label.log"
  sqlite3 "$work/stable.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  [[ "$label" == stable-1 ]] && stable_first=$(stat -c %s "$work/stable.sqlite")
done
stable_second=$(stat -c %s "$work/stable.sqlite")
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mp=$(median "${proof_times[@]}"); mk=$(median "${kubectl_times[@]}"); mf=$(median "${floor_times[@]}")
printf 'median: proof capture %.3f s, curl floor %.3f s, kubectl %.3f s\n' "$mp" "$mf" "$mk"
printf 'ratio proof/curl floor %.2f (target <= 2.0); ratio proof/kubectl %.2f\n' "$(echo "$mp / $mf" | bc -l)" "$(echo "$mp / $mk" | bc -l)"
# The same ratio taken per run (each capture over the floor measured right after it, so both saw the machine in
# the same state), and the median of those: steadier than the ratio of medians on a shared, noisy machine.
printf 'per run, proof/curl floor: %s; median %.2f\n' "$(printf '%.2f ' "${run_ratios[@]}" | sed 's/ $//')" "$(median "${run_ratios[@]}")"
# Where the ratio comes from when the cluster and the capture share the cores (no --pin): the capture's wall is
# about the CPU both spend divided by the cores, the floor's about the cluster's alone, so the ratio is about
# 1 + (the capture's CPU / the cluster's). docs/capture.md, session 13.
printf 'CPU (medians): proof %.2f s and the cluster %.2f s during a capture, the cluster %.2f s during the floor; proof/cluster per run %s, median %.2f\n' \
  "$(median "${proof_cpus[@]}")" "$(median "${server_cpus[@]}")" "$(median "${floor_server_cpus[@]}")" \
  "$(printf '%.2f ' "${cpu_ratios[@]}" | sed 's/ $//')" "$(median "${cpu_ratios[@]}")"
ml=$(median "${loki_times[@]}")
printf 'Loki floor (the capture'"'"'s 6 Loki requests, curl --parallel) median %.3f s; ratio proof/max(curl floor, Loki floor) %.2f\n' "$ml" \
  "$(awk -v p="$mp" -v f="$mf" -v l="$ml" 'BEGIN { print p / (f > l ? f : l) }')"
printf 'peak RSS of proof capture: %d MB (target <= 100 MB)\n' $((peak / 1024))
printf 'store after one capture: %d bytes = %.2f x the raw JSON listed (target <= 1.0)\n' "$first" "$(echo "$first / $raw" | bc -l)"
printf 're-capture of the unchanged cluster added %d bytes = %.1f %% of the first capture (target <= 2 %%); %s\n' \
  "$((second - first))" "$(echo "100 * ($second - $first) / $first" | bc -l)" "$(head -1 "$work/again.log")"
echo "  by table and index (bytes added; WAL before the checkpoint: $wal bytes):"
join -a 2 -e 0 -o 0,1.2,2.2 -t '|' "$work/tables.before" "$work/tables.after" | awk -F'|' '$3 != $2 {printf "    %-40s %+d\n", $1, $3 - $2}'
echo "  new bodies by kind (the embedded cluster's own churn between the two captures, --gap $gap s): $churn"
printf 're-capture without the churning kinds (no nodes, pods, events, applications) added %d bytes = %.1f %% of its first capture (%d bytes); %s\n' \
  "$((stable_second - stable_first))" "$(echo "100 * ($stable_second - $stable_first) / $stable_first" | bc -l)" "$stable_first" "$(head -1 "$work/stable-2.log")"
