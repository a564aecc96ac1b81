import Foundation
import GRDB
import ProofCore

/// Reads that fetch what many per-snapshot calls would, in one round trip each (`proof replay` reads every
/// capture of hundreds of runs; per-snapshot calls and full member rows dominated its time).
extension EvidenceStore {
    /// The member digests of a run's snapshots, by snapshot, each list in the order of
    /// ``objects(snapshot:bodies:)`` (apiVersion, kind, namespace, name). Snapshots in `skipping` are left out
    /// (a reader that already holds a capture with the same member digest needs no member rows for it).
    public func memberDigests(run: RunID, skipping: Set<SnapshotID> = []) async throws -> [SnapshotID: [String]] {
        let path = path
        return try await read { db in
            var result: [SnapshotID: [String]] = [:]
            // One cache for the run: its captures share most pages, each is decoded once.
            let cache = MembershipPageCache()
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM snapshots WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue]) {
                let snapshot = SnapshotID(id)
                if skipping.contains(snapshot) { continue }
                let digests = try Self.members(db, snapshot: id, cache: cache, path: path).map(\.digest)
                if !digests.isEmpty { result[snapshot] = digests }
            }
            return result
        }
    }

    /// The stored bodies of `digests` (unknown digests are absent from the answer), read in batches.
    public func bodies(digests: [String]) async throws -> [String: JSON] {
        guard !digests.isEmpty else { return [:] }
        let path = path
        return try await read { db in try Self.bodies(db, digests: digests, path: path) }
    }

    /// The Loki samples of every snapshot of a run, by snapshot (``lokiSamples(snapshot:)`` for each, in one read).
    public func lokiSamples(run: RunID) async throws -> [SnapshotID: [LokiSample]] {
        let path = path
        return try await read { db in
            var result: [SnapshotID: [LokiSample]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT l.* FROM snapshots s JOIN loki_samples l ON l.snapshot_id = s.id
                    WHERE s.run_id = ? ORDER BY s.seq, l.seq
                    """,
                arguments: [run.rawValue])
            {
                let snapshot = SnapshotID(row["snapshot_id"])
                result[snapshot, default: []].append(try Self.lokiSample(row, snapshot: snapshot, path: path))
            }
            return result
        }
    }

    /// The listing errors of every snapshot of a run, by snapshot (``listingErrors(snapshot:)`` for each, in
    /// one read).
    public func listingErrors(run: RunID) async throws -> [SnapshotID: [ListingError]] {
        try await read { db in
            var result: [SnapshotID: [ListingError]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM snapshots s JOIN snapshot_errors e ON e.snapshot_id = s.id
                    WHERE s.run_id = ? ORDER BY s.seq, e.seq
                    """,
                arguments: [run.rawValue])
            {
                result[SnapshotID(row["snapshot_id"]), default: []].append(
                    ListingError(apiVersion: row["api_version"], kind: row["kind"], namespace: row["namespace"], message: row["message"]))
            }
            return result
        }
    }

    /// One `loki_samples` row.
    static func lokiSample(_ row: Row, snapshot: SnapshotID, path: String) throws -> LokiSample {
        let what = "Loki sample \(row["name"] as String) of snapshot \(snapshot)"
        let start: String? = row["range_start"]
        let end: String? = row["range_end"]
        return LokiSample(
            name: row["name"], query: row["query"], start: try start.map { try Self.date($0, path: path, what: what) },
            end: try end.map { try Self.date($0, path: path, what: what) },
            result: try Self.decodeJSON(row["result"], path: path, what: what), error: row["error"])
    }
}
