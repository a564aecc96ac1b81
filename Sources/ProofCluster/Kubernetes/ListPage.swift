import ProofCore

/// One page of a list answer as the server sent it: the body and the byte range of each item, already checked
/// as JSON (``JSON/scanList(_:)``) but not decoded. An item is decoded on demand (``item(_:)``), typed as
/// ``KubernetesClient/listPages(_:namespace:labelSelector:fieldSelector:pageSize:_:)`` types it, so a consumer
/// can decode, process and drop one item at a time, from several threads at once, instead of holding a page's
/// worth of decoded objects.
///
/// Immutable once made, so `Sendable` and safe to read from any thread.
public struct ListPage: Sendable {
    /// The resource type listed (fills in items' `apiVersion` and `kind`).
    public let type: ResourceType
    /// The answer's bytes.
    let body: [UInt8]
    /// Where each item lies in ``body``.
    let ranges: [Range<Int>]

    /// A page of `ranges` of `body`, listed for `type`.
    public init(type: ResourceType, body: [UInt8], ranges: [Range<Int>]) {
        self.type = type
        self.body = body
        self.ranges = ranges
    }

    /// How many items the page holds.
    public var count: Int { ranges.count }

    /// Item `index`, decoded, with `apiVersion` and `kind` set from ``type`` when the server left them out.
    public func item(_ index: Int) throws -> JSON {
        KubernetesClient.typed(try JSON(parsing: body, range: ranges[index]), as: type)
    }

    /// Item `index`'s identity (typed as ``item(_:)`` types it), uid and resourceVersion, read without decoding
    /// the item (``JSON/scanHead(_:range:)``); `nil` when it lacks a name, a uid or a resourceVersion.
    public func version(_ index: Int) -> ObjectVersion? {
        guard let head = JSON.scanHead(body, range: ranges[index]) else { return nil }
        // `item(_:)` sets both from the type when either member is missing (KubernetesClient.typed).
        let typed = !head.hasKind || !head.hasAPIVersion
        guard let apiVersion = typed ? type.apiVersion : head.apiVersion, let kind = typed ? type.kind : head.kind,
            let name = head.name, let uid = head.uid, !uid.isEmpty, let resourceVersion = head.resourceVersion, !resourceVersion.isEmpty
        else { return nil }
        return ObjectVersion(
            identity: ObjectIdentity(apiVersion: apiVersion, kind: kind, namespace: head.namespace ?? "", name: name), uid: uid,
            resourceVersion: resourceVersion)
    }

    /// Item `index`'s version (as ``version(_:)`` reads it) and the canonical JSON `redaction` would normalise
    /// it to, both read in one walk over its bytes (``Redaction/canonicalVersionIfUnchanged(_:apiVersion:kind:)``);
    /// `nil` when either is not certain, and the item is to be decoded and normalised instead.
    public func canonical(_ index: Int, redaction: Redaction) -> (version: ObjectVersion, body: [UInt8])? {
        body.withUnsafeBufferPointer { whole in
            redaction.canonicalVersionIfUnchanged(
                UnsafeBufferPointer(rebasing: whole[ranges[index]]), apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// Every item, decoded and typed.
    public func items() throws -> [JSON] {
        try ranges.indices.map(item)
    }
}
