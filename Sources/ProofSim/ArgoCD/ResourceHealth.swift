import ProofCore

/// Argo CD's health statuses, ordered from best to worst as Argo CD aggregates them.
enum HealthStatus: String, Sendable, Comparable {
    case healthy = "Healthy"
    case suspended = "Suspended"
    case progressing = "Progressing"
    case missing = "Missing"
    case degraded = "Degraded"
    case unknown = "Unknown"

    private var rank: Int {
        switch self {
        case .healthy: 0
        case .suspended: 1
        case .progressing: 2
        case .missing: 3
        case .degraded: 4
        case .unknown: 5
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// Health of one live object, by Argo CD's built-in rules for the kinds the platform uses; `nil` for kinds
/// without a health check (ConfigMap, Secret, ServiceAccount, …), which do not count in the aggregate.
enum ResourceHealth {
    static func assess(_ object: JSON, kind: String, group: String) -> (status: HealthStatus, message: String?)? {
        if object[path: ["metadata", "deletionTimestamp"]] != nil { return (.progressing, "Pending deletion") }
        let generation = object[path: ["metadata", "generation"]]?.intValue ?? 0
        let observed = object[path: ["status", "observedGeneration"]]?.intValue ?? 0
        func int(_ path: String...) -> Int64 { object[path: path]?.intValue ?? 0 }
        switch (group, kind) {
        case ("apps", "Deployment"):
            if object[path: ["spec", "paused"]]?.boolValue == true { return (.suspended, "Deployment is paused") }
            let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 1
            if observed < generation { return (.progressing, "Waiting for rollout to finish: observed deployment generation less than desired generation") }
            let updated = int("status", "updatedReplicas")
            let total = int("status", "replicas")
            let available = int("status", "availableReplicas")
            if updated < replicas { return (.progressing, "Waiting for rollout to finish: \(updated) out of \(replicas) new replicas have been updated...") }
            if total > updated { return (.progressing, "Waiting for rollout to finish: \(total - updated) old replicas are pending termination...") }
            if available < updated { return (.progressing, "Waiting for rollout to finish: \(available) of \(updated) updated replicas are available...") }
            return (.healthy, nil)
        case ("apps", "StatefulSet"):
            let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 1
            if observed < generation { return (.progressing, "Waiting for statefulset spec update to be observed...") }
            let ready = int("status", "readyReplicas")
            if ready < replicas { return (.progressing, "Waiting for \(replicas) pods to be ready...") }
            let updateRevision = object[path: ["status", "updateRevision"]]?.stringValue
            let currentRevision = object[path: ["status", "currentRevision"]]?.stringValue
            if let updateRevision, let currentRevision, updateRevision != currentRevision {
                return (.progressing, "waiting for statefulset rolling update to complete")
            }
            return (.healthy, nil)
        case ("apps", "DaemonSet"):
            if observed < generation { return (.progressing, "Waiting for daemon set spec update to be observed...") }
            let desired = int("status", "desiredNumberScheduled")
            let updated = object[path: ["status", "updatedNumberScheduled"]]?.intValue ?? desired
            let available = object[path: ["status", "numberAvailable"]]?.intValue ?? int("status", "numberReady")
            if desired == 0 && object[path: ["status", "desiredNumberScheduled"]] == nil {
                return (.progressing, "Waiting for daemon set to be scheduled...")
            }
            if updated < desired { return (.progressing, "Waiting for daemon set rollout to finish: \(updated) out of \(desired) new pods have been updated...") }
            if available < desired { return (.progressing, "Waiting for daemon set rollout to finish: \(available) of \(desired) updated pods are available...") }
            return (.healthy, nil)
        case ("apps", "ReplicaSet"):
            let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 1
            if int("status", "availableReplicas") < replicas { return (.progressing, "Waiting for rollout to finish") }
            return (.healthy, nil)
        case ("", "Pod"):
            let phase = object[path: ["status", "phase"]]?.stringValue ?? "Pending"
            for status in object[path: ["status", "containerStatuses"]]?.arrayValue ?? [] {
                if let reason = status[path: ["state", "waiting", "reason"]]?.stringValue,
                    ["CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError", "InvalidImageName"].contains(reason)
                {
                    return (.degraded, status[path: ["state", "waiting", "message"]]?.stringValue ?? reason)
                }
            }
            switch phase {
            case "Succeeded": return (.healthy, nil)
            case "Failed": return (.degraded, object[path: ["status", "message"]]?.stringValue ?? "Pod failed")
            case "Running":
                let ready = (object[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                    $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                }
                return ready ? (.healthy, nil) : (.progressing, "Pod is running but not ready")
            default: return (.progressing, "Pod is \(phase.lowercased())")
            }
        case ("", "PersistentVolumeClaim"):
            switch object[path: ["status", "phase"]]?.stringValue {
            case "Bound": return (.healthy, nil)
            case "Lost": return (.degraded, "PVC lost its volume")
            default: return (.progressing, "Waiting for the claim to be bound")
            }
        case ("", "Service"):
            if object[path: ["spec", "type"]]?.stringValue == "LoadBalancer",
                (object[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).isEmpty
            {
                return (.progressing, "Waiting for the load balancer")
            }
            return (.healthy, nil)
        case ("argoproj.io", "Application"):
            guard let text = object[path: ["status", "health", "status"]]?.stringValue,
                let status = HealthStatus(rawValue: text)
            else { return (.unknown, nil) }
            return (status, object[path: ["status", "health", "message"]]?.stringValue)
        case ("", "Namespace"):
            return object[path: ["status", "phase"]]?.stringValue == "Terminating" ? (.progressing, "Namespace is terminating") : (.healthy, nil)
        case ("networking.k8s.io", "Ingress"):
            // No ingress controller runs in the simulated cluster, so an Ingress is taken as healthy.
            return (.healthy, nil)
        default:
            return nil
        }
    }
}
