import Foundation
import GRDB
import ProofCore

extension EvidenceStore {
    /// Records invariant results (held, failed or error) in one transaction; returns their sequence numbers.
    @discardableResult
    public func recordFindings(_ findings: [FindingRecord], run: RunID) async throws -> [Int] {
        let redaction = redaction
        let prepared = findings.map { finding in
            var copy = finding
            copy.expected = finding.expected.map(redaction.normalizeDocument)
            copy.actual = finding.actual.map(redaction.normalizeDocument)
            copy.message = redaction.redactor.scrub(finding.message)
            return copy
        }
        let path = path
        return try await write { db in
            try Self.requireOpenRun(db, run, path: path)
            return try Self.appendSequenced(db, table: "findings", run: run, prepared) { finding, sequence in
                try db.execute(
                    sql: """
                        INSERT INTO findings (run_id, seq, snapshot_id, step_seq, invariant_id, invariant_kind, status, expected,
                          actual, object_api_version, object_kind, object_namespace, object_name, message)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        run.rawValue, sequence, finding.snapshot?.rawValue, finding.step, finding.invariantID,
                        finding.invariantKind, finding.status.rawValue, finding.expected?.canonicalString,
                        finding.actual?.canonicalString, finding.object?.apiVersion, finding.object?.kind,
                        finding.object?.namespace, finding.object?.name, finding.message,
                    ])
            }
        }
    }

    /// The invariant results of a run, in order.
    public func findings(run: RunID) async throws -> [FindingRecord] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM findings WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue]).map { row in
                let what = "finding \(row["seq"] as Int) of run \(run)"
                guard let status = FindingRecord.Status(rawValue: row["status"]) else {
                    throw StoreError(.corrupt, "evidence store \(path): \(what) has an unknown status")
                }
                let kind: String? = row["object_kind"]
                let snapshot: Int64? = row["snapshot_id"]
                return FindingRecord(
                    sequence: row["seq"], snapshot: snapshot.map(SnapshotID.init), step: row["step_seq"],
                    invariantID: row["invariant_id"], invariantKind: row["invariant_kind"], status: status,
                    expected: try Self.decodeJSON(row["expected"], path: path, what: what),
                    actual: try Self.decodeJSON(row["actual"], path: path, what: what),
                    object: kind.map {
                        ObjectIdentity(apiVersion: row["object_api_version"] ?? "", kind: $0, namespace: row["object_namespace"] ?? "", name: row["object_name"] ?? "")
                    },
                    message: row["message"])
            }
        }
    }

    /// Records watch events in one transaction; their objects are normalised, redacted and stored by content
    /// like snapshot members. Returns their sequence numbers.
    @discardableResult
    public func recordWatchEvents(_ events: [WatchEvent], run: RunID) async throws -> [Int] {
        let redaction = redaction
        let path = path
        return try await write { db in
            try Self.requireOpenRun(db, run, path: path)
            let insertBody = try db.cachedStatement(sql: "INSERT OR IGNORE INTO objects (digest, body, size) VALUES (?, ?, ?)")
            let insertEvent = try db.cachedStatement(
                sql: """
                    INSERT INTO watch_events (run_id, seq, at, type, api_version, kind, namespace, name, uid, resource_version, object_digest)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            return try Self.appendSequenced(db, table: "watch_events", run: run, events) { event, sequence in
                var digest: String?
                if let object = event.object, event.type != "BOOKMARK" {
                    let body = (event.type == "ERROR" ? redaction.normalizeDocument(object) : redaction.normalize(object)).canonicalData
                    let objectDigest = Digest.sha256Hex(body)
                    insertBody.setUncheckedArguments([objectDigest, BodyCodec.encode(body), body.count])
                    try insertBody.execute()
                    digest = objectDigest
                }
                insertEvent.setUncheckedArguments([
                    run.rawValue, sequence, Timestamp.format(event.at), event.type, event.identity?.apiVersion,
                    event.identity?.kind, event.identity?.namespace, event.identity?.name, event.uid,
                    event.resourceVersion, digest,
                ])
                try insertEvent.execute()
            }
        }
    }

    /// The watch events of a run, in order; with `bodies`, each carries its (normalised) object.
    public func watchEvents(run: RunID, bodies: Bool = false) async throws -> [WatchEvent] {
        let path = path
        return try await read { db in
            let sql =
                bodies
                ? "SELECT e.*, proof_body(o.body) AS body FROM watch_events e LEFT JOIN objects o ON o.digest = e.object_digest WHERE e.run_id = ? ORDER BY e.seq"
                : "SELECT *, NULL AS body FROM watch_events WHERE run_id = ? ORDER BY seq"
            return try Row.fetchAll(db, sql: sql, arguments: [run.rawValue]).map { row in
                let what = "watch event \(row["seq"] as Int) of run \(run)"
                let kind: String? = row["kind"]
                return WatchEvent(
                    sequence: row["seq"], at: try Self.date(row["at"], path: path, what: what), type: row["type"],
                    identity: kind.map {
                        ObjectIdentity(apiVersion: row["api_version"] ?? "", kind: $0, namespace: row["namespace"] ?? "", name: row["name"] ?? "")
                    },
                    uid: row["uid"], resourceVersion: row["resource_version"], objectDigest: row["object_digest"],
                    object: try Self.decodeJSON(row["body"], path: path, what: what))
            }
        }
    }

    /// Records diagnostics (scrubbed) in one transaction; returns their sequence numbers.
    @discardableResult
    public func recordDiagnostics(_ diagnostics: [Diagnostic], run: RunID) async throws -> [Int] {
        let redactor = redaction.redactor
        let path = path
        return try await write { db in
            try Self.requireOpenRun(db, run, path: path)
            return try Self.appendSequenced(db, table: "diagnostics", run: run, diagnostics) { diagnostic, sequence in
                try db.execute(
                    sql: "INSERT INTO diagnostics (run_id, seq, at, step_seq, kind, subject, content) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        run.rawValue, sequence, Timestamp.format(diagnostic.at), diagnostic.step, diagnostic.kind,
                        redactor.scrub(diagnostic.subject), redactor.scrub(diagnostic.content),
                    ])
            }
        }
    }

    /// The diagnostics of a run, in order.
    public func diagnostics(run: RunID) async throws -> [Diagnostic] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM diagnostics WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue]).map { row in
                Diagnostic(
                    sequence: row["seq"], at: try Self.date(row["at"], path: path, what: "diagnostic \(row["seq"] as Int) of run \(run)"),
                    step: row["step_seq"], kind: row["kind"], subject: row["subject"], content: row["content"])
            }
        }
    }
}
