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
/// storing their bodies added to the file. Pages combine with `+=`.
public struct SnapshotMembers: Sendable {
    /// Every member so far, in the order stored.
    public var members: [SnapshotMember] = []
    /// Bodies the pages added to the store (an unchanged object costs nothing and is not counted).
    public var newBodies = 0
    /// Bytes of canonical JSON those new bodies take.
    public var newBytes = 0

    /// No members.
    public init() {}

    /// Adds `page`'s members and counts to `members`.
    public static func += (members: inout SnapshotMembers, page: SnapshotMembers) {
        // The first page's array is taken as it is (shared, not copied member by member).
        if members.members.isEmpty { members.members = page.members } else { members.members += page.members }
        members.newBodies += page.newBodies
        members.newBytes += page.newBytes
    }
}
