import Foundation

/// A stored snapshot: one capture of a run, with its counts and digests.
public struct SnapshotRecord: Sendable, Hashable, Identifiable {
    /// The store-local id.
    public var id: SnapshotID
    /// The run it belongs to.
    public var run: RunID
    /// Its position in the run, from 1.
    public var sequence: Int
    /// The capture's label (`before-detach`, `after-attach`…).
    public var label: String
    /// The step that took it, if any.
    public var step: Int?
    /// When it was taken.
    public var takenAt: Date
    /// How many objects it holds.
    public var objectCount: Int
    /// How many kinds could not be listed.
    public var errorCount: Int
    /// How many Loki samples it holds.
    public var lokiCount: Int
    /// SHA-256 over the ordered member list (see ``EvidenceDigest/members(_:)``).
    public var digest: String
    /// SHA-256 over the listing errors.
    public var errorsDigest: String
    /// SHA-256 over the Loki samples.
    public var lokiDigest: String
    /// The chain digest of the previous snapshot of the run, or the run's genesis digest for the first.
    public var previousDigest: String
    /// SHA-256 over this snapshot's header, its three digests and `previousDigest`: the chain link.
    public var chainDigest: String
}
