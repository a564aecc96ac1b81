/// One thing wrong with a scenario file, located where it was found.
public struct DecodingProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is; `nil` for problems of the file as a whole (unreadable, empty).
    public var location: SourceLocation?
    /// What is wrong and what was expected, e.g. `unknown key 'x' in step 3 (wait); expected one of …`.
    public var message: String

    /// Creates a problem.
    public init(location: SourceLocation?, message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:col: message`.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}
