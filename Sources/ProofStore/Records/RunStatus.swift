/// Where a run stands, as stored in `runs.status`. A reader reports a `running` run whose owning process is
/// gone (see ``RunOwner``) as ``aborted`` before any writer has recorded that (``RunRecord/recordedStatus`` then
/// still says `running`); reading never changes the file.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// In progress, and its owner is alive.
    case running
    /// Finished; every invariant held.
    case passed
    /// Finished; at least one invariant failed.
    case failed
    /// Stopped before the end: interrupted (Ctrl-C, SIGTERM), or its process died (kill -9, a crash) — closed
    /// by ``EvidenceStore/closeAbandonedRuns(at:)``, or derived so by a reader until a writer opens the store.
    case aborted
    /// Could not execute (cluster unreachable, timeout, bad input).
    case error

    /// Whether the status ends a run (everything but `running`).
    public var isFinal: Bool { self != .running }
}
