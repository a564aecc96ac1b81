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
        // Listed once per tick and shared by every DaemonSet (a scaled platform runs dozens of them); what a
        // pass reads from a pod is read again only when the pod changed.
        let known = runtime.alloyPods.withLock { $0 }
        var seen: [String: ScheduledPod] = [:]
        let pods = runtime.state.list(BuiltIn.pods).items.compactMap { pod -> ScheduledPod? in
            let uid = ServiceNetwork.meta(pod, "uid")
            let version = ServiceNetwork.meta(pod, "resourceVersion")
            let scheduled: ScheduledPod?
            if let old = known[uid], old.resourceVersion == version {
                scheduled = old
            } else {
                scheduled = ScheduledPod(pod, uid: uid, resourceVersion: version)
            }
            if let scheduled { seen[uid] = scheduled }
            return scheduled
        }
        runtime.alloyPods.withLock { $0 = seen }
        let byNamespace = Dictionary(grouping: pods, by: \.namespace)
        for daemonSet in alloys {
            await ship(daemonSet, pods: pods, byNamespace: byNamespace)
        }
    }

    /// A pod bound to a node, with what every DaemonSet's pass reads from it read once per version of the pod
    /// (a class: every DaemonSet's pass looks at it, and a reference is one retain to pass around).
    final class ScheduledPod: Sendable {
        let object: JSON
        let uid: String
        let resourceVersion: String
        let node: String
        /// The pod's labels (string values).
        let labels: [String: String]
        let containers: [String]
        /// When its deletion began (Unix nanoseconds), if it did.
        let deletion: Int64?
        /// What its lines are made from.
        let source: PodLogs.LogSource

        var namespace: String { source.namespace }
        var name: String { source.name }

        /// `pod`, whose uid and resourceVersion were read already; `nil` for a pod not bound to a node.
        init?(_ pod: JSON, uid: String, resourceVersion: String) {
            guard let node = pod[path: ["spec", "nodeName"]]?.stringValue else { return nil }
            object = pod
            self.uid = uid
            self.resourceVersion = resourceVersion
            self.node = node
            labels = (pod[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            deletion = PodLogs.deletionNanoseconds(pod)
            source = PodLogs.LogSource(pod: pod)
        }
    }

    static func isAlloy(_ daemonSet: JSON) -> Bool {
        (daemonSet[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []).contains {
            $0["image"]?.stringValue?.contains("grafana/alloy") == true
        }
    }

    /// One DaemonSet's pass: `scheduled` are every pod bound to a node, `byNamespace` the same by namespace.
    func ship(_ daemonSet: JSON, pods scheduled: [ScheduledPod], byNamespace: [String: [ScheduledPod]]) async {
        let state = runtime.state
        let uid = ServiceNetwork.meta(daemonSet, "uid")
        let alloyPods = state.dependents(ofUID: uid).filter { $0.resource.resource == "pods" }.map(\.object)
            .filter(APIServer.isReady)
        guard let configPod = alloyPods.first,
            let text = runtime.network.configMapValue(of: configPod, key: "config.alloy")
        else { return }
        let config = runtime.alloyConfigs.value(for: text) { AlloyConfig(parsing: text) }
        guard let url = config.url, let target = ServiceNetwork.resolve(url) else { return }
        let nodes = Set(alloyPods.compactMap { $0[path: ["spec", "nodeName"]]?.stringValue })
        let now = runtime.now
        var batch: [(labels: [String: String], lines: [PodLogLine])] = []
        var advanced: [(String, Int)] = []
        // The config's namespaces in its order, each once (as filtering every pod by them gave).
        var listed = Set<String>()
        let candidates = config.namespaces.map { names in names.filter { listed.insert($0).inserted }.flatMap { byNamespace[$0] ?? [] } } ?? scheduled
        let pods = candidates.lazy.filter { nodes.contains($0.node) }
        let positions = runtime.alloyPositions.withLock { $0 }
        for pod in pods {
            let count = PodLogs.lineCount(started: pod.source.started, deletion: pod.deletion, through: now)
            guard count > 0 else { continue }
            for container in pod.containers {
                let key = "\(uid)/\(pod.uid)/\(container)"
                let from = positions[key] ?? 0
                guard from < count else { continue }
                let lines = PodLogs.lines(pod: pod.object, container: container, range: from..<count, source: pod.source)
                let labels = config.labels(namespace: pod.namespace, pod: pod.name, container: container, podLabels: pod.labels)
                batch.append((labels, lines))
                advanced.append((key, count))
            }
        }
        // Checked again just before the push, so a pause set while this tick read the pods holds at once.
        guard !batch.isEmpty, !runtime.chaos.alloyPaused else { return }
        var headers = ["content-type": "application/json"]
        if let tenant = config.tenant { headers["x-scope-orgid"] = tenant }
        guard let response = try? await runtime.network.call(namespace: target.namespace, service: target.service,
            method: "POST", path: target.path, headers: headers, body: Self.pushBody(batch)),
            (200..<300).contains(response.status)
        else { return }
        runtime.alloyPositions.withLock { positions in
            for (key, count) in advanced { positions[key] = max(positions[key] ?? 0, count) }
        }
    }

    /// The push body `{"streams":[{"stream":{…labels},"values":[["<unix ns>","<line>"],…]},…]}` as canonical
    /// JSON (keys sorted, as `JSON.canonicalData` writes it), written straight from the streams instead of
    /// building the JSON tree first: a scaled platform pushes thousands of streams a second.
    static func pushBody(_ streams: [(labels: [String: String], lines: [PodLogLine])]) -> [UInt8] {
        var out = Array(#"{"streams":["#.utf8)
        for (index, stream) in streams.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"stream":{"#.utf8
            for (position, label) in stream.labels.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(label.key, into: &out)
                out.append(UInt8(ascii: ":"))
                JSON.writeString(label.value, into: &out)
            }
            out += #"},"values":["#.utf8
            for (position, line) in stream.lines.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                out += #"[""#.utf8
                out += String(line.nanoseconds).utf8
                out += #"","#.utf8
                JSON.writeString(line.line, into: &out)
                out.append(UInt8(ascii: "]"))
            }
            out += "]}".utf8
        }
        out += "]}".utf8
        return out
    }
}
