/// One way stored evidence does not match its digests, found by ``EvidenceStore/verifyIntegrity(run:)``.
public struct IntegrityProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where: `run R`, `snapshot R#3 'after-detach'`, `object <digest>`…
    public var location: String
    /// What does not match, with the stored and the recomputed value.
    public var message: String

    /// A problem.
    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
