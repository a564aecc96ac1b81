import ProofCore

extension KubernetesClient {
    /// The current `resourceVersion` of a collection, from a list with `limit=1` (one item at most on the wire).
    ///
    /// A list without a `resourceVersion` is a consistent read (quorum from etcd, or a real server's watch cache
    /// once it has caught up), so every change made before this call is at or below the version returned: a
    /// watch-fed cache that has seen this version holds the collection as a full listing would. Throws
    /// `ClusterError` as `list` does.
    public func collectionResourceVersion(_ type: ResourceType, namespace: String? = nil) async throws -> String {
        let path = type.collectionPath(namespace: namespace)
        let list = try await json(path: path, query: [("limit", "1")])
        return list[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
    }

    /// `item` with `apiVersion` and `kind` set from `type` when it lacks them, exactly as `listPages` hands
    /// items out (so an object from a watch and the same version from a list encode the same).
    public static func withTypeMeta(_ item: JSON, as type: ResourceType) -> JSON {
        typed(item, as: type)
    }
}
