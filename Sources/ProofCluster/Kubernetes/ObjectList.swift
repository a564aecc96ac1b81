import ProofCore

/// The objects of one list call, all pages stitched together.
public struct ObjectList: Sendable {
    /// The type that was listed.
    public var type: ResourceType
    /// The objects, each with `apiVersion` and `kind` filled in (list items on the wire often lack them).
    public var items: [JSON]
    /// The list's `metadata.resourceVersion`: where a watch continues from.
    public var resourceVersion: String

    /// Creates a list.
    public init(type: ResourceType, items: [JSON], resourceVersion: String) {
        self.type = type
        self.items = items
        self.resourceVersion = resourceVersion
    }
}
