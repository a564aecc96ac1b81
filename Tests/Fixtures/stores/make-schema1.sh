#!/usr/bin/env bash
# Re-makes schema1.sqlite: a schema-1 evidence store holding one run copied row for row from the example store
# main committed before the examples were re-recorded (docs/proof/evidence.sqlite at commit b66ce13), so that
# its digests, chain and seal still verify. See README.md next to this file.
#   Tests/Fixtures/stores/make-schema1.sh [SOURCE.sqlite]     (default: that store, read from git history)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
run=01M8ER1HCRPVBETHRSKFT5KQ07   # env-isolation, 2026-11-27, whose proof is env-isolation-20261127T145508Z-kft5kq07.md
source=${1:-}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "$source" ]; then
  source="$work/source.sqlite"
  git -C "$here" show b66ce13:docs/proof/evidence.sqlite >"$source"
fi
out="$work/schema1.sqlite"
{
  # The schema exactly as the source has it, in its order (tables, indexes, triggers): no trigger fires on
  # INSERT, so the rows can be copied after it.
  sqlite3 "$source" "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
  echo "ATTACH '$source' AS src;"
  echo "BEGIN;"
  for table in grdb_migrations meta; do echo "INSERT INTO $table SELECT * FROM src.$table;"; done
  echo "INSERT INTO runs SELECT * FROM src.runs WHERE id = '$run';"
  for table in steps watch_events findings diagnostics http_exchanges http_stream_events; do
    echo "INSERT INTO $table SELECT * FROM src.$table WHERE run_id = '$run';"
  done
  echo "INSERT INTO snapshots SELECT * FROM src.snapshots WHERE run_id = '$run';"
  for table in snapshot_objects snapshot_errors loki_samples; do
    echo "INSERT INTO $table SELECT * FROM src.$table WHERE snapshot_id IN (SELECT id FROM snapshots);"
  done
  echo "INSERT INTO objects SELECT * FROM src.objects WHERE digest IN (SELECT object_digest FROM snapshot_objects
    UNION SELECT object_digest FROM watch_events WHERE object_digest IS NOT NULL) ORDER BY rowid;"
  echo "COMMIT;"
  echo "DETACH src;"
  echo "PRAGMA journal_mode = WAL;"
  echo "VACUUM;"
} | sqlite3 "$out" >/dev/null
sqlite3 "$out" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
mv "$out" "$here/schema1.sqlite"
echo "make-schema1: $here/schema1.sqlite ($(wc -c <"$here/schema1.sqlite") bytes, run $run)"
