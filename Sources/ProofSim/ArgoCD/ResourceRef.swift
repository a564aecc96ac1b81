import ProofCore

/// Which object a resource of an Application is: group, kind, namespace, name (Argo CD's resource key).
struct ResourceRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    var group: String
    var version: String
    var kind: String
    var namespace: String
    var name: String

    init(type: ResourceType, namespace: String, name: String) {
        self.group = type.group
        self.version = type.version
        self.kind = type.kind
        self.namespace = type.namespaced ? namespace : ""
        self.name = name
    }

    /// `group/kind:namespace/name`, the tail of a tracking id.
    var trackingTail: String { "\(group)/\(kind):\(namespace)/\(name)" }

    var description: String { "\(group.isEmpty ? "" : group + "/")\(kind) \(namespace.isEmpty ? "" : namespace + "/")\(name)" }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.group, lhs.kind, lhs.namespace, lhs.name) < (rhs.group, rhs.kind, rhs.namespace, rhs.name)
    }

    /// The `status.resources[]` / `syncResult.resources[]` identity fields.
    var json: JSON {
        var value: JSON = ["group": .string(group), "version": .string(version), "kind": .string(kind), "name": .string(name)]
        if !namespace.isEmpty { value["namespace"] = .string(namespace) }
        return value
    }
}

/// Argo CD's annotations, labels and finalizers.
enum ArgoCDNames {
    static let trackingID = "argocd.argoproj.io/tracking-id"
    static let instanceLabel = "app.kubernetes.io/instance"
    static let syncOptions = "argocd.argoproj.io/sync-options"
    static let refresh = "argocd.argoproj.io/refresh"
    static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
    static let resourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
    static let inClusterServer = "https://kubernetes.default.svc"
    static let inClusterName = "in-cluster"

    /// Whether `finalizer` is one of the resources finalizers (plain, `/foreground` or `/background`).
    static func isResourcesFinalizer(_ finalizer: String) -> Bool {
        finalizer == resourcesFinalizer || finalizer.hasPrefix(resourcesFinalizer + "/")
    }

    /// The options of a comma-separated sync-options list (`Prune=false,Delete=false`), keys as written.
    static func options(_ text: String?) -> [String: String] {
        var result: [String: String] = [:]
        for item in (text ?? "").split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { result[pair[0]] = pair[1] }
        }
        return result
    }

    /// The object's `argocd.argoproj.io/sync-options` annotation, parsed.
    static func resourceOptions(_ object: JSON) -> [String: String] {
        options(object[path: ["metadata", "annotations", syncOptions]]?.stringValue)
    }
}
