/// Who a Kubernetes object is: its API version, kind, namespace (empty for cluster-scoped) and name.
public struct ObjectIdentity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `v1`, `apps/v1`, `argoproj.io/v1alpha1`, …
    public var apiVersion: String
    /// `Pod`, `Deployment`, `Application`, …
    public var kind: String
    /// The namespace, or `""` for a cluster-scoped object.
    public var namespace: String
    /// `metadata.name`.
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// The identity of a decoded object, or `nil` when it lacks `apiVersion`, `kind` or `metadata.name`.
    public init?(object: JSON) {
        guard let apiVersion = object["apiVersion"]?.stringValue,
            let kind = object["kind"]?.stringValue,
            let name = object[path: ["metadata", "name"]]?.stringValue
        else { return nil }
        self.init(apiVersion: apiVersion, kind: kind, namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "", name: name)
    }

    /// The API group (`""` for core).
    public var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    /// `Kind/namespace/name`, or `Kind/name` when cluster-scoped — the way errors and reports name objects.
    public var description: String {
        namespace.isEmpty ? "\(kind)/\(name)" : "\(kind)/\(namespace)/\(name)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.kind, lhs.namespace, lhs.name, lhs.apiVersion) < (rhs.kind, rhs.namespace, rhs.name, rhs.apiVersion)
    }
}
