import Foundation
import ProofCore

/// One executed step of a run, recorded once it has finished.
public struct StepRecord: Sendable, Hashable {
    /// How a step ended.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// It did what it should.
        case passed
        /// Its expectation did not hold.
        case failed
        /// It could not execute.
        case error
        /// It was not run (an earlier step failed).
        case skipped
        /// It ran out of time.
        case timeout
    }

    /// Position in recording order, from 1; assigned by the store (ignored when writing).
    public var sequence: Int
    /// The step's name in the scenario.
    public var name: String
    /// Its kind (`apply`, `wait`, `capture`…).
    public var kind: String
    /// `main` or `finally` (or anything the runner uses to group steps).
    public var phase: String
    /// When it started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date
    /// How it ended.
    public var status: Status
    /// One line for people (a wait that timed out says what it last saw); scrubbed before it is written.
    public var message: String?
    /// Structured detail (inputs, outputs, the last state a wait saw), normalised and redacted before writing.
    public var detail: JSON?

    /// A step to record.
    public init(
        sequence: Int = 0, name: String, kind: String, phase: String = "main", startedAt: Date, finishedAt: Date,
        status: Status, message: String? = nil, detail: JSON? = nil
    ) {
        self.sequence = sequence
        self.name = name
        self.kind = kind
        self.phase = phase
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.message = message
        self.detail = detail
    }

    /// How long it took.
    public var duration: TimeInterval { finishedAt.timeIntervalSince(startedAt) }
}
