import ProofCore

/// A pod's quality-of-service class as a real server computes it (`GetPodQOS`, k8s.io/kubernetes
/// pkg/apis/core/helper/qos): only `cpu` and `memory` count; no requests or limits anywhere → `BestEffort`;
/// every container limiting both, with requests equal to limits → `Guaranteed`; anything else → `Burstable`.
/// Also `SetDefaults_Pod`'s rule that a container's limits default its missing requests. Pure functions.
enum QualityOfService {
    /// The resources the class is computed from.
    static let resources = ["cpu", "memory"]

    /// `status.qosClass` for a pod `spec`.
    static func podClass(_ spec: JSON?) -> String {
        // Computed on the defaulted spec, whatever order the caller defaults in.
        var spec = spec ?? [:]
        requestsFromLimits(&spec)
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        var requests: [String: Double] = [:]
        var limits: [String: Double] = [:]
        var guaranteed = true
        for container in containers {
            for name in resources {
                if let value = quantity(container[path: ["resources", "requests", name]]), value != 0 {
                    requests[name, default: 0] += value
                }
            }
            var limited = Set<String>()
            for name in resources {
                if let value = quantity(container[path: ["resources", "limits", name]]), value != 0 {
                    limited.insert(name)
                    limits[name, default: 0] += value
                }
            }
            if limited.count != resources.count { guaranteed = false }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        return guaranteed && requests == limits ? "Guaranteed" : "Burstable"
    }

    /// `SetDefaults_Pod`: each container's (and init container's) limits fill in its missing requests.
    static func requestsFromLimits(_ spec: inout JSON) {
        for key in ["containers", "initContainers"] {
            guard var containers = spec[key]?.arrayValue else { continue }
            for index in containers.indices {
                guard let limits = containers[index][path: ["resources", "limits"]]?.objectValue else { continue }
                for (name, value) in limits where containers[index][path: ["resources", "requests", name]] == nil {
                    containers[index].set(value, at: ["resources", "requests", name])
                }
            }
            spec[key] = .array(containers)
        }
    }

    /// A Kubernetes quantity (`500m`, `2`, `1.5`, `512Mi`, `1G`) in base units, or nil when it does not parse.
    static func quantity(_ value: JSON?) -> Double? {
        if let number = value?.doubleValue { return number }
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        let suffixes: [(String, Double)] = [("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824),
            ("Ti", 1_099_511_627_776), ("Pi", 1_125_899_906_842_624),
            ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15)]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }
}
