import ProofCore
import Synchronization

/// The resource types the simulated API server knows: it drives discovery, URL routing and the mapping from
/// an object's `apiVersion`/`kind` to where it is stored.
///
/// Starts with the built-in set (`ResourceRegistry.builtIn`); CustomResourceDefinitions register and
/// unregister their types at run time, which discovery reflects immediately.
///
/// Lock rule: one `Mutex` over the types, held only to read, add or remove; never across an await, a yield or I/O.
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

    /// Removes every version of `resource` in `group` (a CustomResourceDefinition went away).
    public func unregister(group: String, resource: String) {
        types.withLock { list in list.removeAll { $0.group == group && $0.resource == resource } }
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

    /// The built-in set: core v1, apps/v1, networking.k8s.io/v1, apiextensions.k8s.io/v1, batch/v1,
    /// autoscaling/v2, policy/v1, rbac.authorization.k8s.io/v1, coordination.k8s.io/v1, storage.k8s.io/v1,
    /// discovery.k8s.io/v1 and the self-subject reviews. Custom resources (Argo CD's, Prometheus') are not
    /// built in: they come from CustomResourceDefinitions (`CustomResourceDefinitions.installPlatform`).
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
            // Served by every real server; stored only here (no quota or limit enforcement).
            .init(group: "", version: "v1", resource: "limitranges", kind: "LimitRange", namespaced: true, shortNames: ["limits"]),
            .init(group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", namespaced: true,
                shortNames: ["quota"], subresources: ["status"]),
            .init(group: "", version: "v1", resource: "podtemplates", kind: "PodTemplate", namespaced: true),
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
            .init(group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy",
                namespaced: true, shortNames: ["netpol"]),
            .init(group: "networking.k8s.io", version: "v1", resource: "ingressclasses", kind: "IngressClass",
                namespaced: false),
            // apiextensions.k8s.io/v1: CustomResourceDefinitions; each one registers its own types
            // (`CustomResourceDefinitions`), the platform's Argo CD and Prometheus CRDs among them.
            .init(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions",
                kind: "CustomResourceDefinition", namespaced: false, shortNames: ["crd", "crds"],
                categories: ["api-extensions"], subresources: ["status"]),
            // batch/v1
            .init(group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true,
                categories: ["all"], subresources: ["status"]),
            .init(group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true,
                shortNames: ["cj"], categories: ["all"], subresources: ["status"]),
            // autoscaling/v2
            .init(group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers",
                kind: "HorizontalPodAutoscaler", namespaced: true, shortNames: ["hpa"], categories: ["all"],
                subresources: ["status"]),
            // policy/v1
            .init(group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget",
                namespaced: true, shortNames: ["pdb"], subresources: ["status"]),
            // rbac.authorization.k8s.io/v1
            .init(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole",
                namespaced: false),
            .init(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings",
                kind: "ClusterRoleBinding", namespaced: false),
            .init(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true),
            .init(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding",
                namespaced: true),
            // coordination.k8s.io/v1, storage.k8s.io/v1, discovery.k8s.io/v1
            .init(group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true),
            .init(group: "storage.k8s.io", version: "v1", resource: "storageclasses", kind: "StorageClass",
                namespaced: false, shortNames: ["sc"]),
            .init(group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice",
                namespaced: true),
            // Reviews: created and answered at once, never stored (`Reviews`).
            .init(group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews",
                kind: "SelfSubjectReview", namespaced: false, verbs: ["create"]),
            .init(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews",
                kind: "SelfSubjectAccessReview", namespaced: false, verbs: ["create"]),
            .init(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectrulesreviews",
                kind: "SelfSubjectRulesReview", namespaced: false, verbs: ["create"]),
        ]
        list.sort { ($0.group.isEmpty ? 0 : 1) < ($1.group.isEmpty ? 0 : 1) }
        return list
    }()
}
