/// What writing a snapshot did.
public struct SnapshotWriteResult: Sendable, Hashable {
    /// The snapshot as stored.
    public var snapshot: SnapshotRecord
    /// Object bodies this snapshot added to the store (unchanged objects cost nothing and are not counted).
    public var newBodies: Int
    /// Bytes of canonical JSON those new bodies take.
    public var newBytes: Int
    /// How many given objects were exact duplicates of another in the same snapshot and were kept once.
    public var duplicatesDropped: Int
}
