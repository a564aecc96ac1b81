#!/usr/bin/env bash
# Re-records the example proofs: every shipped scenario (scenarios/*.yaml, in name order) runs once against a
# fresh embedded simulated cluster into a fresh docs/proof/evidence.sqlite, in the current proof format; the
# proofs of the old store and its index are removed; the result is checked with `proof verify` (what
# ExampleProofsTests checks). Run it after a change to the simulated cluster, the store or the proof layout,
# and commit docs/proof/. Proofs of older formats and stores are test fixtures (Tests/Fixtures/stores/), not
# examples.
#   scripts/record-examples.sh                  # builds `proof` (debug) first
#   PROOF_BIN=/path/to/proof scripts/record-examples.sh
# Nothing is replaced until every scenario passed and verified: on any failure docs/proof/ is put back as it
# was and the exit code is proof's (1 a finding, 2 bad input, 3 could not execute).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${PROOF_BIN:-}
if [ -z "$bin" ]; then
  log="$(mktemp)"
  if ! swift build --product proof >"$log" 2>&1; then
    grep -v '^\[' "$log" | tail -30 >&2
    rm -f "$log"
    echo "record-examples: swift build failed" >&2
    exit 3
  fi
  rm -f "$log"
  bin="$(swift build --show-bin-path)/proof"
fi
[ -x "$bin" ] || { echo "record-examples: no proof binary at $bin" >&2; exit 3; }

out=docs/proof
db=$out/evidence.sqlite
scenarios=()
while IFS= read -r file; do scenarios+=("$file"); done < <(find scenarios -maxdepth 1 -name '*.yaml' | LC_ALL=C sort)
[ ${#scenarios[@]} -gt 0 ] || { echo "record-examples: no scenarios/*.yaml" >&2; exit 2; }

# The old examples go aside first and come back if anything below fails.
aside="$(mktemp -d)"
restore() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -d "$aside/proof" ]; then
    echo "record-examples: failed (exit $status); docs/proof/ is put back as it was" >&2
    rm -rf "$out"
    mv "$aside/proof" "$out"
  fi
  rm -rf "$aside"
  exit "$status"
}
trap restore EXIT
mkdir -p "$out"
cp -a "$out" "$aside/proof"
rm -f "$db" "$db-wal" "$db-shm" "$db-journal" "$out/README.md"
find "$out" -mindepth 2 -name '*.md' -delete
find "$out" -mindepth 1 -type d -empty -delete

echo "record-examples: ${#scenarios[@]} scenarios into $db"
"$bin" run "${scenarios[@]}" --db "$db" --out "$out"
proofs=()
while IFS= read -r file; do proofs+=("$file"); done < <(find "$out" -mindepth 2 -name '*.md' | LC_ALL=C sort)
[ ${#proofs[@]} -eq ${#scenarios[@]} ] || { echo "record-examples: ${#proofs[@]} proofs for ${#scenarios[@]} scenarios" >&2; exit 3; }
"$bin" verify "${proofs[@]}" --db "$db"
# One self-contained file: fold the WAL back in and leave no side files to commit.
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
rm -f "$db-wal" "$db-shm"
echo "record-examples: ${#proofs[@]} proofs in $out, store $(wc -c <"$db") bytes; commit docs/proof/"
