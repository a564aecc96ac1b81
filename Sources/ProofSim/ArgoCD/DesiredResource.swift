import ProofCore

/// One object an Application wants, ready to compare and apply: its type, identity and the manifest with
/// the destination namespace filled in and Argo CD's tracking metadata added.
struct DesiredResource: Sendable {
    var type: ResourceType
    var ref: ResourceRef
    var object: JSON
    /// The manifest's file in the repository.
    var file: String

    /// The `argocd.argoproj.io/sync-wave` annotation (0 when absent), then kind order, decide apply order.
    var wave: Int { Int(object[path: ["metadata", "annotations", "argocd.argoproj.io/sync-wave"]]?.stringValue ?? "") ?? 0 }

    /// Argo CD's kind order within a wave: namespaces and config before workloads, Applications last.
    var kindOrder: Int {
        switch ref.kind {
        case "Namespace": 0
        case "CustomResourceDefinition": 1
        case "ServiceAccount", "Secret", "ConfigMap", "PersistentVolume", "PersistentVolumeClaim": 2
        case "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding": 3
        case "Service": 4
        case "DaemonSet", "Pod", "ReplicaSet", "Deployment", "StatefulSet", "Job", "CronJob": 5
        case "Ingress": 6
        case "AppProject": 7
        case "Application": 9
        default: 8
        }
    }
}

/// A resource as the comparison found it.
struct ComparedResource: Sendable {
    var type: ResourceType
    var ref: ResourceRef
    var live: JSON?
    var desired: DesiredResource?
    var synced: Bool
    var health: (status: HealthStatus, message: String?)?

    /// Live but no longer in Git.
    var requiresPruning: Bool { desired == nil }

    /// The `status.resources[]` entry.
    var json: JSON {
        var value = ref.json
        value["status"] = .string(synced ? "Synced" : "OutOfSync")
        if let health {
            var entry: JSON = ["status": .string(health.status.rawValue)]
            if let message = health.message { entry["message"] = .string(message) }
            value["health"] = entry
        }
        if requiresPruning { value["requiresPruning"] = true }
        return value
    }
}
