import Foundation
import ProofCore

/// One Loki query kept with a snapshot: its result, or the error that prevented it.
public struct LokiSample: Sendable, Hashable {
    /// The scenario's name for the query (`volume-airflow-dev`).
    public var name: String
    /// The LogQL query.
    public var query: String
    /// The query range, when it was a range query.
    public var start: Date?
    /// The end of the range.
    public var end: Date?
    /// The `data` of Loki's answer (`resultType` and `result`) when the query succeeded; strings in it are
    /// scrubbed before writing (log lines can carry tokens).
    public var result: JSON?
    /// Why the query failed, when it did.
    public var error: String?

    /// A sample.
    public init(name: String, query: String, start: Date? = nil, end: Date? = nil, result: JSON? = nil, error: String? = nil) {
        self.name = name
        self.query = query
        self.start = start
        self.end = end
        self.result = result
        self.error = error
    }

    /// Whether the query succeeded.
    public var succeeded: Bool { error == nil }
}
