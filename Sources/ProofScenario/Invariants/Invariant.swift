import ProofCore

/// One kind of invariant (`present`, `unchanged`, `envIsolation`…): decoded from its YAML mapping and
/// evaluated as a pure function of an ``EvaluationContext``. One file per kind, under `Kinds/`.
///
/// A statement that does not hold is reported as a ``InvariantEvaluation/Problem`` value, never thrown.
public protocol Invariant: Sendable {
    /// The kind key in YAML (`namespaceKept`).
    static var kind: String { get }
    /// The kind's mapping: its keys (unknown keys are decoding errors) and their docs, printed by `proof schema`.
    static var schema: ObjectSchema { get }
    /// Decodes the kind's mapping.
    init(fields: InvariantFields) throws(ScenarioError)
    /// The capture this invariant compares against, if any; the invariant is skipped until it was taken.
    var since: String? { get }
    /// Judges the current capture.
    func evaluate(in context: EvaluationContext) -> InvariantEvaluation
}

extension Invariant {
    /// The keys the kind's mapping accepts, from its schema.
    public static var keys: [String] { schema.properties.map(\.name) }

    /// No `since:` by default.
    public var since: String? { nil }
}

/// What one invariant found at one capture: nothing wrong (a summary), or one problem per object.
public struct InvariantEvaluation: Sendable, Hashable {
    /// One failure (or one reason the invariant could not be evaluated).
    public struct Problem: Sendable, Hashable {
        /// `failed` or `error`.
        public var status: Finding.Status
        /// What was expected.
        public var expected: JSON?
        /// What was found.
        public var actual: JSON?
        /// The object it is about.
        public var object: ObjectIdentity?
        /// One sentence.
        public var message: String
        /// What it was judged on.
        public var evidence: JSON?

        /// A finding about `object`.
        public static func failed(
            _ message: String, expected: JSON?, actual: JSON?, object: ObjectIdentity? = nil, evidence: JSON? = nil
        ) -> Problem {
            Problem(status: .failed, expected: expected, actual: actual, object: object, message: message, evidence: evidence)
        }

        /// The invariant could not be evaluated.
        public static func error(_ message: String, expected: JSON? = nil, object: ObjectIdentity? = nil) -> Problem {
            Problem(status: .error, expected: expected, actual: nil, object: object, message: message, evidence: nil)
        }
    }

    /// Failures and errors; empty when the invariant held.
    public var problems: [Problem]
    /// The sentence recorded when it held (`3 Applications Synced/Healthy`).
    public var summary: String
    /// What was expected, recorded with a held result.
    public var expected: JSON?
    /// What was found, recorded with a held result.
    public var actual: JSON?
    /// What it was judged on, recorded with a held result.
    public var evidence: JSON?

    /// An evaluation.
    public init(problems: [Problem], summary: String, expected: JSON? = nil, actual: JSON? = nil, evidence: JSON? = nil) {
        self.problems = problems
        self.summary = summary
        self.expected = expected
        self.actual = actual
        self.evidence = evidence
    }
}
