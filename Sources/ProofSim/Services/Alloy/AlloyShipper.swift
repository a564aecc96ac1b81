import Foundation
import ProofCore

/// The simulated Grafana Alloy: every DaemonSet running the Alloy image tails the pods on the nodes where it
/// has a Ready pod, in the namespaces its `config.alloy` lists, and pushes new lines to the `loki.write` URL
/// through the in-cluster network. A push that fails (Loki down) is retried on the next tick from the same
/// position; Loki drops the duplicates of a re-sent batch. While `ChaosSwitches.alloyPaused` is on it ships nothing.
struct AlloyShipper {
    let runtime: ServicesRuntime

    /// One pass over every Alloy DaemonSet.
    ///
    /// DaemonSets that read the same `config.alloy` and have Ready pods on the same nodes tail the same files and
    /// push the same lines to the same Loki, which keeps one copy of each; they are shipped as one tailer (one
    /// read of the pods, one push). A scaled platform runs hundreds of copies of one DaemonSet: pushing the same
    /// batch once per copy kept a core busy at `--scale 150` without changing what Loki holds.
    func tick() async {
        // Paused (chaos): ship nothing; positions stay where they are, so the backlog goes out on resume.
        guard !runtime.chaos.alloyPaused else { return }
        let alloys = runtime.state.list(BuiltIn.daemonSets).items.filter(Self.isAlloy)
        guard !alloys.isEmpty else { return }
        // Listed once per tick and shared by every tailer; what a pass reads from a pod is read again only when
        // the pod changed.
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
        var tailers: [Tailer] = []
        var index: [Tailer.Key: Int] = [:]
        for daemonSet in alloys {
            guard let (key, uid) = tailerKey(daemonSet) else { continue }
            if let at = index[key] {
                tailers[at].daemonSets.append(uid)
            } else {
                index[key] = tailers.count
                tailers.append(Tailer(key: key, daemonSets: [uid]))
            }
        }
        // Positions of DaemonSets that are gone are dropped with them.
        let existing = Set(alloys.map { ServiceNetwork.meta($0, "uid") })
        runtime.alloyPositions.withLock { positions in positions = positions.filter { existing.contains($0.key) } }
        for tailer in tailers {
            await ship(tailer, pods: pods, byNamespace: byNamespace, live: seen)
        }
    }

    /// DaemonSets shipped together: the same config text and the same nodes with a Ready pod.
    struct Tailer {
        struct Key: Hashable {
            var config: String
            /// Sorted.
            var nodes: [String]
        }
        var key: Key
        /// Their uids, in the order they were listed.
        var daemonSets: [String]
    }

    /// The tailer `daemonSet` belongs to, with its uid; `nil` when it has no Ready pod or no config.
    func tailerKey(_ daemonSet: JSON) -> (Tailer.Key, String)? {
        let uid = ServiceNetwork.meta(daemonSet, "uid")
        let alloyPods = runtime.state.dependents(ofUID: uid).filter { $0.resource.resource == "pods" }.map(\.object)
            .filter(APIServer.isReady)
        guard let configPod = alloyPods.first,
            let text = runtime.network.configMapValue(of: configPod, key: "config.alloy")
        else { return nil }
        let nodes = Set(alloyPods.compactMap { $0[path: ["spec", "nodeName"]]?.stringValue }).sorted()
        return (Tailer.Key(config: text, nodes: nodes), uid)
    }

    /// Where a tailer's DaemonSets are in each container's log: the next line to ship. Members of one tailer
    /// share one table after a push (immutable, so sharing is a reference).
    final class Positions: Sendable {
        struct Key: Hashable {
            var pod: String
            var container: String
        }
        let next: [Key: Int]
        init(_ next: [Key: Int]) { self.next = next }

        /// Where every one of `tables` would start, the earliest of theirs (a member without a table starts
        /// at the beginning): shipping from there sends what each would have sent, and Loki keeps one copy.
        static func earliest(_ tables: [Positions?]) -> [Key: Int] {
            guard let first = tables.first ?? nil else { return [:] }
            var merged = first.next
            for table in tables.dropFirst() {
                guard let table else { return [:] }
                if table === first { continue }
                merged = merged.filter { table.next[$0.key] != nil }
                for (key, value) in merged { merged[key] = min(value, table.next[key]!) }
            }
            return merged
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

    /// One tailer's pass: `scheduled` are every pod bound to a node, `byNamespace` the same by namespace, `live`
    /// the same by uid.
    func ship(_ tailer: Tailer, pods scheduled: [ScheduledPod], byNamespace: [String: [ScheduledPod]],
        live: [String: ScheduledPod]) async
    {
        let config = runtime.alloyConfigs.value(for: tailer.key.config) { AlloyConfig(parsing: tailer.key.config) }
        guard let url = config.url, let target = ServiceNetwork.resolve(url) else { return }
        let nodes = Set(tailer.key.nodes)
        let now = runtime.now
        var batch: [(labels: [String: String], lines: [PodLogLine])] = []
        var advanced: [(Positions.Key, Int)] = []
        // The config's namespaces in its order, each once (as filtering every pod by them gave).
        var listed = Set<String>()
        let candidates = config.namespaces.map { names in names.filter { listed.insert($0).inserted }.flatMap { byNamespace[$0] ?? [] } } ?? scheduled
        let pods = candidates.lazy.filter { nodes.contains($0.node) }
        let positions = Positions.earliest(runtime.alloyPositions.withLock { all in tailer.daemonSets.map { all[$0] } })
        for pod in pods {
            let count = PodLogs.lineCount(started: pod.source.started, deletion: pod.deletion, through: now)
            guard count > 0 else { continue }
            for container in pod.containers {
                let key = Positions.Key(pod: pod.uid, container: container)
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
        // Pods that are gone are forgotten; every member now stands where the push left the tailer.
        var next = positions.filter { live[$0.key.pod] != nil }
        for (key, count) in advanced { next[key] = max(next[key] ?? 0, count) }
        let table = Positions(next)
        runtime.alloyPositions.withLock { all in
            for uid in tailer.daemonSets { all[uid] = table }
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
