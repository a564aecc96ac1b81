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
    /// Whether `members` is also held elsewhere (a capture cache's view, kept for the next capture): joining then
    /// copies it instead of moving it out (moving out of a shared array would copy it first and then fill and
    /// free that copy). Only a hint: the result is the same either way.
    public var shared = false

    /// No members.
    public init() {}

    /// The members of `parts` in their order, in one array, and their counts. One part is taken as it is;
    /// several are moved into one array once (a capture's pages join here, not page by page). Moved, not copied:
    /// a copy would retain each member's few references and releasing the part would release them again, each
    /// a cache miss on the core that did not make the member (41,000 members took 22 ms of CPU at the capture's
    /// serial end). A part marked ``shared`` is copied; one the caller still holds unmarked is copied first, as any
    /// shared array is before it is changed.
    public init(joining parts: consuming [SnapshotMembers]) {
        guard parts.count > 1 else {
            if let only = parts.popLast() { self = only }
            return
        }
        let total = parts.reduce(0) { $0 + $1.members.count }
        members = [SnapshotMember](unsafeUninitializedCapacity: total) { joined, count in
            guard let destination = joined.baseAddress else { return }
            for index in parts.indices {
                if parts[index].shared {
                    parts[index].members.withUnsafeBufferPointer { part in
                        guard let source = part.baseAddress else { return }
                        (destination + count).initialize(from: source, count: part.count)
                        count += part.count
                    }
                    continue
                }
                parts[index].members.withUnsafeMutableBufferPointer { part in
                    guard let source = part.baseAddress else { return }
                    (destination + count).moveInitialize(from: source, count: part.count)
                    // The part's slots hold a member without references again, so the part can go as usual.
                    part.initialize(repeating: Self.moved)
                    count += part.count
                }
            }
        }
        for part in parts {
            newBodies += part.newBodies
            newBytes += part.newBytes
        }
    }

    /// What a joined part's slots hold once its members are moved out: nothing to retain or release (empty
    /// strings are stored inline, an empty array is a shared constant).
    private static let moved = SnapshotMember(
        key: [], identity: ObjectIdentity(apiVersion: "", kind: "", namespace: "", name: ""), uid: nil, resourceVersion: nil, digest: "")
}
