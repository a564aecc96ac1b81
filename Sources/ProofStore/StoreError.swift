/// Why the evidence store could not do what was asked. Messages say what, where and what to do; they never
/// carry object bodies or statement arguments (which could hold what redaction exists to keep out).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, for callers that branch on it.
    public enum Code: String, Sendable {
        /// The file could not be opened or created.
        case cannotOpen
        /// The store was written by a newer version of the harness.
        case newerSchema
        /// No run with the given id.
        case unknownRun
        /// The run is closed and takes no more evidence.
        case runClosed
        /// No snapshot with the given id.
        case unknownSnapshot
        /// An object lacks `apiVersion`, `kind` or `metadata.name`.
        case objectWithoutIdentity
        /// Two different objects share one identity in a snapshot.
        case duplicateObject
        /// A stored row could not be read back (the file was edited or is damaged).
        case corrupt
        /// An argument cannot be used (such as closing a run as `running`).
        case invalidArgument
        /// SQLite reported an error.
        case database
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String

    /// An error of `code` with `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
