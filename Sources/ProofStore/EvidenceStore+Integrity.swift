import Foundation
import GRDB
import ProofCore

extension EvidenceStore {
    /// The seal of a run: SHA-256 of canonical `{v:1, run, status, exitCode, finishedAt, chain, steps, findings,
    /// watchEvents, diagnostics, http}`, where `chain` is the last snapshot's chain digest (or the genesis
    /// digest) and the others are ``tableDigest(_:sql:run:)`` of the run's rows (snapshots named by sequence, not
    /// by store-local id, so a merged store keeps the same seal).
    static func seal(_ db: Database, run: RunID, status: String, exitCode: Int?, finishedAt: String) throws -> String {
        let tip =
            try String.fetchOne(db, sql: "SELECT chain_digest FROM snapshots WHERE run_id = ? ORDER BY seq DESC LIMIT 1", arguments: [run.rawValue])
            ?? String.fetchOne(db, sql: "SELECT genesis_digest FROM runs WHERE id = ?", arguments: [run.rawValue]) ?? ""
        let parts: [String: JSON] = [
            "v": 1, "run": .string(run.rawValue), "status": .string(status), "exitCode": exitCode.map { .int(Int64($0)) } ?? .null,
            "finishedAt": .string(finishedAt), "chain": .string(tip),
            "steps": .string(try tableDigest(db, sql: "SELECT seq, name, kind, phase, started_at, finished_at, status, message, detail FROM steps WHERE run_id = ? ORDER BY seq", run: run)),
            "findings": .string(try tableDigest(db, sql: """
                SELECT f.seq, s.seq, f.step_seq, f.invariant_id, f.invariant_kind, f.status, f.expected, f.actual,
                  f.object_api_version, f.object_kind, f.object_namespace, f.object_name, f.message
                FROM findings f LEFT JOIN snapshots s ON s.id = f.snapshot_id WHERE f.run_id = ? ORDER BY f.seq
                """, run: run)),
            "watchEvents": .string(try tableDigest(db, sql: "SELECT seq, at, type, api_version, kind, namespace, name, uid, resource_version, object_digest FROM watch_events WHERE run_id = ? ORDER BY seq", run: run)),
            "diagnostics": .string(try tableDigest(db, sql: "SELECT seq, at, step_seq, kind, subject, content FROM diagnostics WHERE run_id = ? ORDER BY seq", run: run)),
            "http": .string(try tableDigest(db, sql: """
                SELECT e.seq, e.started_at, e.duration_ms, e.method, e.url, e.request_headers, e.request_body, e.status,
                  e.response_headers, e.response_body, e.streamed, e.error,
                  (SELECT group_concat(c.seq || ':' || c.offset_ms || ':' || hex(c.body), ',') FROM
                    (SELECT * FROM http_stream_events WHERE run_id = e.run_id AND exchange_seq = e.seq ORDER BY seq) c)
                FROM http_exchanges e WHERE e.run_id = ? ORDER BY e.seq
                """, run: run)),
        ]
        return JSON.object(parts).digest
    }

