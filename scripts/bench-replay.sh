#!/usr/bin/env bash
# Benchmark of `proof replay` (called as `scripts/bench.sh replay [--runs N]`).
#
# Records one real run of scenarios/optional-toggle.yaml against the embedded simulated cluster, clones it in
# SQL into N runs (default 100; the clones share every body, as repeated runs of one scenario mostly do —
# their digests are not re-sealed, replay does not need them), then times, in the same invocation:
#   baseline: `proof replay --all --read-only` (reads every capture, body and finding; evaluates nothing)
#   replay:   `proof replay --all`             (the same reads + every invariant at every capture)
# and prints both, the ratio replay/baseline, and the target (replay of 100 runs < 2 s).
# --keep DIR keeps the store in DIR and, when DIR already holds one, times it again without recording anew;
# --repeat N times both N times, alternately, and prints every figure and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=100; keep=""; repeat=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck disable=SC1091  # scripts/bench-sim.sh, next to this script
source scripts/bench-sim.sh
bench_proof ""
if [[ -n "$keep" ]]; then
  mkdir -p "$keep"; work="$(cd "$keep" && pwd)"
else
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi
db="$work/evidence.sqlite"
if [[ -n "$keep" && -s "$db" ]]; then
  echo "reusing the store in $work"
else
rm -f "$db" "$db-wal" "$db-shm"
echo "recording one run of optional-toggle…"
"$PROOF" run scenarios/optional-toggle.yaml --db "$db" --out "$work/proof" >"$work/run.log" 2>&1 || { tail -20 "$work/run.log"; echo "the recorded run failed" >&2; exit 1; }
orig=$(sqlite3 "$db" "SELECT id FROM runs LIMIT 1")
{
  echo "BEGIN;"
  for i in $(seq 2 "$runs"); do
    new="${orig:0:20}$(printf 'C%05d' "$i")"
    cat <<SQL
CREATE TEMP TABLE r AS SELECT * FROM runs WHERE id = '$orig'; UPDATE temp.r SET id = '$new'; INSERT INTO runs SELECT * FROM temp.r; DROP TABLE temp.r;
CREATE TEMP TABLE s AS SELECT * FROM steps WHERE run_id = '$orig'; UPDATE temp.s SET run_id = '$new'; INSERT INTO steps SELECT * FROM temp.s; DROP TABLE temp.s;
INSERT INTO snapshots (run_id, seq, label, step_seq, taken_at, object_count, error_count, loki_count, digest, errors_digest, loki_digest, previous_digest, chain_digest)
  SELECT '$new', seq, label, step_seq, taken_at, object_count, error_count, loki_count, digest, errors_digest, loki_digest, previous_digest, chain_digest FROM snapshots WHERE run_id = '$orig';
INSERT INTO snapshot_objects (snapshot_id, api_version, kind, namespace, name, uid, resource_version, object_digest)
  SELECT n.id, m.api_version, m.kind, m.namespace, m.name, m.uid, m.resource_version, m.object_digest
  FROM snapshot_objects m JOIN snapshots o ON o.id = m.snapshot_id JOIN snapshots n ON n.run_id = '$new' AND n.seq = o.seq WHERE o.run_id = '$orig';
INSERT INTO snapshot_pages (snapshot_id, api_version, kind, namespace, part, page_digest, member_count)
  SELECT n.id, m.api_version, m.kind, m.namespace, m.part, m.page_digest, m.member_count
  FROM snapshot_pages m JOIN snapshots o ON o.id = m.snapshot_id JOIN snapshots n ON n.run_id = '$new' AND n.seq = o.seq WHERE o.run_id = '$orig';
INSERT INTO snapshot_errors (snapshot_id, seq, api_version, kind, namespace, message)
  SELECT n.id, m.seq, m.api_version, m.kind, m.namespace, m.message
  FROM snapshot_errors m JOIN snapshots o ON o.id = m.snapshot_id JOIN snapshots n ON n.run_id = '$new' AND n.seq = o.seq WHERE o.run_id = '$orig';
INSERT INTO loki_samples (snapshot_id, seq, name, query, range_start, range_end, status, result, error)
  SELECT n.id, m.seq, m.name, m.query, m.range_start, m.range_end, m.status, m.result, m.error
  FROM loki_samples m JOIN snapshots o ON o.id = m.snapshot_id JOIN snapshots n ON n.run_id = '$new' AND n.seq = o.seq WHERE o.run_id = '$orig';
INSERT INTO findings (run_id, seq, snapshot_id, step_seq, invariant_id, invariant_kind, status, expected, actual, object_api_version, object_kind, object_namespace, object_name, message)
  SELECT '$new', f.seq, n.id, f.step_seq, f.invariant_id, f.invariant_kind, f.status, f.expected, f.actual, f.object_api_version, f.object_kind, f.object_namespace, f.object_name, f.message
  FROM findings f LEFT JOIN snapshots o ON o.id = f.snapshot_id LEFT JOIN snapshots n ON n.run_id = '$new' AND n.seq = o.seq WHERE f.run_id = '$orig';
SQL
  done
  echo "COMMIT;"
} | sqlite3 "$db"
fi
objects=$(sqlite3 "$db" "SELECT count(*) FROM snapshot_objects")
objects=$((objects + $(sqlite3 "$db" "SELECT COALESCE(SUM(member_count), 0) FROM snapshot_pages")))
echo "$(sqlite3 "$db" "SELECT count(*) FROM runs") runs, $(sqlite3 "$db" "SELECT count(*) FROM snapshots") captures, $objects captured objects, $(sqlite3 "$db" "SELECT count(*) FROM objects") distinct bodies"
now() { date +%s.%N; }
bases=(); replays=()
for i in $(seq 1 "$repeat"); do
  start=$(now); "$PROOF" replay --all --read-only --db "$db" >"$work/base.log"; base=$(echo "$(now) - $start" | bc)
  start=$(now); set +e; "$PROOF" replay --all --quiet --db "$db" >"$work/replay.log"; code=$?; set -e; replay=$(echo "$(now) - $start" | bc)
  tail -1 "$work/base.log"; tail -1 "$work/replay.log"
  grep -c 'same findings as recorded' "$work/replay.log" | xargs -I{} echo "{} of $runs runs replayed to the recorded findings (exit $code)"
  printf 'baseline (read only) %.3f s, replay %.3f s, ratio replay/baseline %.2f; target: replay of %d runs < 2 s\n' \
    "$base" "$replay" "$(echo "$replay / $base" | bc -l)" "$runs"
  bases+=("$base"); replays+=("$replay")
done
if (( repeat > 1 )); then
  median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
  mb=$(median "${bases[@]}"); mr=$(median "${replays[@]}")
  printf 'median of %d: baseline %.3f s, replay %.3f s, ratio replay/baseline %.2f; target: replay of %d runs < 2 s\n' \
    "$repeat" "$mb" "$mr" "$(echo "$mr / $mb" | bc -l)" "$runs"
fi
