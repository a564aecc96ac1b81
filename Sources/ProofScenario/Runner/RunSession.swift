import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// The state of one run that steps share: captures taken so far (and the invariants evaluated at each),
/// variables set by steps (`{{commit}}`), and progress.
public actor RunSession {
    /// The store.
    public let store: EvidenceStore
    /// The run.
    public let run: RunID
    /// The capturer (the capture engineer's `Capturer`).
    public let capturer: Capturer
    /// The run's watch-fed cache of what captures need (``CaptureCache``); `nil` lists every capture.
    public let captureCache: CaptureCache?
    /// The scenario's invariants.
    public let invariants: [InvariantSpec]
    /// The kubeconfig of the run's cluster (for `exec` steps), when there is a file.
    public let kubeconfigPath: String?
    /// Progress output.
    public let reporter: ProgressReporter
    /// Captures so far, in order.
    public private(set) var captures: [CapturedState] = []
    /// Every result recorded so far.
    public private(set) var findings: [Finding] = []
    private var variables: [String: String]

    /// A session.
    public init(store: EvidenceStore, run: RunID, capturer: Capturer, invariants: [InvariantSpec], kubeconfigPath: String?,
        reporter: ProgressReporter, variables: [String: String] = [:], captureCache: CaptureCache? = nil)
    {
        self.captureCache = captureCache
        self.store = store
        self.run = run
        self.capturer = capturer
        self.invariants = invariants
        self.kubeconfigPath = kubeconfigPath
        self.reporter = reporter
        self.variables = variables
    }

    /// Takes a capture labelled `label`, evaluates every invariant there, records the results; returns them.
    @discardableResult
    public func capture(label: String, step: Int?) async throws -> [Finding] {
        reporter.status("capturing \(label)…")
        let before = await captureCache?.statistics
        let result = try await capturer.capture(run: run, label: label, step: step, cache: captureCache)
        var source = ""
        if let before, let after = await captureCache?.statistics {
            source = ", \(after.hits - before.hits) of \(after.hits + after.listings - before.hits - before.listings) kinds from the cache"
        }
        let state = try await CapturedState.load(from: store, snapshot: result.snapshot)
        let results = InvariantEvaluator.evaluate(invariants, in: EvaluationContext(current: state, earlier: captures))
        captures.append(state)
        try await record(results, snapshot: result.snapshot.id, step: step)
        let failed = results.filter { $0.status != .held }.count
        reporter.line("  capture \(label): \(result.objectCount) objects, \(results.count - failed)/\(results.count) invariant results held (captured in \(Self.seconds(result.duration)) s\(source))")
        for finding in results where finding.status != .held { reporter.line("    ✗ \(finding)") }
        return results
    }

    /// Takes a capture for one invariant (an `expect` step) and evaluates only it there.
    public func check(_ invariant: InvariantSpec, label: String, step: Int?) async throws -> [Finding] {
        let result = try await capturer.capture(run: run, label: label, step: step, cache: captureCache)
        let state = try await CapturedState.load(from: store, snapshot: result.snapshot)
        var results = InvariantEvaluator.evaluate(invariant, in: EvaluationContext(current: state, earlier: captures))
        if results.isEmpty {
            results = [Finding(invariantID: invariant.id, invariantKind: invariant.kind, status: .error,
                message: "the invariant does not apply at capture '\(label)' (check its `at:`/`since:`)")]
        }
        captures.append(state)
        try await record(results, snapshot: result.snapshot.id, step: step)
        return results
    }

    /// Records step-made findings (no capture).
    public func record(_ results: [Finding], snapshot: SnapshotID?, step: Int?) async throws {
        guard !results.isEmpty else { return }
        findings += results
        _ = try await store.recordFindings(results.map { finding in
            FindingRecord(
                snapshot: snapshot, step: step, invariantID: finding.invariantID, invariantKind: finding.invariantKind,
                status: FindingRecord.Status(rawValue: finding.status.rawValue) ?? .error, expected: finding.expected,
                actual: finding.actual, object: finding.object, message: finding.message)
        }, run: run)
    }

    /// Sets a variable (`commit`, saved HTTP fields).
    public func setVariable(_ name: String, _ value: String) {
        variables[name] = value
    }

    /// The variables.
    public var allVariables: [String: String] { variables }

    /// `text` with every `{{name}}` of a known variable replaced.
    public func substitute(_ text: String) -> String {
        guard text.contains("{{") else { return text }
        var result = text
        for (name, value) in variables { result = result.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return result
    }

    /// `duration` in seconds with three decimals.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Shows what the current step is doing (terminal only).
    public func progress(_ text: String) {
        reporter.status(text)
    }
}
