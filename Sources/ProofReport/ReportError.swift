/// The one error type of `ProofReport`: something a report could not be made from (a missing run, an
/// unreadable proof directory). The message says what, where and what to do.
public struct ReportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// An error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
