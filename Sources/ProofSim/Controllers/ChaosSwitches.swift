import Foundation
import ProofCore
import Synchronization

/// Workload and logging failures of a simulated cluster, switched on and off at any time, so that invariants
/// on restarts, pod counts and log volume can be shown to fail end to end. Reached as `cluster.chaos`, over
/// `GET/POST/DELETE /_sim/chaos` and with `proof sim serve --chaos JSON`.
///
/// ```swift
/// cluster.chaos.crashLoop(namespace: "baseline-dev", labels: "app.kubernetes.io/name=loki")
/// cluster.chaos.alloyPaused = true      // Alloy ships nothing new to Loki
/// cluster.chaos.lokiLosesData()         // one shot: Loki forgets every stored entry
/// try cluster.chaos.removeNode("proof-sim-worker2")
/// cluster.chaos.clear()                 // every switch off
/// ```
///
/// The switches are read by the crash-loop controller (`CrashLoopController`) and by the platform services
/// (`PlatformServices`: Alloy and Loki) of the same cluster; nothing is global.
///
/// Lock rule: one `Mutex` over the settings, held only to read or change them; never across an await, a yield
/// or I/O.
public final class ChaosSwitches: Sendable {
    /// One crash-loop rule: the containers of every pod it matches crash every `interval`.
    public struct CrashLoop: Sendable, Equatable {
        /// Namespace glob (`baseline-*`).
        public var namespace: Glob
        /// Label selector text (`app.kubernetes.io/name=loki`); `nil` matches every pod.
        public var labels: String?
        /// Pod name glob (`loki-*`); `nil` matches every pod.
        public var name: Glob?
        /// Time from a container's (re)start to its next crash; it then waits `backOff` in `CrashLoopBackOff`.
        public var interval: Duration
        private let selector: LabelSelector

        /// A rule; throws 400 when `labels` is not a label selector or `interval` is below 20 ms.
        public init(namespace: String, labels: String? = nil, name: String? = nil, interval: Duration = .milliseconds(300))
            throws(SimError)
        {
            guard interval >= .milliseconds(20) else {
                throw .badRequest("crash loop interval \(interval) is too short: use at least 20 ms")
            }
            self.namespace = Glob(namespace)
            self.labels = labels
            self.name = name.map { Glob($0) }
            self.interval = interval
            if let labels, !labels.isEmpty {
                do {
                    selector = try LabelSelector(parsing: labels)
                } catch {
                    throw .badRequest("crash loop labels \"\(labels)\" are not a label selector: \(error)")
                }
            } else {
                selector = .everything
            }
        }

        /// How long a crashed container stays `waiting: CrashLoopBackOff` (not Ready) before it runs again:
        /// a third of `interval`.
        public var backOff: Duration { interval / 3 }

        /// Whether `pod` is one this rule crashes.
        public func matches(pod: JSON) -> Bool {
            guard namespace.matches(pod[path: ["metadata", "namespace"]]?.stringValue ?? "") else { return false }
            if let name, !name.matches(pod[path: ["metadata", "name"]]?.stringValue ?? "") { return false }
            return selector.matches(object: pod)
        }

        /// `{"namespace":…,"labels":…,"name":…,"intervalMilliseconds":…}` (absent members omitted).
        public var json: JSON {
            var object: [String: JSON] = ["namespace": .string(namespace.pattern),
                "intervalMilliseconds": .int(ChaosSwitches.milliseconds(interval))]
            if let labels { object["labels"] = .string(labels) }
            if let name { object["name"] = .string(name.pattern) }
            return .object(object)
        }

