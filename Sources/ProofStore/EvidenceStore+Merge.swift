import Foundation
import GRDB
import ProofCore

extension EvidenceStore {
    /// Copies every run of the store at `path` that this store does not hold yet — with its steps, snapshots,
    /// members, listing errors, Loki samples, watch events, findings, diagnostics and HTTP exchanges — in one
    /// transaction, adding only the object bodies and membership pages this store lacks (`proof merge A B --into C`).
    ///
    /// Runs keep their ids, digests and seals (chain and seal digests name snapshots by run and sequence, never
    /// by store-local id), so `verifyIntegrity` holds for them after the merge. Snapshots get new local ids.
    /// Redaction markers keep the salt id of the store that wrote them (see `docs/evidence-schema.md`).
    @discardableResult
    public func merge(from path: String) async throws -> MergeResult {
        // Opening migrates the source to this build's schema (or refuses a newer one), so both sides have the
        // same columns and `SELECT *` copies line up.
        let source = try EvidenceStore.open(path: path)
        let sourceRuns = try await source.runs().map(\.id)
        let ownRuns = Set(try await runs().map(\.id))
        let added = sourceRuns.filter { !ownRuns.contains($0) }
        let skipped = sourceRuns.filter { ownRuns.contains($0) }
        let sourcePath = source.path
        let targetPath = self.path
        do {
            let newBodies = try await pool.writeWithoutTransaction { db -> Int in
                try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [sourcePath])
                defer { try? db.execute(sql: "DETACH DATABASE source") }
                var newBodies = 0
                try db.inTransaction {
                    try db.execute(sql: "INSERT OR IGNORE INTO main.objects (digest, body, size) SELECT digest, body, size FROM source.objects")
                    newBodies = db.changesCount
                    try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS merge_runs (id TEXT PRIMARY KEY)")
                    try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS merge_snapshots (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
                    try db.execute(sql: "DELETE FROM temp.merge_runs; DELETE FROM temp.merge_snapshots")
                    for run in added {
                        try db.execute(sql: "INSERT INTO temp.merge_runs (id) VALUES (?)", arguments: [run.rawValue])
                    }
                    let selected = "run_id IN (SELECT id FROM temp.merge_runs)"
                    try db.execute(sql: "INSERT INTO main.runs SELECT * FROM source.runs WHERE id IN (SELECT id FROM temp.merge_runs)")
                    try db.execute(sql: "INSERT INTO main.run_closings SELECT * FROM source.run_closings WHERE run_id IN (SELECT id FROM temp.merge_runs)")
                    for table in ["steps", "watch_events", "diagnostics", "http_exchanges", "http_stream_events"] {
                        try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM source.\(table) WHERE \(selected)")
                    }
                    let snapshots = try Row.fetchAll(db, sql: "SELECT * FROM source.snapshots WHERE \(selected) ORDER BY id")
                    for row in snapshots {
                        try db.execute(
                            sql: """
                                INSERT INTO main.snapshots (run_id, seq, label, step_seq, taken_at, object_count, error_count, loki_count,
                                  digest, errors_digest, loki_digest, previous_digest, chain_digest)
                                SELECT run_id, seq, label, step_seq, taken_at, object_count, error_count, loki_count,
                                  digest, errors_digest, loki_digest, previous_digest, chain_digest FROM source.snapshots WHERE id = ?
                                """,
                            arguments: [row["id"] as Int64])
                        try db.execute(
                            sql: "INSERT INTO temp.merge_snapshots (old, new) VALUES (?, ?)", arguments: [row["id"] as Int64, db.lastInsertedRowID])
                    }
                    let remapped = "(SELECT new FROM temp.merge_snapshots WHERE old = snapshot_id)"
                    try Self.mergeMembership(db)
                    let memberTables = [
                        ("snapshot_errors", "seq, api_version, kind, namespace, message"),
                        ("loki_samples", "seq, name, query, range_start, range_end, status, result, error"),
                    ]
                    for (table, columns) in memberTables {
                        try db.execute(
                            sql: """
                                INSERT INTO main.\(table) (snapshot_id, \(columns))
                                SELECT \(remapped), \(columns) FROM source.\(table)
                                WHERE snapshot_id IN (SELECT old FROM temp.merge_snapshots)
                                """)
                    }
                    let findingColumns = """
                        run_id, seq, step_seq, invariant_id, invariant_kind, status, expected, actual, object_api_version,
                        object_kind, object_namespace, object_name, message
                        """
                    try db.execute(
                        sql: """
                            INSERT INTO main.findings (snapshot_id, \(findingColumns))
                            SELECT (SELECT m.id FROM main.snapshots m JOIN source.snapshots s ON s.run_id = m.run_id AND s.seq = m.seq
                                    WHERE s.id = f.snapshot_id), \(findingColumns)
                            FROM source.findings f WHERE \(selected)
                            """)
                    return .commit
                }
                return newBodies
            }
            return MergeResult(runsAdded: added, runsSkipped: skipped, newBodies: newBodies)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "evidence store \(targetPath): cannot merge \(sourcePath) (\(Self.describe(error))); nothing was merged")
        }
    }
}
