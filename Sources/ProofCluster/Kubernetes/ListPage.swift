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

    /// The bytes of item `index` exactly as the server sent them.
    public func bytes(_ index: Int) -> ArraySlice<UInt8> { body[ranges[index]] }

    /// Item `index`, decoded, with `apiVersion` and `kind` set from ``type`` when the server left them out.
    public func item(_ index: Int) throws -> JSON {
        KubernetesClient.typed(try JSON(parsing: body, range: ranges[index]), as: type)
    }

    /// Every item, decoded and typed.
    public func items() throws -> [JSON] {
        try ranges.indices.map(item)
    }
}
