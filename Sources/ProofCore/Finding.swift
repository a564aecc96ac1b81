/// The result of evaluating one invariant at one capture: it held, it failed (a finding, with what was
/// expected, what was found and the object it is about), or it could not be evaluated.
///
/// A failed invariant is this value, never a thrown error; only failures to execute throw.
public struct Finding: Sendable, Hashable, CustomStringConvertible {
    /// The outcome of one evaluation.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// The invariant held.
        case held
        /// The invariant did not hold.
        case failed
        /// The invariant could not be evaluated (a missing capture or sample, a kind that was not listed).
        case error
    }

    /// The invariant's id in the scenario.
    public var invariantID: String
    /// The invariant's kind (`present`, `unchanged`, `envIsolation`…).
    public var invariantKind: String
    /// The outcome.
    public var status: Status
    /// What the invariant expected, as JSON.
    public var expected: JSON?
    /// What was found, as JSON.
    public var actual: JSON?
    /// The object the result is about, when there is one.
    public var object: ObjectIdentity?
    /// One sentence for people.
    public var message: String
    /// What the result was judged on (capture labels, object digests, uids), as a JSON object.
    public var evidence: JSON?

    /// A result.
    public init(
        invariantID: String, invariantKind: String, status: Status, expected: JSON? = nil, actual: JSON? = nil,
        object: ObjectIdentity? = nil, message: String, evidence: JSON? = nil
    ) {
        self.invariantID = invariantID
        self.invariantKind = invariantKind
        self.status = status
        self.expected = expected
        self.actual = actual
        self.object = object
        self.message = message
        self.evidence = evidence
    }

    /// `failed [id] Kind/ns/name: message`.
    public var description: String {
        var text = "\(status.rawValue) [\(invariantID)]"
        if let object { text += " \(object)" }
        return text + ": " + message
    }
}
