import ProofCore

/// The body formats of a PATCH.
public enum PatchType: String, Sendable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`).
    case merge = "application/merge-patch+json"
    /// RFC 6902 JSON patch, an array of operations (`application/json-patch+json`).
    case json = "application/json-patch+json"
    /// Strategic merge patch, built-in types only (`application/strategic-merge-patch+json`).
    case strategicMerge = "application/strategic-merge-patch+json"
}

/// What happens to an object's dependents when it is deleted.
public enum PropagationPolicy: String, Sendable {
    /// Dependents are kept.
    case orphan = "Orphan"
    /// The object goes at once; dependents are deleted afterwards (the server's default).
    case background = "Background"
    /// Dependents are deleted first; the object waits with a `foregroundDeletion` finalizer.
    case foreground = "Foreground"
}

extension KubernetesClient {
    /// Creates `object` (its type from `apiVersion`/`kind`) in `namespace`, or in its own
    /// `metadata.namespace`, or in the context's namespace; returns what the server stored.
    public func create(_ object: JSON, namespace: String? = nil, dryRun: Bool = false) async throws -> JSON {
        let type = try await resource(for: object)
        return try await create(type, object, namespace: namespace, dryRun: dryRun)
    }

    /// Creates `object` of `type`; POST is not repeated once it may have reached the server.
    public func create(_ type: ResourceType, _ object: JSON, namespace: String? = nil, dryRun: Bool = false)
        async throws -> JSON
    {
        let namespace = type.namespaced
            ? namespace ?? object[path: ["metadata", "namespace"]]?.stringValue ?? defaultNamespace : nil
        return try await json(
            method: "POST", path: type.collectionPath(namespace: namespace), query: dryRun ? [("dryRun", "All")] : [],
            body: object)
    }

    /// Replaces `object` (PUT); a stale `metadata.resourceVersion` throws `ClusterError` with `isConflict`.
    public func update(_ object: JSON, dryRun: Bool = false) async throws -> JSON {
        let type = try await resource(for: object)
        guard let name = object[path: ["metadata", "name"]]?.stringValue else {
            throw ClusterError(kind: .protocolViolation, message: "the object to update has no metadata.name")
        }
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? defaultNamespace(for: type)
        return try await json(
            method: "PUT", path: type.objectPath(name: name, namespace: namespace),
            query: dryRun ? [("dryRun", "All")] : [], body: object)
    }

    /// Patches an object (or its `subresource`, such as `status`) and returns the result.
    public func patch(
        _ type: ResourceType, name: String, namespace: String? = nil, patch: JSON, as patchType: PatchType = .merge,
        subresource: String? = nil, dryRun: Bool = false
    ) async throws -> JSON {
        try await json(
            method: "PATCH",
            path: type.objectPath(name: name, namespace: namespace ?? defaultNamespace(for: type), subresource: subresource),
            query: dryRun ? [("dryRun", "All")] : [], body: patch, contentType: patchType.rawValue)
    }

    /// Deletes an object; returns the server's answer (the object, now with a `deletionTimestamp` when
    /// finalizers hold it, or a `Status`). A missing object throws `ClusterError` with `isNotFound`.
    @discardableResult
    public func delete(
        _ type: ResourceType, name: String, namespace: String? = nil, propagation: PropagationPolicy? = nil,
        gracePeriodSeconds: Int? = nil, dryRun: Bool = false
    ) async throws -> JSON {
        var query: [(String, String)] = []
        if let propagation { query.append(("propagationPolicy", propagation.rawValue)) }
        if let gracePeriodSeconds { query.append(("gracePeriodSeconds", String(gracePeriodSeconds))) }
        if dryRun { query.append(("dryRun", "All")) }
        return try await json(
            method: "DELETE", path: type.objectPath(name: name, namespace: namespace ?? defaultNamespace(for: type)),
            query: query)
    }
}
