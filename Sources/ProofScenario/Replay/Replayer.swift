import Foundation
import ProofCore
import ProofStore

/// Re-evaluates invariants against the captures of recorded runs, with no cluster (`proof replay`).
///
/// For each capture of a run, in order, the invariants are evaluated exactly as the live run did: a capture
/// taken by an `expect` step is judged by the invariants recorded at it, every other capture by every
/// invariant, each with all earlier captures as context. Findings made by steps (HTTP expectations…) cannot
/// be re-made without a cluster and are carried over from the record. Bodies are parsed once per digest
/// across all replayed runs (content addressing makes most captures share most bodies), and captures with
/// the same members (the same snapshot digest) share one object list.
public actor Replayer {
    /// The store read from.
    public let store: EvidenceStore
    private var bodies: [String: JSON] = [:]
    private var captures: [String: CapturedState] = [:]
    private var declarations: [String: [InvariantSpec]] = [:]

    /// A replayer over `store`.
    public init(store: EvidenceStore) {
        self.store = store
    }

    /// What one run's replay is computed from: everything read from the store, before evaluation.
    public struct Prepared: Sendable {
        let run: RunRecord
        let specs: [InvariantSpec]
        let captures: [(state: CapturedState, step: Int?)]
        let recorded: [FindingRecord]
        let steps: [StepRecord]
        let scrub: @Sendable (String) -> String
    }

    /// Replays one run with the invariants `source` gives.
    public func replay(_ id: RunID, source: ReplaySource) async throws -> ReplayResult {
        Self.evaluate(try await prepare(id, source: source))
    }

    /// Reads one run for a replay (bodies through the shared cache); ``evaluate(_:)`` then needs no store, so
    /// several runs can be evaluated in parallel.
    public func prepare(_ id: RunID, source: ReplaySource) async throws -> Prepared {
        guard let run = try await store.run(id) else { throw ReplayError("no run \(id) in \(store.path)") }
        let specs = try invariants(for: run, source: source)
        let redactor = store.redaction.redactor
        return Prepared(
            run: run, specs: specs, captures: try await loadCaptures(id), recorded: try await store.findings(run: id),
            steps: try await store.steps(run: id), scrub: { redactor.scrub($0) })
    }

    /// The invariants `source` gives for `run`; recorded declarations are decoded once per distinct text
    /// (every run of one scenario version records the same ones).
    func invariants(for run: RunRecord, source: ReplaySource) throws -> [InvariantSpec] {
        guard case .recorded = source, let declared = run.info.attributes["invariants"] else { return try source.invariants(for: run) }
        let key = declared.canonicalString
        if let cached = declarations[key] { return cached }
        let specs = try source.invariants(for: run)
        declarations[key] = specs
        return specs
    }

    /// Evaluates a prepared run: a pure function of recorded evidence.
    public nonisolated static func evaluate(_ prepared: Prepared) -> ReplayResult {
        let run = prepared.run
        let specs = prepared.specs
        let loaded = prepared.captures
        let captures = loaded.map(\.state)
        let recorded = prepared.recorded
        let steps = prepared.steps
        let stepKinds = Dictionary(steps.map { ($0.sequence, $0.kind) }, uniquingKeysWith: { first, _ in first })
        let recordedIDs = Dictionary(grouping: recorded.filter { $0.snapshot != nil }, by: { $0.snapshot! }).mapValues { Set($0.map(\.invariantID)) }
        var results: [ReplayResult.Result] = []
        for index in captures.indices {
            let capture = captures[index]
            let context = EvaluationContext(current: capture, earlier: Array(captures[..<index]))
            var applicable = specs
            if let step = loaded[index].step, stepKinds[step] == "expect" {
                let ids = capture.snapshot.flatMap { recordedIDs[$0] } ?? []
                applicable = specs.filter { ids.contains($0.id) }
            }
            for finding in InvariantEvaluator.evaluate(applicable, in: context) {
                results.append(.init(capture: capture.sequence, label: capture.label, finding: finding))
            }
        }
        // Step-made findings, carried over.
        for record in recorded where record.snapshot == nil {
            results.append(.init(capture: nil, label: nil, finding: Finding(
                invariantID: record.invariantID, invariantKind: record.invariantKind,
                status: Finding.Status(rawValue: record.status.rawValue) ?? .error, expected: record.expected,
                actual: record.actual, object: record.object, message: record.message)))
        }
        let sequenceOf = Dictionary(captures.compactMap { capture in capture.snapshot.map { ($0, capture.sequence) } }, uniquingKeysWith: { a, _ in a })
        let differences = Self.differences(
            recorded: recorded.map { record in
                Self.key(capture: record.snapshot.flatMap { sequenceOf[$0] }, id: record.invariantID, status: record.status.rawValue,
                    object: record.object, message: record.message)
            },
            replayed: results.map { result in
                Self.key(capture: result.capture, id: result.finding.invariantID, status: result.finding.status.rawValue,
                    object: result.finding.object, message: prepared.scrub(result.finding.message))
            })
        let exitCode: Int32
        switch run.status {
        // A run that did not finish (aborted, also a dead run a writer has not closed yet, or one still going)
        // is judged on partial evidence: never a pass.
        case .error, .aborted, .running: exitCode = Int32(run.exitCode ?? 3)
        case .passed, .failed:
            let failed = results.contains { $0.finding.status != .held } || steps.contains { $0.status == .failed }
            exitCode = failed ? 1 : 0
        }
        return ReplayResult(run: run, results: results, captures: captures.count, differences: differences, exitCode: exitCode)
    }

    /// Reads what a replay of `id` reads (captures with bodies, recorded findings and steps) without evaluating
    /// anything; returns the number of captured objects. The baseline of `scripts/bench.sh replay`.
    public func read(_ id: RunID) async throws -> Int {
        let captures = try await loadCaptures(id)
        _ = try await store.findings(run: id)
        _ = try await store.steps(run: id)
        return captures.reduce(0) { $0 + $1.state.objects.count }
    }

    /// The captures of a run. Reads are batched per run (snapshots, member digests, Loki samples, listing
    /// errors: one query each) and cached across runs: bodies by object digest, and whole captures by member
    /// digest (captures with the same members share one parsed object list and its kind index; only the
    /// label, time, Loki samples and listing errors are the run's own).
    func loadCaptures(_ run: RunID) async throws -> [(state: CapturedState, step: Int?)] {
        let records = try await store.snapshots(run: run)
        let known = Set(records.filter { captures[$0.digest] != nil }.map(\.id))
        let members = known.count == records.count ? [:] : try await store.memberDigests(run: run, skipping: known)
        var missing: Set<String> = []
        for digests in members.values { for digest in digests where bodies[digest] == nil { missing.insert(digest) } }
        if !missing.isEmpty {
            for (digest, body) in try await store.bodies(digests: Array(missing)) { bodies[digest] = body }
        }
        let loki = records.contains { $0.lokiCount > 0 } ? try await store.lokiSamples(run: run) : [:]
        let errors = records.contains { $0.errorCount > 0 } ? try await store.listingErrors(run: run) : [:]
        if captures.count > Self.captureCacheLimit { captures.removeAll(keepingCapacity: true) }
        var states: [(state: CapturedState, step: Int?)] = []
        states.reserveCapacity(records.count)
        for record in records {
            var state: CapturedState
            if let cached = captures[record.digest] {
                state = cached
                state.label = record.label
                state.sequence = record.sequence
                state.takenAt = record.takenAt
                state.snapshot = record.id
            } else {
                // A member whose body is missing is left out, as the snapshot's join with `objects` leaves it.
                let objects = (members[record.id] ?? []).compactMap { bodies[$0] }
                state = CapturedState(label: record.label, sequence: record.sequence, takenAt: record.takenAt, snapshot: record.id, objects: objects)
                captures[record.digest] = state
            }
            state.lokiSamples = loki[record.id] ?? []
            state.listingErrors = errors[record.id] ?? []
            states.append((state, record.step))
        }
        return states
    }

    /// How many distinct captures the member-digest cache keeps before it starts over.
    static let captureCacheLimit = 1024

    nonisolated static func key(capture: Int?, id: String, status: String, object: ObjectIdentity?, message: String) -> String {
        "\(capture.map { "capture \($0)" } ?? "step") [\(id)] \(status)\(object.map { " \($0)" } ?? ""): \(message)"
    }

    /// Multiset difference of recorded and replayed result keys, as `- recorded` / `+ replayed` lines.
    nonisolated static func differences(recorded: [String], replayed: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for key in recorded { counts[key, default: 0] += 1 }
        for key in replayed { counts[key, default: 0] -= 1 }
        var lines: [String] = []
        for key in recorded where (counts[key] ?? 0) > 0 {
            lines.append("- " + key)
            counts[key]! -= 1
        }
        for key in replayed where (counts[key] ?? 0) < 0 {
            lines.append("+ " + key)
            counts[key]! += 1
        }
        return lines
    }
}
