import Foundation

/// Something collected to explain a failure: events, recent logs of an unready pod, a note.
public struct Diagnostic: Sendable, Hashable {
    /// Position in the run, from 1; assigned by the store (ignored when writing).
    public var sequence: Int
    /// When it was collected.
    public var at: Date
    /// The step it belongs to.
    public var step: Int?
    /// `events`, `pod-log`, `note`…
    public var kind: String
    /// What it is about (`Pod/airflow-dev/scheduler-0`).
    public var subject: String
    /// The text; scrubbed by the store's redactor before it is written.
    public var content: String

    /// A diagnostic.
    public init(sequence: Int = 0, at: Date, step: Int? = nil, kind: String, subject: String, content: String) {
        self.sequence = sequence
        self.at = at
        self.step = step
        self.kind = kind
        self.subject = subject
        self.content = content
    }
}
