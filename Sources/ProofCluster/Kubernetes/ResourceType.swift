/// A kind of object the API server serves, as discovery describes it (`apps/v1` `deployments`, namespaced).
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    /// The API group; empty for the core group.
    public var group: String
    /// The version, such as `v1`.
    public var version: String
    /// The plural resource name used in URLs, such as `deployments`.
    public var name: String
    /// The singular name, such as `deployment` (may be empty on old servers).
    public var singularName: String
    /// The kind, such as `Deployment`.
    public var kind: String
    /// Whether objects live in a namespace.
    public var namespaced: Bool
    /// The verbs the server allows (`get`, `list`, `watch`, `create`, …).
    public var verbs: [String]
    /// Short names, such as `deploy`.
    public var shortNames: [String]

    /// Creates a resource type.
    public init(
        group: String, version: String, name: String, kind: String, namespaced: Bool, singularName: String = "",
        verbs: [String] = ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: [String] = []
    ) {
        self.group = group
        self.version = version
        self.name = name
        self.kind = kind
        self.namespaced = namespaced
        self.singularName = singularName.isEmpty ? kind.lowercased() : singularName
        self.verbs = verbs
        self.shortNames = shortNames
    }

    /// `v1` or `group/version`, as objects write it.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `deployments.apps`, the way kubectl names a resource unambiguously.
    public var qualifiedName: String { group.isEmpty ? name : "\(name).\(group)" }

    public var description: String { "\(qualifiedName) (\(apiVersion) \(kind))" }

    /// `/api/v1` or `/apis/group/version`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection URL path; `namespace == nil` for a namespaced type means all namespaces.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace { return "\(groupVersionPath)/namespaces/\(namespace)/\(name)" }
        return "\(groupVersionPath)/\(name)"
    }

    /// The URL path of one object (and optionally a subresource such as `status` or `log`).
    public func objectPath(name objectName: String, namespace: String?, subresource: String? = nil) -> String {
        var path = collectionPath(namespace: namespaced ? namespace : nil) + "/" + objectName
        if let subresource { path += "/" + subresource }
        return path
    }

    /// Whether the server allows `verb` on this type.
    public func supports(_ verb: String) -> Bool { verbs.contains(verb) }
}
