import Foundation
import ProofCore
import Synchronization

extension WorkloadControllers {
    static let kubelet = EventRecorder(component: "kubelet")
    static let scheduler = EventRecorder(component: "default-scheduler")
    static let ipCounter = Mutex<Int>(0)

    static func nextPodIP() -> String {
        let n = ipCounter.withLock { value -> Int in
            value += 1
            return value
        }
        return "10.244.\(n / 250 % 250).\(n % 250 + 1)"
    }

    /// Scheduler and kubelet: assign a node, start after the delay, remove after graceful termination.
    func handlePod(_ pod: JSON, deleted: Bool, _ state: SimState) {
        guard !deleted else { return }
        let namespace = Self.meta(pod, "namespace")
        let name = Self.meta(pod, "name")
        let uid = Self.meta(pod, "uid")
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            guard (pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue ?? 0) > 0, inFlight.claim("kill/" + uid) else { return }
            for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
                Self.kubelet.record(state, about: pod, reason: "Killing",
                    message: "Stopping container \(container["name"]?.stringValue ?? "")")
            }
            Self.after(timing.podTerminationDelay) { [inFlight] in
                _ = try? state.delete(BuiltIn.pods, namespace: namespace, name: name, gracePeriodSeconds: 0, preconditionUID: uid)
                inFlight.release("kill/" + uid)
            }
            return
        }
        guard pod[path: ["spec", "nodeName"]]?.stringValue?.isEmpty ?? true else {
            if pod[path: ["status", "startTime"]] == nil { scheduleStart(pod, state) }
            return
        }
        let nodes = state.list(BuiltIn.nodes).items.filter {
            !(($0[path: ["spec", "taints"]]?.arrayValue ?? []).contains { $0["effect"]?.stringValue == "NoSchedule" })
        }
        guard !nodes.isEmpty else { return }
        let hash = Int(Digest.sha256Hex(name).prefix(8), radix: 16)!
        let node = Self.meta(nodes[hash % nodes.count], "name")
        guard let scheduled = try? state.modify(BuiltIn.pods, namespace: namespace, name: name, { object throws(SimError) in
            guard Self.meta(object, "uid") == uid else { throw .conflict(BuiltIn.pods, name) }
            object.set(.string(node), at: ["spec", "nodeName"])
            object.set(.array([["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                "lastTransitionTime": .string(SimState.timestamp(state.now()))]]), at: ["status", "conditions"])
        }) else { return }
        Self.scheduler.record(state, about: scheduled, reason: "Scheduled",
            message: "Successfully assigned \(namespace)/\(name) to \(node)")
        scheduleStart(scheduled, state)
    }

    func scheduleStart(_ pod: JSON, _ state: SimState) {
        let uid = Self.meta(pod, "uid")
        guard inFlight.claim("start/" + uid) else { return }
        let namespace = Self.meta(pod, "namespace")
        let name = Self.meta(pod, "name")
        Self.after(timing.podStartDelay) { [inFlight] in
            defer { inFlight.release("start/" + uid) }
            let now = SimState.timestamp(state.now())
            let ip = Self.nextPodIP()
            guard let started = try? state.modify(BuiltIn.pods, namespace: namespace, name: name, subresource: "status", { object throws(SimError) in
                guard Self.meta(object, "uid") == uid, object[path: ["metadata", "deletionTimestamp"]] == nil,
                    object[path: ["status", "startTime"]] == nil
                else { throw .conflict(BuiltIn.pods, name) }
                let node = object[path: ["spec", "nodeName"]]?.stringValue ?? ""
                let containers = object[path: ["spec", "containers"]]?.arrayValue ?? []
                let statuses: [JSON] = containers.map { container in
                    let image = container["image"]?.stringValue ?? "busybox"
                    return ["name": container["name"] ?? "", "image": .string(image),
                        "imageID": .string("docker.io/library/\(image)@sha256:\(Digest.sha256Hex(image))"),
                        "containerID": .string("containerd://\(Digest.sha256Hex(uid + (container["name"]?.stringValue ?? "")))"),
                        "ready": true, "started": true, "restartCount": 0,
                        "state": ["running": ["startedAt": .string(now)]], "lastState": [:]]
                }
                let conditions: [JSON] = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
                    ["type": .string($0), "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(now)]
                }
                object["status"] = [
                    "phase": "Running", "conditions": .array(conditions), "hostIP": .string(Self.nodeIP(node)),
                    "hostIPs": [["ip": .string(Self.nodeIP(node))]], "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
                    "startTime": .string(now), "containerStatuses": .array(statuses),
                    "qosClass": .string(QualityOfService.podClass(object["spec"])),
                ]
            }) else { return }
            for container in started[path: ["spec", "containers"]]?.arrayValue ?? [] {
                let containerName = container["name"]?.stringValue ?? ""
                Self.kubelet.record(state, about: started, reason: "Pulled",
                    message: "Container image \"\(container["image"]?.stringValue ?? "")\" already present on machine")
                Self.kubelet.record(state, about: started, reason: "Created", message: "Created container \(containerName)")
                Self.kubelet.record(state, about: started, reason: "Started", message: "Started container \(containerName)")
            }
            Self.completeIfRunToCompletion(started, after: timing.podStartDelay, state)
        }
    }

    /// The pod garbage collector for a deleted Node: force-deletes every pod bound to it (their owners then
    /// re-create them on the remaining nodes; a DaemonSet simply has one node fewer).
    func removePods(onNode node: String, _ state: SimState) {
        guard !node.isEmpty else { return }
        for pod in state.list(BuiltIn.pods).items where pod[path: ["spec", "nodeName"]]?.stringValue == node {
            _ = try? state.delete(BuiltIn.pods, namespace: Self.meta(pod, "namespace"), name: Self.meta(pod, "name"),
                gracePeriodSeconds: 0, preconditionUID: Self.meta(pod, "uid"))
        }
    }

    static func nodeIP(_ node: String) -> String {
        switch node {
        case "proof-sim-control-plane": return "172.18.0.2"
        case "proof-sim-worker": return "172.18.0.3"
        case "proof-sim-worker2": return "172.18.0.4"
        default: return "172.18.0.9"
        }
    }

    // MARK: Endpoints

    func endpointsForPod(_ pod: JSON, _ state: SimState) {
        let namespace = Self.meta(pod, "namespace")
        let labels = pod[path: ["metadata", "labels"]]?.objectValue ?? [:]
        for service in state.list(BuiltIn.services, filter: try? ObjectFilter(namespace: namespace)).items {
            let selector = service[path: ["spec", "selector"]]?.objectValue ?? [:]
            if !selector.isEmpty, selector.allSatisfy({ labels[$0.key] == $0.value }) { reconcileEndpoints(service, state) }
        }
    }

    /// Keeps an `Endpoints` object per Service with a selector: ready pod IPs and the service's ports.
    func reconcileEndpoints(_ service: JSON, _ state: SimState) {
        let selector = service[path: ["spec", "selector"]]?.objectValue ?? [:]
        guard !selector.isEmpty, service[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = Self.meta(service, "namespace")
        let name = Self.meta(service, "name")
        let selectorText = selector.keys.sorted().map { "\($0)=\(selector[$0]!.displayString)" }.joined(separator: ",")
        let pods = state.list(BuiltIn.pods, filter: try? ObjectFilter(namespace: namespace, labelSelector: selectorText)).items
        let addresses: [JSON] = pods.filter(Self.isReady).compactMap { pod in
            guard let ip = pod[path: ["status", "podIP"]] else { return nil }
            return ["ip": ip, "nodeName": pod[path: ["spec", "nodeName"]] ?? .null,
                "targetRef": ["kind": "Pod", "namespace": .string(namespace), "name": .string(Self.meta(pod, "name")),
                    "uid": .string(Self.meta(pod, "uid"))]]
        }
        let ports: [JSON] = (service[path: ["spec", "ports"]]?.arrayValue ?? []).map { port in
            var entry: JSON = ["port": port["targetPort"]?.intValue.map { .int($0) } ?? port["port"] ?? 0,
                "protocol": port["protocol"] ?? "TCP"]
            if let portName = port["name"] { entry["name"] = portName }
            return entry
        }
        let subsets: JSON = addresses.isEmpty ? .array([]) : [["addresses": .array(addresses), "ports": .array(ports)]]
        if let existing = try? state.get(BuiltIn.endpoints, namespace: namespace, name: name) {
            guard existing["subsets"] != subsets else { return }
            _ = try? state.modify(BuiltIn.endpoints, namespace: namespace, name: name) { $0["subsets"] = subsets }
        } else {
            var labels = service[path: ["metadata", "labels"]] ?? [:]
            labels["endpoints.kubernetes.io/managed-by"] = nil
            _ = try? state.create(["apiVersion": "v1", "kind": "Endpoints",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": labels,
                    "ownerReferences": [Self.ownerReference(service)]],
                "subsets": subsets], as: BuiltIn.endpoints)
        }
    }
}
