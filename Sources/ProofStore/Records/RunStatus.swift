/// Where a run stands. The first five are stored; ``unfinished`` is what readers report for a `running` run
/// whose owning process is gone (see ``RunOwner``) — the file itself is not changed by reading it.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// In progress, and its owner is alive.
    case running
    /// Finished; every invariant held.
    case passed
    /// Finished; at least one invariant failed.
    case failed
    /// Stopped before the end (interrupted, or closed by ``EvidenceStore/closeAbandonedRuns(at:)``).
    case aborted
    /// Could not execute (cluster unreachable, timeout, bad input).
    case error
    /// Never finished: its process died or released the store without closing it. Derived, never stored.
    case unfinished

    /// Whether the status ends a run (everything but `running` and `unfinished`).
    public var isFinal: Bool { self != .running && self != .unfinished }
}
