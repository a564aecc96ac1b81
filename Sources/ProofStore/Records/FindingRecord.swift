import Foundation
import ProofCore

/// The result of evaluating one invariant at one capture: held, failed (a finding) or error (could not be
/// evaluated). A failed invariant is a value here, never a thrown error.
public struct FindingRecord: Sendable, Hashable {
    /// The outcome.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// The invariant held.
        case held
        /// The invariant did not hold: a finding.
        case failed
        /// The invariant could not be evaluated.
        case error
    }

    /// Position in the run, from 1; assigned by the store (ignored when writing).
    public var sequence: Int
    /// The snapshot it was evaluated against (`nil` for a run-level result).
    public var snapshot: SnapshotID?
    /// The step during which it was evaluated.
    public var step: Int?
    /// The invariant's id in the scenario.
    public var invariantID: String
    /// The invariant's kind (`present`, `unchanged`, `env-isolation`…).
    public var invariantKind: String
    /// The outcome.
    public var status: Status
    /// What the invariant expected (normalised and redacted before writing).
    public var expected: JSON?
    /// What was found (normalised and redacted before writing).
    public var actual: JSON?
    /// The object it is about.
    public var object: ObjectIdentity?
    /// One sentence for people; scrubbed before it is written.
    public var message: String

    /// A result to record.
    public init(
        sequence: Int = 0, snapshot: SnapshotID?, step: Int? = nil, invariantID: String, invariantKind: String,
        status: Status, expected: JSON? = nil, actual: JSON? = nil, object: ObjectIdentity? = nil, message: String
    ) {
        self.sequence = sequence
        self.snapshot = snapshot
        self.step = step
        self.invariantID = invariantID
        self.invariantKind = invariantKind
        self.status = status
        self.expected = expected
        self.actual = actual
        self.object = object
        self.message = message
    }
}
