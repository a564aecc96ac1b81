import ProofCore

/// One page of a list answer as the server sent it: the body and the byte range of each item, found but not
/// decoded (``JSON/splitList(_:)``). An item is decoded on demand (``item(_:)``), typed as
/// ``KubernetesClient/listPages(_:namespace:labelSelector:fieldSelector:pageSize:_:)`` types it, so a consumer
/// can decode, process and drop one item at a time, from several threads at once, instead of holding a page's
/// worth of decoded objects.
///
/// What an item holds is checked by whatever reads it (``item(_:)`` parses it; ``version(_:)`` and
/// ``canonical(_:redaction:)`` read only a valid item and answer `nil` otherwise), so each byte is checked once.
/// An item that is not valid JSON makes ``item(_:)`` throw what checking the whole answer gives: the
/// protocol violation, with the position in the answer, that the client reported when it checked whole pages.
///
/// Immutable once made, so `Sendable` and safe to read from any thread.
public struct ListPage: Sendable {
    /// The resource type listed (fills in items' `apiVersion` and `kind`).
    public let type: ResourceType
    /// The answer's bytes.
    let body: [UInt8]
    /// Where each item lies in ``body``.
    let ranges: [Range<Int>]
    /// The request the answer came from, for the error an invalid item makes (`nil`: the bare parse error).
    let source: Source?

    /// The request behind a page, named in the error an invalid item makes.
    struct Source: Sendable {
        var method: String
        var url: String
        var status: Int
    }

    /// A page of `ranges` of `body`, listed for `type`.
    public init(type: ResourceType, body: [UInt8], ranges: [Range<Int>]) {
        self.init(type: type, body: body, ranges: ranges, source: nil)
    }

    init(type: ResourceType, body: [UInt8], ranges: [Range<Int>], source: Source?) {
        self.type = type
        self.body = body
        self.ranges = ranges
        self.source = source
    }

    /// How many items the page holds.
    public var count: Int { ranges.count }

    /// Item `index`, decoded, with `apiVersion` and `kind` set from ``type`` when the server left them out.
    /// Throws when the answer is not valid JSON (see the type's documentation).
    public func item(_ index: Int) throws -> JSON {
        do {
            return KubernetesClient.typed(try JSON(parsing: body, range: ranges[index]), as: type)
        } catch {
            throw refusal(error)
        }
    }

    /// The error for an answer with an item that is not valid JSON (`itemError`, where it was found): the one
    /// checking the whole answer gives, with its position in the answer.
    func refusal(_ itemError: JSONParseError) -> any Error {
        var error = itemError
        do { _ = try JSON.scanList(body) } catch let whole { error = whole }
        guard let source else { return error }
        return KubernetesClient.notJSON(error, method: source.method, url: source.url, status: source.status)
    }

    /// Item `index`'s identity (typed as ``item(_:)`` types it), uid and resourceVersion, read without decoding
    /// the item (``JSON/scanHead(_:range:)``); `nil` when it lacks a name, a uid or a resourceVersion, or is not
    /// valid JSON.
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
    /// `nil` when either is not certain (or the item is not valid JSON), and the item is to be decoded and
    /// normalised instead.
    public func canonical(_ index: Int, redaction: Redaction) -> (version: ObjectVersion, body: [UInt8])? {
        body.withUnsafeBufferPointer { whole in
            redaction.canonicalVersionIfUnchanged(
                UnsafeBufferPointer(rebasing: whole[ranges[index]]), apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// ``canonical(_:redaction:)`` written into `scratch` and handed to `body` (the bytes valid only during the
    /// call): `nil` without calling `body` when the walk is not certain.
    public func canonical<Result>(
        _ index: Int, redaction: Redaction, scratch: CanonicalScratch, _ body: (ObjectVersion, UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        self.body.withUnsafeBufferPointer { whole in
            redaction.canonicalVersionIfUnchanged(
                UnsafeBufferPointer(rebasing: whole[ranges[index]]), apiVersion: type.apiVersion, kind: type.kind, scratch: scratch, body)
        }
    }

    /// Every item, decoded and typed.
    public func items() throws -> [JSON] {
        try ranges.indices.map(item)
    }
}
