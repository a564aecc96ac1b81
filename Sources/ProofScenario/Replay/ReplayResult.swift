import ProofCore
import ProofStore

/// What replaying one recorded run gave: the findings the invariants give today for each recorded capture, the
/// step-made findings carried over from the record, the exit code a live run would have had, and how the
/// findings differ from the recorded ones.
public struct ReplayResult: Sendable {
    /// One result paired with the capture it was evaluated at (`nil` for a step-made finding).
    public struct Result: Sendable, Hashable {
        /// The capture's sequence in the run.
        public var capture: Int?
        /// The capture's label.
        public var label: String?
        /// The finding.
        public var finding: Finding
    }

    /// The run.
    public var run: RunRecord
    /// Every result, in capture order.
    public var results: [Result]
    /// Captures evaluated.
    public var captures: Int
    /// Results recorded in the store that the replay does not give (`- …`) and results it gives that were not
    /// recorded (`+ …`), as lines; empty when the replay reproduces the record.
    public var differences: [String]
    /// 0 every invariant held, 1 a finding or a failed step, 3 the recorded run could not execute (a replay
    /// cannot re-run it), as `proof run` would exit.
    public var exitCode: Int32

    /// The results that did not hold.
    public var failures: [Result] { results.filter { $0.finding.status != .held } }
    /// Whether the replay gives exactly the recorded findings.
    public var matchesRecord: Bool { differences.isEmpty }
}
