import Foundation
import ProofCore

/// The simulated Grafana Alloy: every DaemonSet running the Alloy image tails the pods on the nodes where it
/// has a Ready pod, in the namespaces its `config.alloy` lists, and pushes new lines to the `loki.write` URL
/// through the in-cluster network. A push that fails (Loki down) is retried on the next tick from the same
/// position; Loki drops the duplicates of a re-sent batch. While `ChaosSwitches.alloyPaused` is on it ships nothing.
struct AlloyShipper {
    let runtime: ServicesRuntime

    /// One pass over every Alloy DaemonSet.
    func tick() async {
        // Paused (chaos): ship nothing; positions stay where they are, so the backlog goes out on resume.
        guard !runtime.chaos.alloyPaused else { return }
        let alloys = runtime.state.list(BuiltIn.daemonSets).items.filter(Self.isAlloy)
        guard !alloys.isEmpty else { return }
        // Listed once per tick and shared by every DaemonSet (a scaled platform runs dozens of them).
        let pods = runtime.state.list(BuiltIn.pods).items.compactMap { pod -> ScheduledPod? in
            guard let node = pod[path: ["spec", "nodeName"]]?.stringValue else { return nil }
            return ScheduledPod(object: pod, node: node, namespace: ServiceNetwork.meta(pod, "namespace"))
        }
        for daemonSet in alloys {
            await ship(daemonSet, pods: pods)
        }
    }

    /// A pod bound to a node, with the two fields every DaemonSet's pass filters on read once.
    struct ScheduledPod {
        var object: JSON
        var node: String
        var namespace: String
    }

    static func isAlloy(_ daemonSet: JSON) -> Bool {
        (daemonSet[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []).contains {
            $0["image"]?.stringValue?.contains("grafana/alloy") == true
        }
    }

    func ship(_ daemonSet: JSON, pods scheduled: [ScheduledPod]) async {
        let state = runtime.state
        let uid = ServiceNetwork.meta(daemonSet, "uid")
        let alloyPods = state.dependents(ofUID: uid).filter { $0.resource.resource == "pods" }.map(\.object)
            .filter(APIServer.isReady)
        guard let configPod = alloyPods.first,
            let text = runtime.network.configMapValue(of: configPod, key: "config.alloy")
        else { return }
        let config = AlloyConfig(parsing: text)
        guard let url = config.url, let target = ServiceNetwork.resolve(url) else { return }
        let nodes = Set(alloyPods.compactMap { $0[path: ["spec", "nodeName"]]?.stringValue })
        let now = runtime.now
        var batch: [JSON] = []
        var advanced: [(String, Int)] = []
        let pods = scheduled.lazy.filter { pod in
            guard nodes.contains(pod.node) else { return false }
            guard let namespaces = config.namespaces else { return true }
            return namespaces.contains(pod.namespace)
        }.map(\.object)
        let positions = runtime.alloyPositions.withLock { $0 }
        for pod in pods {
            let count = PodLogs.lineCount(pod: pod, through: now)
            guard count > 0 else { continue }
            let podLabels = (pod[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            for container in (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap({ $0["name"]?.stringValue }) {
                let key = "\(uid)/\(ServiceNetwork.meta(pod, "uid"))/\(container)"
                let from = positions[key] ?? 0
                guard from < count else { continue }
                let lines = PodLogs.lines(pod: pod, container: container, range: from..<count)
                let labels = config.labels(namespace: ServiceNetwork.meta(pod, "namespace"), pod: ServiceNetwork.meta(pod, "name"),
                    container: container, podLabels: podLabels)
                batch.append(["stream": .object(labels.mapValues { .string($0) }),
                    "values": .array(lines.map { [.string(String($0.nanoseconds)), .string($0.line)] })])
                advanced.append((key, count))
            }
        }
        // Checked again just before the push, so a pause set while this tick read the pods holds at once.
        guard !batch.isEmpty, !runtime.chaos.alloyPaused else { return }
        var headers = ["content-type": "application/json"]
        if let tenant = config.tenant { headers["x-scope-orgid"] = tenant }
        let body: JSON = ["streams": .array(batch)]
        guard let response = try? await runtime.network.call(namespace: target.namespace, service: target.service,
            method: "POST", path: target.path, headers: headers, body: body.canonicalData),
            (200..<300).contains(response.status)
        else { return }
        runtime.alloyPositions.withLock { positions in
            for (key, count) in advanced { positions[key] = max(positions[key] ?? 0, count) }
        }
    }
}