        /// The rule from its JSON form; throws 400 naming the bad member.
        public init(json: JSON) throws(SimError) {
            guard let members = json.objectValue else {
                throw .badRequest("a crash loop must be an object such as {\"namespace\":\"baseline-dev\",\"labels\":\"app.kubernetes.io/name=loki\"}")
            }
            for key in members.keys where !["namespace", "labels", "name", "intervalMilliseconds"].contains(key) {
                throw .badRequest("unknown crash loop member \"\(key)\": use namespace, labels, name or intervalMilliseconds")
            }
            guard let namespace = members["namespace"]?.stringValue, !namespace.isEmpty else {
                throw .badRequest("a crash loop needs \"namespace\" (a glob such as \"baseline-dev\" or \"*\")")
            }
            func optionalString(_ key: String) throws(SimError) -> String? {
                guard let value = members[key], !value.isNull else { return nil }
                guard let text = value.stringValue else { throw .badRequest("crash loop \"\(key)\" must be a string") }
                return text
            }
            var interval = Duration.milliseconds(300)
            if let value = members["intervalMilliseconds"], !value.isNull {
                guard let number = value.intValue else { throw .badRequest("crash loop \"intervalMilliseconds\" must be an integer") }
                interval = .milliseconds(number)
            }
            try self.init(namespace: namespace, labels: try optionalString("labels"), name: try optionalString("name"),
                interval: interval)
        }

        public static func == (lhs: CrashLoop, rhs: CrashLoop) -> Bool {
            lhs.namespace == rhs.namespace && lhs.labels == rhs.labels && lhs.name == rhs.name && lhs.interval == rhs.interval
        }
    }

    private struct Settings: Sendable {
        var crashLoops: [CrashLoop] = []
        var alloyPaused = false
        var lokiDataLosses = 0
    }

    private let settings = Mutex(Settings())
    private let state: SimState?

    /// All switches off. Without a `state` (a standalone instance, e.g. for a hand-made `PlatformServices`),
    /// `removeNode` throws.
    public init() { state = nil }

    /// All switches off, for the cluster whose store is `state`.
    init(state: SimState) { self.state = state }

    // MARK: Crash loops

    /// Makes the containers of every pod matching `namespace` (glob), `labels` (label selector) and `name`
    /// (glob) crash every `interval`, now and for pods that start later, until `stopCrashLoops()` or `clear()`.
    /// Each crash raises `restartCount`, sets `lastState.terminated` (exit code 1, `Error`), leaves the
    /// container `waiting: CrashLoopBackOff` and the pod not Ready for `interval / 3`, and records a Warning
    /// `BackOff` event. A selector that does not parse (or an interval under 20 ms) arms nothing; build a
    /// `CrashLoop` yourself to get the error.
    public func crashLoop(namespace: String, labels: String? = nil, name: String? = nil, interval: Duration = .milliseconds(300)) {
        guard let rule = try? CrashLoop(namespace: namespace, labels: labels, name: name, interval: interval) else { return }
        add(rule)
    }

    /// Arms one crash-loop rule.
    public func add(_ rule: CrashLoop) { settings.withLock { $0.crashLoops.append(rule) } }

    /// The armed crash-loop rules (setting replaces them; `[]` stops every crash loop).
    public var crashLoops: [CrashLoop] {
        get { settings.withLock { $0.crashLoops } }
        set { settings.withLock { $0.crashLoops = newValue } }
    }

    /// Stops every crash loop: containers in back-off start once more and the pods settle Ready.
    public func stopCrashLoops() { crashLoops = [] }

    /// The first rule that matches `pod`.
    func crashLoop(for pod: JSON) -> CrashLoop? {
        settings.withLock { $0.crashLoops.first { $0.matches(pod: pod) } }
    }

    // MARK: Nodes

    /// Deletes the Node `name` through the store, as `kubectl delete node NAME` does: the pods bound to it are
    /// removed (the pod garbage collector), the DaemonSets drop their pod there and the other owners re-create
    /// theirs on the remaining nodes. Throws 404 for an unknown node.
    public func removeNode(_ name: String) throws(SimError) {
        guard let state else {
            throw SimError(code: 500, reason: "InternalError",
                message: "these chaos switches belong to no cluster: use cluster.chaos.removeNode(\"\(name)\")")
        }
        _ = try state.delete(BuiltIn.nodes, namespace: nil, name: name)
    }