    /// SHA-256 of the canonical JSON array of rows (each an array of its column values: integers, reals and
    /// text as themselves, NULL as null, a blob as `"sha256:<hex>"` of its bytes).
    static func tableDigest(_ db: Database, sql: String, run: RunID) throws -> String {
        var rows: [JSON] = []
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: [run.rawValue])
        while let row = try cursor.next() {
            rows.append(.array(row.databaseValues.map { value in
                switch value.storage {
                case .null: return .null
                case .int64(let number): return .int(number)
                case .double(let number): return .double(number)
                case .string(let text): return .string(text)
                case .blob(let data): return .string("sha256:" + Digest.sha256Hex(Array(data)))
                }
            }))
        }
        return JSON.array(rows).digest
    }

    /// Recomputes every digest of a run from its rows — the genesis, each snapshot's member, error and Loki
    /// digests, the chain, every object body it references, and the seal of a closed run — and returns each
    /// mismatch. An empty list means the run's evidence is exactly what was written.
    public func verifyIntegrity(run id: RunID) async throws -> [IntegrityProblem] {
        guard let run = try await run(id) else {
            throw StoreError(.unknownRun, "evidence store \(path): no run \(id); list runs with `proof show`")
        }
        let snapshots = try await snapshots(run: id)
        var problems: [IntegrityProblem] = []
        let runLocation = "run \(id)"
        let genesis = EvidenceDigest.genesis(run: id, info: run.info, startedAt: Timestamp.format(run.startedAt))
        if genesis != run.genesisDigest {
            problems.append(IntegrityProblem(location: runLocation, message: "genesis digest is \(run.genesisDigest) but the run's fields give \(genesis): the run row was edited"))
        }
        var previous = run.genesisDigest
        // Every body digest the run's snapshots reference (from rows or pages), checked below.
        var referenced: Set<String> = []
        for (position, snapshot) in snapshots.enumerated() {
            let location = "snapshot \(id)#\(snapshot.sequence) '\(snapshot.label)'"
            if snapshot.sequence != position + 1 {
                problems.append(IntegrityProblem(location: location, message: "expected sequence \(position + 1): a snapshot is missing before it"))
            }
            if snapshot.previousDigest != previous {
                problems.append(IntegrityProblem(location: location, message: "previous digest is \(snapshot.previousDigest) but the chain before it ends in \(previous)"))
            }
            let path = path
            let snapshotID = snapshot.id.rawValue
            let (pageProblems, members) = try await read { db -> ([String], [StoredObject]?) in
                let cache = MembershipPageCache()
                let problems = try Self.verifyMembership(db, snapshot: snapshotID, cache: cache)
                if !problems.isEmpty { return (problems, nil) }
                return ([], try Self.members(db, snapshot: snapshotID, cache: cache, path: path))
            }
            problems += pageProblems.map { IntegrityProblem(location: location, message: $0) }
            if let members {
                let digest = EvidenceDigest.members(members.map { ($0.identity, $0.digest) })
                if digest != snapshot.digest {
                    problems.append(IntegrityProblem(location: location, message: "member digest is \(snapshot.digest) but its \(members.count) members give \(digest): membership was edited"))
                }
                if members.count != snapshot.objectCount {
                    problems.append(IntegrityProblem(location: location, message: "object count is \(snapshot.objectCount) but \(members.count) members are stored"))
                }
                referenced.formUnion(members.map(\.digest))
            }
            let errors = try await listingErrors(snapshot: snapshot.id)
            if EvidenceDigest.errors(errors) != snapshot.errorsDigest || errors.count != snapshot.errorCount {
                problems.append(IntegrityProblem(location: location, message: "listing errors do not match errors digest \(snapshot.errorsDigest)"))
            }
            let samples = try await lokiSamples(snapshot: snapshot.id)
            if EvidenceDigest.loki(samples) != snapshot.lokiDigest || samples.count != snapshot.lokiCount {
                problems.append(IntegrityProblem(location: location, message: "Loki samples do not match Loki digest \(snapshot.lokiDigest)"))
            }
            let chain = EvidenceDigest.chain(of: snapshot)
            if chain != snapshot.chainDigest {
                problems.append(IntegrityProblem(location: location, message: "chain digest is \(snapshot.chainDigest) but its fields give \(chain): the snapshot row was edited"))
            }
            previous = snapshot.chainDigest
        }
        // Every body the run references must hash to its address.
        let memberDigests = Array(referenced)
        let bodyProblems = try await read { db in
            var found: [IntegrityProblem] = []
            var seen: Set<String> = []
            func check(_ cursor: RowCursor) throws {
                while let row = try cursor.next() {
                    let digest: String = row[0]
                    guard seen.insert(digest).inserted else { continue }
                    switch BodyCodec.checked(row[1], size: row[2], digest: digest) {
                    case .undecodable(let why):
                        found.append(IntegrityProblem(location: "object \(digest)", message: "\(why): the body was edited"))
                    case .mismatch(let actual):
                        found.append(IntegrityProblem(location: "object \(digest)", message: "body hashes to \(actual): the body was edited"))
                    case .bytes(let body) where body.count != (row[2] as Int):
                        found.append(IntegrityProblem(location: "object \(digest)", message: "size is \(row[2] as Int) but the body has \(body.count) bytes"))
                    case .bytes:
                        break
                    }
                }
            }
            try Self.inBatches(memberDigests) { marks, batch in
                try check(try Row.fetchCursor(db, sql: "SELECT digest, body, size FROM objects WHERE digest IN (\(marks))", arguments: StatementArguments(batch)))
            }
            try check(try Row.fetchCursor(
                db,
                sql: """
                    SELECT o.digest, o.body, o.size FROM objects o
                    WHERE o.digest IN (SELECT object_digest FROM watch_events WHERE run_id = ? AND object_digest IS NOT NULL)
                    """,
                arguments: [id.rawValue]))
            let missing = memberDigests.filter { !seen.contains($0) }.sorted()
            found += missing.map { IntegrityProblem(location: "object \($0)", message: "referenced by run \(id) but missing from objects") }
            return found
        }
        problems += bodyProblems
        problems += try await closingProblems(run, location: runLocation)
        if run.recordedStatus.isFinal {
            let status = run.recordedStatus.rawValue
            let exitCode = run.exitCode
            let finished = run.finishedAt.map(Timestamp.format) ?? ""
            let seal = try await read { db in try Self.seal(db, run: id, status: status, exitCode: exitCode, finishedAt: finished) }
            if seal != run.sealDigest {
                problems.append(IntegrityProblem(location: runLocation, message: "seal is \(run.sealDigest ?? "missing") but the recorded evidence gives \(seal): steps, findings, events, diagnostics or exchanges were edited, added or removed"))
            }
        }
        return problems
    }

    /// The run row against its `run_closings` record: a closed run must have one that agrees with it, and a
    /// `running` run must have none (one that has was closed, then edited back to look unfinished — a crash
    /// before its last capture, say). Stores from before `run_closings` (schema 1, read without migrating)
    /// have nothing to compare.
    func closingProblems(_ run: RunRecord, location: String) async throws -> [IntegrityProblem] {
        let id = run.id
        // nil: no run_closings table; .some(nil): no row for the run.
        let closing = try await read { db -> Closing?? in
            guard try db.tableExists("run_closings") else { return nil }
            return .some(try Row.fetchOne(db, sql: "SELECT * FROM run_closings WHERE run_id = ?", arguments: [id.rawValue]).map { row in
                Closing(status: row["status"], exitCode: row["exit_code"], finishedAt: row["finished_at"], seal: row["seal_digest"])
            })
        }
        guard let closing else { return [] }
        guard let closing else {
            return run.recordedStatus.isFinal
                ? [IntegrityProblem(location: location, message: "closed as \(run.recordedStatus.rawValue) but run_closings has no record of it: the closing record was deleted")]
                : []
        }
        let status = closing.status
        let seal = closing.seal
        let finished = closing.finishedAt
        guard run.recordedStatus.isFinal else {
            return [IntegrityProblem(
                location: location,
                message: "was closed as \(status) at \(finished) (run_closings, seal \(seal)) but the run row says running: it was edited back to look unfinished")]
        }
        let exitCode = closing.exitCode
        let recordedFinish = run.finishedAt.map(Timestamp.format) ?? ""
        if status != run.recordedStatus.rawValue || seal != run.sealDigest || exitCode != run.exitCode || finished != recordedFinish {
            return [IntegrityProblem(
                location: location,
                message: "run row says \(run.recordedStatus.rawValue) (exit \(run.exitCode.map(String.init) ?? "none"), seal \(run.sealDigest ?? "none")) but it was closed as \(status) (exit \(exitCode.map(String.init) ?? "none"), seal \(seal)): the run row was edited")]
        }
        return []
    }

    /// A `run_closings` row.
    struct Closing: Sendable {
        var status: String
        var exitCode: Int?
        var finishedAt: String
        var seal: String
    }
}
