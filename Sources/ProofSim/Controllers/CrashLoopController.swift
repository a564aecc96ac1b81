import Foundation
import ProofCore

/// The simulated kubelet's side of `ChaosSwitches.crashLoop`: the containers of every running pod that a
/// crash-loop rule matches crash, wait in `CrashLoopBackOff` (pod not Ready), start again and crash again
/// `interval` later, as a crash-looping container does in Kubernetes (with a much shorter back-off).
///
/// Idle (no rule armed, no container in back-off) it only reads the switches every 50 ms.
struct CrashLoopController: SimController {
    let chaos: ChaosSwitches
    /// How often pods are checked while a rule is armed.
    var tick: Duration = .milliseconds(20)

    var name: String { "crash-loop" }

    static let kubelet = EventRecorder(component: "kubelet")

    /// Where one pod is in its crash cycle.
    enum Phase {
        /// Running since then; crashes `interval` later.
        case running(since: ContinuousClock.Instant)
        /// Crashed; starts again at `until`.
        case backingOff(until: ContinuousClock.Instant)
    }

    struct Cycle {
        var namespace: String
        var name: String
        var phase: Phase
    }

    func run(state: SimState) async {
        var cycles: [String: Cycle] = [:]
        while !Task.isCancelled {
            if chaos.crashLoops.isEmpty && cycles.isEmpty {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            step(state, &cycles, now: .now)
            try? await Task.sleep(for: tick)
        }
    }

    /// One pass: crash matching pods whose time has come, restart those whose back-off is over (matching or
    /// not, so that switching a rule off lets its pods settle Ready), forget pods that are gone.
    func step(_ state: SimState, _ cycles: inout [String: Cycle], now: ContinuousClock.Instant) {
        var seen = Set<String>()
        let pods = Self.candidates(state, rules: chaos.crashLoops, cycles: cycles)
        for pod in pods {
            let uid = WorkloadControllers.meta(pod, "uid")
            guard pod[path: ["metadata", "deletionTimestamp"]] == nil,
                pod[path: ["status", "startTime"]] != nil,
                !(pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).isEmpty
            else { continue }
            let rule = chaos.crashLoop(for: pod)
            if rule != nil || cycles[uid] != nil { seen.insert(uid) }
            let namespace = WorkloadControllers.meta(pod, "namespace")
            let name = WorkloadControllers.meta(pod, "name")
            switch cycles[uid]?.phase {
            case nil:
                guard let rule else { continue }
                if crash(pod, state) {
                    cycles[uid] = Cycle(namespace: namespace, name: name, phase: .backingOff(until: now + rule.backOff))
                }
            case .running(let since):
                guard let rule else {
                    cycles[uid] = nil
                    continue
                }
                if now - since >= rule.interval, crash(pod, state) {
                    cycles[uid] = Cycle(namespace: namespace, name: name, phase: .backingOff(until: now + rule.backOff))
                }
            case .backingOff(let until):
                guard now >= until else { continue }
                restart(pod, state)
                cycles[uid] = rule == nil ? nil : Cycle(namespace: namespace, name: name, phase: .running(since: now))
            }
        }
        for uid in cycles.keys where !seen.contains(uid) { cycles[uid] = nil }
    }

    /// The pods a pass looks at: those of the rules' namespaces and of the pods in a cycle when every rule
    /// names one namespace exactly (the usual case: no full-cluster list every tick), else every pod.
    static func candidates(_ state: SimState, rules: [ChaosSwitches.CrashLoop], cycles: [String: Cycle]) -> [JSON] {
        guard !rules.contains(where: { $0.namespace.hasWildcards }) else { return state.list(BuiltIn.pods).items }
        let namespaces = Set(rules.map(\.namespace.pattern)).union(cycles.values.map(\.namespace))
        return namespaces.sorted().flatMap { namespace in
            state.list(BuiltIn.pods, filter: try? ObjectFilter(namespace: namespace)).items
        }
    }

    /// Crashes every container of `pod`: restartCount + 1, `lastState.terminated` (exit code 1, `Error`),
    /// `waiting: CrashLoopBackOff`, not ready; pod conditions Ready and ContainersReady go False. Records a
    /// Warning `BackOff` per container. Returns whether the pod was changed.
    func crash(_ pod: JSON, _ state: SimState) -> Bool {
        let uid = WorkloadControllers.meta(pod, "uid")
        let namespace = WorkloadControllers.meta(pod, "namespace")
        let name = WorkloadControllers.meta(pod, "name")
        let now = SimState.timestamp(state.now())
        guard let crashed = try? state.modify(BuiltIn.pods, namespace: namespace, name: name, subresource: "status", { object throws(SimError) in
            guard WorkloadControllers.meta(object, "uid") == uid, object[path: ["metadata", "deletionTimestamp"]] == nil,
                var statuses = object[path: ["status", "containerStatuses"]]?.arrayValue, !statuses.isEmpty
            else { throw .conflict(BuiltIn.pods, name) }
            for index in statuses.indices {
                var status = statuses[index]
                let container = status["name"]?.stringValue ?? ""
                let startedAt = status[path: ["state", "running", "startedAt"]] ?? .string(now)
                status["restartCount"] = .int((status["restartCount"]?.intValue ?? 0) + 1)
                status["lastState"] = ["terminated": ["exitCode": 1, "reason": "Error", "startedAt": startedAt,
                    "finishedAt": .string(now), "containerID": status["containerID"] ?? .null]]
                status["state"] = ["waiting": ["reason": "CrashLoopBackOff",
                    "message": .string("back-off 10s restarting failed container=\(container) pod=\(name)_\(namespace)(\(uid))")]]
                status["ready"] = false
                status["started"] = false
                statuses[index] = status
            }
            object.set(.array(statuses), at: ["status", "containerStatuses"])
            let names = statuses.compactMap { $0["name"]?.stringValue }.joined(separator: " ")
            Self.setConditions(&object, ready: false, now: now, message: "containers with unready status: [\(names)]")
        }) else { return false }
        for container in crashed[path: ["status", "containerStatuses"]]?.arrayValue ?? [] {
            let containerName = container["name"]?.stringValue ?? ""
            Self.kubelet.recordAggregated(state, about: crashed, type: "Warning", reason: "BackOff",
                message: "Back-off restarting failed container \(containerName) in pod \(name)_\(namespace)(\(uid))")
        }
        return true
    }

    /// Starts the crashed containers of `pod` again (a new container ID each time) and makes the pod Ready;
    /// records Pulled, Created and Started (aggregated, as the kubelet's repeated events are).
    func restart(_ pod: JSON, _ state: SimState) {
        let uid = WorkloadControllers.meta(pod, "uid")
        let namespace = WorkloadControllers.meta(pod, "namespace")
        let name = WorkloadControllers.meta(pod, "name")
        let now = SimState.timestamp(state.now())
        var restarted: [String] = []
        guard let started = try? state.modify(BuiltIn.pods, namespace: namespace, name: name, subresource: "status", { object throws(SimError) in
            guard WorkloadControllers.meta(object, "uid") == uid, object[path: ["metadata", "deletionTimestamp"]] == nil,
                var statuses = object[path: ["status", "containerStatuses"]]?.arrayValue
            else { throw .conflict(BuiltIn.pods, name) }
            restarted = []
            for index in statuses.indices where statuses[index][path: ["state", "waiting", "reason"]]?.stringValue == "CrashLoopBackOff" {
                var status = statuses[index]
                let container = status["name"]?.stringValue ?? ""
                let restarts = status["restartCount"]?.intValue ?? 0
                status["state"] = ["running": ["startedAt": .string(now)]]
                status["ready"] = true
                status["started"] = true
                status["containerID"] = .string("containerd://\(Digest.sha256Hex("\(uid)\(container)/\(restarts)"))")
                statuses[index] = status
                restarted.append(container)
            }
            guard !restarted.isEmpty else { throw .conflict(BuiltIn.pods, name) }
            object.set(.array(statuses), at: ["status", "containerStatuses"])
            if statuses.allSatisfy({ $0["ready"]?.boolValue == true }) {
                Self.setConditions(&object, ready: true, now: now, message: nil)
            }
        }) else { return }
        for container in restarted {
            let image = (started[path: ["spec", "containers"]]?.arrayValue ?? [])
                .first { $0["name"]?.stringValue == container }?["image"]?.stringValue ?? ""
            Self.kubelet.recordAggregated(state, about: started, reason: "Pulled",
                message: "Container image \"\(image)\" already present on machine")
            Self.kubelet.recordAggregated(state, about: started, reason: "Created", message: "Created container \(container)")
            Self.kubelet.recordAggregated(state, about: started, reason: "Started", message: "Started container \(container)")
        }
    }

    /// Sets the pod's `Ready` and `ContainersReady` conditions (reason `ContainersNotReady` when not ready).
    static func setConditions(_ pod: inout JSON, ready: Bool, now: String, message: String?) {
        var conditions = pod[path: ["status", "conditions"]]?.arrayValue ?? []
        for type in ["Ready", "ContainersReady"] {
            var condition: JSON = ["type": .string(type), "status": ready ? "True" : "False", "lastProbeTime": .null,
                "lastTransitionTime": .string(now)]
            if !ready {
                condition["reason"] = "ContainersNotReady"
                if let message { condition["message"] = .string(message) }
            }
            if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
                conditions[index] = condition
            } else {
                conditions.append(condition)
            }
        }
        pod.set(.array(conditions), at: ["status", "conditions"])
    }
}
