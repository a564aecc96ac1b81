import Foundation
import GRDB
import ProofCore

extension EvidenceStore {
    /// Begins a run and returns its id. The run is owned by this store handle (see ``RunOwner``): if the handle
    /// goes away, or the process dies, before ``finishRun(_:status:exitCode:message:at:)``, readers see the run
    /// as ``RunStatus/aborted`` (and the next read-write open records it so). `owner` is for tests that own runs from a child process.
    public func beginRun(_ info: RunInfo, at startedAt: Date = .now, id: RunID? = nil, owner: RunOwner? = nil) async throws -> RunID {
        let id = id ?? RunID.generate(at: startedAt)
        let owner = owner ?? currentOwner
        var info = info
        info.command = info.command.map(redaction.redactor.scrub)
        info.cluster = info.cluster.map(redaction.redactor.scrub)
        info.attributes = redaction.normalizeDocument(info.attributes)
        let started = Timestamp.format(startedAt)
        let genesis = EvidenceDigest.genesis(run: id, info: info, startedAt: started)
        let stored = info
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, scenario, scenario_digest, environment, cluster, command, harness_version,
                      attributes, started_at, host, pid, boot_id, process_start, session, genesis_digest, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')
                    """,
                arguments: [
                    id.rawValue, stored.scenario, stored.scenarioDigest, stored.environment, stored.cluster, stored.command,
                    stored.harnessVersion, stored.attributes.canonicalString, started, owner.host, Int64(owner.pid),
                    owner.bootID, Int64(bitPattern: owner.processStart), owner.session, genesis,
                ])
        }
        return id
    }

    /// Closes a run, once, with a final status (`passed`, `failed`, `aborted` or `error`) and exit code, and
    /// seals it: `runs.seal_digest` covers the chain tip and everything else the run recorded, and the closing is
    /// also written to `run_closings` (so a run edited back to `running` is caught by ``verifyIntegrity(run:)``).
    public func finishRun(_ id: RunID, status: RunStatus, exitCode: Int?, message: String? = nil, at finishedAt: Date = .now) async throws {
        guard status.isFinal else {
            throw StoreError(.invalidArgument, "evidence store \(path): run \(id) cannot be closed as '\(status.rawValue)'; use passed, failed, aborted or error")
        }
        let message = message.map(redaction.redactor.scrub)
        let path = path
        try await write { db in
            try Self.close(db, id, status: status, exitCode: exitCode, message: message, at: finishedAt, path: path)
        }
    }

    /// Closes and seals one run inside a write transaction (see ``finishRun(_:status:exitCode:message:at:)``).
    static func close(_ db: Database, _ id: RunID, status: RunStatus, exitCode: Int?, message: String?, at finishedAt: Date, path: String) throws {
        let finished = Timestamp.format(finishedAt)
        try requireOpenRun(db, id, path: path)
        let seal = try seal(db, run: id, status: status.rawValue, exitCode: exitCode, finishedAt: finished)
        try db.execute(
            sql: "UPDATE runs SET status = ?, finished_at = ?, exit_code = ?, message = ?, seal_digest = ? WHERE id = ?",
            arguments: [status.rawValue, finished, exitCode, message, seal, id.rawValue])
        try db.execute(
            sql: "INSERT INTO run_closings (run_id, status, exit_code, finished_at, seal_digest) VALUES (?, ?, ?, ?, ?)",
            arguments: [id.rawValue, status.rawValue, exitCode, finished, seal])
    }

    /// The message a run closed because its process is gone is given (and a read-only reader shows).
    static let processGone = "process gone: the run was never finished"

    /// Closes every run whose owner is gone as `aborted` ("process gone"), and returns their ids. Opening a
    /// store read-write does this; read-only readers show such runs as `aborted` without writing.
    @discardableResult
    public func closeAbandonedRuns(at date: Date = .now) async throws -> [RunID] {
        let path = path
        return try await write { db in try Self.closeAbandonedRuns(db, path: path, at: date) }
    }

    /// ``closeAbandonedRuns(at:)`` inside a write transaction. A `running` run that already has a closing
    /// record was edited back to running: it is left as it is, for `proof verify` to report.
    static func closeAbandonedRuns(_ db: Database, path: String, at date: Date) throws -> [RunID] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status = 'running' AND id NOT IN (SELECT run_id FROM run_closings)")
        var closed: [RunID] = []
        for row in rows {
            let record = try runRecord(row, path: path)
            guard record.status == .aborted else { continue }
            try close(db, record.id, status: .aborted, exitCode: nil, message: processGone, at: date, path: path)
            closed.append(record.id)
        }
        return closed
    }

    /// Records a finished step and returns its sequence number in the run.
    @discardableResult
    public func recordStep(_ step: StepRecord, run: RunID) async throws -> Int {
        let message = step.message.map(redaction.redactor.scrub)
        let detail = storedJSON(step.detail)
        let path = path
        return try await write { db in
            try Self.requireOpenRun(db, run, path: path)
            let sequence = try Self.nextSequence(db, table: "steps", run: run)
            try db.execute(
                sql: """
                    INSERT INTO steps (run_id, seq, name, kind, phase, started_at, finished_at, status, message, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.rawValue, sequence, step.name, step.kind, step.phase, Timestamp.format(step.startedAt),
                    Timestamp.format(step.finishedAt), step.status.rawValue, message, detail,
                ])
            return sequence
        }
    }

    /// Every run, oldest first; a `running` run whose process is gone is reported `aborted` (``RunRecord/status``).
    public func runs() async throws -> [RunRecord] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id").map { try Self.runRecord($0, path: path) }
        }
    }

    /// One run, or `nil` when there is none with that id.
    public func run(_ id: RunID) async throws -> RunRecord? {
        let path = path
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id.rawValue]).map { try Self.runRecord($0, path: path) }
        }
    }

    /// The steps of a run, in order.
    public func steps(run: RunID) async throws -> [StepRecord] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue]).map { row in
                let what = "step \(row["seq"] as Int) of run \(run)"
                guard let status = StepRecord.Status(rawValue: row["status"]) else {
                    throw StoreError(.corrupt, "evidence store \(path): \(what) has an unknown status")
                }
                return StepRecord(
                    sequence: row["seq"], name: row["name"], kind: row["kind"], phase: row["phase"],
                    startedAt: try Self.date(row["started_at"], path: path, what: what),
                    finishedAt: try Self.date(row["finished_at"], path: path, what: what), status: status,
                    message: row["message"], detail: try Self.decodeJSON(row["detail"], path: path, what: what))
            }
        }
    }

    static func runRecord(_ row: Row, path: String) throws -> RunRecord {
        let id = RunID(row["id"])
        let what = "run \(id)"
        guard let recorded = RunStatus(rawValue: row["status"]) else {
            throw StoreError(.corrupt, "evidence store \(path): \(what) has an unknown status")
        }
        let owner = RunOwner(
            host: row["host"], pid: Int32(truncatingIfNeeded: row["pid"] as Int64), bootID: row["boot_id"],
            processStart: UInt64(bitPattern: row["process_start"] as Int64), session: row["session"])
        let info = RunInfo(
            scenario: row["scenario"], scenarioDigest: row["scenario_digest"], environment: row["environment"],
            cluster: row["cluster"], command: row["command"], harnessVersion: row["harness_version"],
            attributes: try decodeJSON(row["attributes"], path: path, what: "\(what) attributes") ?? [:])
        let finished: String? = row["finished_at"]
        let dead = recorded == .running && !owner.isAlive
        return RunRecord(
            id: id, info: info, startedAt: try date(row["started_at"], path: path, what: what),
            status: dead ? .aborted : recorded, recordedStatus: recorded,
            finishedAt: try finished.map { try date($0, path: path, what: what) }, exitCode: row["exit_code"],
            message: dead ? processGone : row["message"] as String?, owner: owner, genesisDigest: row["genesis_digest"], sealDigest: row["seal_digest"])
    }
}
