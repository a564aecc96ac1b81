/// The store-local id of a snapshot. Stable within one file only: across stores (after `proof merge`) a
/// snapshot is named by its run and sequence, and recognised by its chain digest.
public struct SnapshotID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The row id.
    public let rawValue: Int64

    /// Wraps a row id.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public var description: String { String(rawValue) }

    public static func < (lhs: SnapshotID, rhs: SnapshotID) -> Bool { lhs.rawValue < rhs.rawValue }
}