    // MARK: Loki and Alloy

    /// While on, Alloy ships no new lines to Loki (the pods keep logging and `kubectl logs` keeps growing);
    /// turned off, it ships the backlog from where it stopped.
    public var alloyPaused: Bool {
        get { settings.withLock { $0.alloyPaused } }
        set { settings.withLock { $0.alloyPaused = newValue } }
    }

    /// One shot: every simulated Loki forgets every stored entry, as a Loki restarted without its volume
    /// would. Alloy does not re-send what it already shipped, so counts drop and then grow from new lines.
    public func lokiLosesData() { settings.withLock { $0.lokiDataLosses += 1 } }

    /// How many times `lokiLosesData()` was called (the services compare it with what they have applied).
    public var lokiDataLosses: Int { settings.withLock { $0.lokiDataLosses } }

    // MARK: All

    /// Turns every switch off (crash loops stopped, Alloy resumed). Data Loki lost stays lost.
    public func clear() {
        settings.withLock {
            $0.crashLoops = []
            $0.alloyPaused = false
        }
    }

    /// Whether any switch is on.
    public var isActive: Bool { settings.withLock { !$0.crashLoops.isEmpty || $0.alloyPaused } }

    /// The switches as JSON:
    /// `{"crashLoop":[{"namespace":…,"labels":…,"name":…,"intervalMilliseconds":…}],"alloyPaused":false,"lokiDataLosses":0}`.
    public var json: JSON {
        let value = settings.withLock { $0 }
        return ["crashLoop": .array(value.crashLoops.map(\.json)), "alloyPaused": .bool(value.alloyPaused),
            "lokiDataLosses": .int(Int64(value.lokiDataLosses))]
    }

    /// Applies the members present in `body`: `crashLoop` (an array of rules, or one rule) replaces the armed
    /// rules (`[]` or `null` stops them), `alloyPaused` sets the pause, `lokiLosesData: true` wipes Loki once,
    /// `lokiDataLosses` (as `json` shows it) is accepted and ignored so a `GET` body can be posted back.
    /// Validates everything before changing anything; throws 400 for an unknown member or a wrong type.
    public func apply(_ body: JSON) throws(SimError) {
        guard let members = body.objectValue else {
            throw .badRequest("chaos switches must be a JSON object such as {\"alloyPaused\":true}")
        }
        var crashLoops: [CrashLoop]?
        var alloyPaused: Bool?
        var losesData = false
        for (key, member) in members {
            switch key {
            case "crashLoop":
                if member.isNull {
                    crashLoops = []
                } else {
                    var rules: [CrashLoop] = []
                    for item in member.arrayValue ?? [member] { rules.append(try CrashLoop(json: item)) }
                    crashLoops = rules
                }
            case "alloyPaused":
                guard let flag = member.boolValue else { throw .badRequest("alloyPaused must be true or false") }
                alloyPaused = flag
            case "lokiLosesData":
                guard let flag = member.boolValue else { throw .badRequest("lokiLosesData must be true or false") }
                losesData = flag
            case "lokiDataLosses":
                continue
            default:
                throw .badRequest("unknown chaos switch \"\(key)\": use crashLoop, alloyPaused or lokiLosesData")
            }
        }
        settings.withLock { settings in
            if let crashLoops { settings.crashLoops = crashLoops }
            if let alloyPaused { settings.alloyPaused = alloyPaused }
            if losesData { settings.lokiDataLosses += 1 }
        }
    }

    /// Parses and applies a JSON text (the `--chaos` flag); throws 400 for bad JSON.
    public func apply(jsonText text: String) throws(SimError) {
        let body: JSON
        do {
            body = try JSON(parsing: text)
        } catch {
            throw .badRequest("chaos switches must be JSON such as {\"alloyPaused\":true}: \(error)")
        }
        try apply(body)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
