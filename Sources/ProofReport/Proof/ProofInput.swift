import Foundation
import ProofCore
import ProofStore

/// Everything the proof of one run is rendered from, read from the evidence store. The renderers are pure
/// functions of this value, so `proof verify` can re-render a proof from the store and compare it byte for byte.
public struct ProofInput: Sendable {
    /// One capture with its contents.
    public struct Capture: Sendable {
        /// The stored snapshot (label, time, digests).
        public var record: SnapshotRecord
        /// The captured object bodies.
        public var objects: [JSON]
        /// The Loki samples.
        public var lokiSamples: [LokiSample]
        /// Kinds that could not be listed.
        public var listingErrors: [ListingError]

        /// A capture.
        public init(record: SnapshotRecord, objects: [JSON], lokiSamples: [LokiSample] = [], listingErrors: [ListingError] = []) {
            self.record = record
            self.objects = objects
            self.lokiSamples = lokiSamples
            self.listingErrors = listingErrors
        }
    }

    /// The run.
    public var run: RunRecord
    /// Its steps in order.
    public var steps: [StepRecord]
    /// Its captures in order.
    public var captures: [Capture]
    /// Every invariant result.
    public var findings: [FindingRecord]
    /// How many watch events were recorded between captures.
    public var watchEventCount: Int
    /// The evidence database path as the re-check command should name it (relative to the repository).
    public var databasePath: String

    /// An input from values.
    public init(run: RunRecord, steps: [StepRecord], captures: [Capture], findings: [FindingRecord], watchEventCount: Int = 0, databasePath: String = "docs/proof/evidence.sqlite") {
        self.run = run
        self.steps = steps
        self.captures = captures
        self.findings = findings
        self.watchEventCount = watchEventCount
        self.databasePath = databasePath
    }

    /// Reads a run from the store.
    public static func load(from store: EvidenceStore, run id: RunID, databasePath: String? = nil) async throws -> ProofInput {
        guard let run = try await store.run(id) else {
            throw ReportError("run \(id) is not in \(store.path); list runs with `proof replay --all --db \(store.path)`")
        }
        var captures: [Capture] = []
        for record in try await store.snapshots(run: id) {
            captures.append(
                Capture(
                    record: record, objects: try await store.objects(snapshot: record.id, bodies: true).compactMap(\.body),
                    lokiSamples: try await store.lokiSamples(snapshot: record.id), listingErrors: try await store.listingErrors(snapshot: record.id)))
        }
        return ProofInput(
            run: run, steps: try await store.steps(run: id), captures: captures, findings: try await store.findings(run: id),
            watchEventCount: try await store.watchEvents(run: id, bodies: false).count, databasePath: databasePath ?? store.path)
    }

    /// The overall outcome.
    public var verdict: Verdict {
        if findings.contains(where: { $0.status == .failed }) || run.status == .failed { return .failed }
        if findings.contains(where: { $0.status == .error }) || [.error, .aborted, .running].contains(run.status) { return .error }
        return .passed
    }

    /// Invariant ids in order of first evaluation.
    public var invariantIDs: [String] {
        var seen: Set<String> = []
        return findings.map(\.invariantID).filter { seen.insert($0).inserted }
    }

    /// The results of one invariant at one capture.
    public func results(_ invariant: String, at capture: Capture) -> [FindingRecord] {
        findings.filter { $0.invariantID == invariant && $0.snapshot == capture.record.id }
    }

    /// The capture a finding belongs to.
    public func capture(of finding: FindingRecord) -> Capture? {
        captures.first { $0.record.id == finding.snapshot }
    }

    /// Where the proof of this run goes, relative to the proof directory: `<scenario>/<UTC time>-<short id>.md`.
    public var relativePath: String { Self.relativePath(scenario: run.info.scenario, startedAt: run.startedAt, run: run.id) }

    /// `<scenario>/<yyyyMMdd'T'HHmmss'Z'>-<short run id>.md`.
    public static func relativePath(scenario: String, startedAt: Date, run: RunID) -> String {
        let stamp = Timestamp.format(startedAt).prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let safe = scenario.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }
        return "\(String(safe))/\(stamp)Z-\(run.short.lowercased()).md"
    }
}

/// How a run ended, as the proof and the index show it.
public enum Verdict: String, Sendable, Hashable {
    /// Every invariant held at every capture and the run finished.
    case passed = "PASSED"
    /// At least one invariant failed (or a step's expectation failed).
    case failed = "FAILED"
    /// The run or an invariant could not be executed.
    case error = "ERROR"

    /// `✅ PASSED`.
    public var badge: String {
        switch self {
        case .passed: "✅ PASSED"
        case .failed: "❌ FAILED"
        case .error: "⚠️ ERROR"
        }
    }
}
