/// One thing `proof verify` found wrong: where (a markdown `file:line`, or a store `table` and row) and what.
public struct VerifyProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is: `docs/proof/x.md:42`, `evidence.sqlite: snapshots run=R seq=3 'after-detach'`.
    public var location: String
    /// What does not match, with the expected and the found value.
    public var message: String

    /// A problem.
    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    /// `location: message`.
    public var description: String { "\(location): \(message)" }
}
