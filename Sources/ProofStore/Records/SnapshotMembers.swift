import ProofCore

/// One object of a snapshot as its membership row keeps it: identity, uid, resourceVersion and the digest of
/// its stored (normalised, redacted) body. A few hundred bytes, whatever the body's size.
public struct SnapshotMember: Sendable, Hashable {
    /// The ordering key of the identity (``EvidenceDigest/memberKey(_:)``).
    public var key: [UInt8]
    /// apiVersion, kind, namespace and name.
    public var identity: ObjectIdentity
    /// `metadata.uid`, when the object has one.
    public var uid: String?
    /// `metadata.resourceVersion`, when the object has one.
    public var resourceVersion: String?
    /// The SHA-256 of the stored body.
    public var digest: String
}

/// The members of a snapshot gathered page by page (``EvidenceStore/storeBodies(_:label:)``), with what
/// storing their bodies added to the file. Pages combine with ``init(joining:)``.
public struct SnapshotMembers: Sendable {
    /// Every member so far, in the order stored.
    public var members: [SnapshotMember] = []
    /// Bodies the pages added to the store (an unchanged object costs nothing and is not counted).
    public var newBodies = 0
    /// Bytes of canonical JSON those new bodies take.
    public var newBytes = 0

    /// No members.
    public init() {}

    /// The members of `parts` in their order, in one array, and their counts. One part is taken as it is;
    /// several are copied into one array once (a capture's pages join here, not page by page: every copy of a
    /// member retains its few references, each a cache miss on the core that did not make it).
    public init(joining parts: consuming [SnapshotMembers]) {
        guard parts.count > 1 else {
            if let only = parts.popLast() { self = only }
            return
        }
        members.reserveCapacity(parts.reduce(0) { $0 + $1.members.count })
        for part in parts {
            members += part.members
            newBodies += part.newBodies
            newBytes += part.newBytes
        }
    }
}
