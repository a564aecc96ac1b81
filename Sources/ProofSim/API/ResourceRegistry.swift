import ProofCore
import Synchronization

/// The resource types the simulated API server knows: it drives discovery, URL routing and the mapping from
/// an object's `apiVersion`/`kind` to where it is stored.
///
/// Starts with the built-in set (`ResourceRegistry.builtIn`); more types can be registered at run time
/// (for example by a later CRD handler), which discovery reflects immediately.
///
/// Lock rule: one `Mutex` over the types, held only to read or add (CRDs); never across an await, a yield or I/O.
public final class ResourceRegistry: Sendable {
    private let types: Mutex<[ResourceType]>

    /// A registry holding `types`.
    public init(_ types: [ResourceType] = ResourceRegistry.builtIn) {
        self.types = Mutex(types)
    }

    /// Every registered type, in registration order.
    public var all: [ResourceType] { types.withLock { $0 } }

    /// Adds `type` (replacing one with the same group/version/resource).
    public func register(_ type: ResourceType) {
        types.withLock { list in
            list.removeAll { $0.group == type.group && $0.version == type.version && $0.resource == type.resource }
            list.append(type)
        }
    }

    /// The type served at `/…/group/version/resource`, if any.
    public func type(group: String, version: String, resource: String) -> ResourceType? {
        types.withLock { $0.first { $0.group == group && $0.version == version && $0.resource == resource } }
    }

    /// The type of objects with this `apiVersion` and `kind`, if any.
    public func type(apiVersion: String, kind: String) -> ResourceType? {
        types.withLock { $0.first { $0.apiVersion == apiVersion && $0.kind == kind } }
    }

    /// The type of `object` from its `apiVersion` and `kind`; throws 400 when unknown.
    public func type(of object: JSON) throws(SimError) -> ResourceType {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else {
            throw .badRequest("Object 'apiVersion' and 'kind' are required: set both in the manifest")
        }
        guard let type = type(apiVersion: apiVersion, kind: kind) else {
            throw SimError(code: 404, reason: "NotFound",
                message: "the server could not find the requested resource: no kind \"\(kind)\" is registered for version \"\(apiVersion)\" in the simulated cluster")
        }
        return type
    }

    /// The group versions served, grouped by API group in registration order (core `""` first if present).
    public var groups: [(group: String, versions: [String])] {
        var result: [(group: String, versions: [String])] = []
        for type in all {
            if let index = result.firstIndex(where: { $0.group == type.group }) {
                if !result[index].versions.contains(type.version) { result[index].versions.append(type.version) }
            } else {
                result.append((type.group, [type.version]))
            }
        }
        return result
    }

    /// The built-in set: core v1, apps/v1, networking.k8s.io/v1, argoproj.io/v1alpha1, monitoring.coreos.com/v1.
    public static let builtIn: [ResourceType] = {
        var list: [ResourceType] = [
            // core v1
            .init(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false,
                verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"],
                subresources: ["status"]),
            .init(group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false,
                shortNames: ["no"], subresources: ["status"]),
            .init(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, shortNames: ["po"],
                categories: ["all"], subresources: ["status", "log"]),
            .init(group: "", version: "v1", resource: "services", kind: "Service", namespaced: true,
                verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                shortNames: ["svc"], categories: ["all"], subresources: ["status", "proxy"]),
            .init(group: "", version: "v1", resource: "endpoints", kind: "Endpoints", namespaced: true,
                shortNames: ["ep"], singular: "endpoints"),
            .init(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"]),
            .init(group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true),
            .init(group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true,
                shortNames: ["sa"]),
            .init(group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim",
                namespaced: true, shortNames: ["pvc"], subresources: ["status"]),
            .init(group: "", version: "v1", resource: "persistentvolumes", kind: "PersistentVolume",
                namespaced: false, shortNames: ["pv"], subresources: ["status"]),
            .init(group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"]),
            // apps/v1
            .init(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true,
                shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"]),
            .init(group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true,
                shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"]),
            .init(group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true,
                shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"]),
            .init(group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", namespaced: true,
                shortNames: ["ds"], categories: ["all"], subresources: ["status"]),
            .init(group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision",
                namespaced: true),
            // networking.k8s.io/v1
            .init(group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress",
                namespaced: true, shortNames: ["ing"], subresources: ["status"]),
            // argoproj.io/v1alpha1 (Argo CD's CRDs do not enable the status subresource)
            .init(group: "argoproj.io", version: "v1alpha1", resource: "applications", kind: "Application",
                namespaced: true, shortNames: ["app", "apps"], categories: ["argoproj"]),
            .init(group: "argoproj.io", version: "v1alpha1", resource: "appprojects", kind: "AppProject",
                namespaced: true, shortNames: ["appproj", "appprojs"], categories: ["argoproj"]),
            // monitoring.coreos.com/v1
            .init(group: "monitoring.coreos.com", version: "v1", resource: "servicemonitors", kind: "ServiceMonitor",
                namespaced: true, shortNames: ["smon"], categories: ["prometheus-operator"]),
            .init(group: "monitoring.coreos.com", version: "v1", resource: "podmonitors", kind: "PodMonitor",
                namespaced: true, shortNames: ["pmon"], categories: ["prometheus-operator"]),
            .init(group: "monitoring.coreos.com", version: "v1", resource: "prometheusrules", kind: "PrometheusRule",
                namespaced: true, shortNames: ["promrule"], categories: ["prometheus-operator"]),
        ]
        list.sort { ($0.group.isEmpty ? 0 : 1) < ($1.group.isEmpty ? 0 : 1) }
        return list
    }()
}
