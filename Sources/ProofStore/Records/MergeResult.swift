/// What ``EvidenceStore/merge(from:)`` did.
public struct MergeResult: Sendable, Hashable {
    /// Runs copied into the store.
    public var runsAdded: [RunID]
    /// Runs the store already held (same id), left as they were.
    public var runsSkipped: [RunID]
    /// Object bodies the store did not have yet (shared bodies are never duplicated).
    public var newBodies: Int
}
