import Foundation
import ProofCluster
import ProofCore

/// Waits for a condition over the objects of a target by **watching** them: one list, then a watch from the
/// list's resourceVersion, judging the condition after each event. On timeout it throws
/// ``ScenarioError`` (`.timedOut`) carrying the last state seen and how it differs from the condition.
public struct ObjectWaiter: Sendable {
    /// The cluster.
    public let client: KubernetesClient
    /// How values the wait reports (progress, the timeout's difference) are shown: the store's, so a
    /// credential shows as the same marker the evidence holds.
    public let redaction: Redaction

    /// A waiter over `client` whose reports are redacted by `redaction`.
    public init(client: KubernetesClient, redaction: Redaction) {
        self.client = client
        self.redaction = redaction
    }

    /// Waits until `condition` holds for the objects `target` selects; returns the objects then.
    ///
    /// - Parameter progress: told what the wait is waiting for after every event (for the terminal line).
    public func wait(
        for target: ObjectTarget, _ condition: WaitCondition, type: ResourceType, timeout: Duration,
        progress: @escaping @Sendable (String) async -> Void
    ) async throws -> [JSON] {
        let namespace = type.namespaced ? target.serverNamespace : nil
        let state = LastSeen()
        let work: @Sendable () async throws -> [JSON] = {
            let list = try await client.list(type, namespace: namespace, labelSelector: target.labels)
            var objects = ObjectSet(target: target)
            for item in list.items { objects.apply(.added, item) }
            if await Self.judge(objects, condition, target: target, redaction: redaction, state: state, progress: progress) { return objects.sorted }
            let options = WatchOptions(labelSelector: target.labels, serverTimeout: .seconds(60))
            for try await event in client.watch(type, namespace: namespace, from: list, options: options) {
                guard objects.apply(event.type, event.object) else { continue }
                if await Self.judge(objects, condition, target: target, redaction: redaction, state: state, progress: progress) { return objects.sorted }
            }
            throw ScenarioError(.cannotExecute, "the watch of \(target) ended before the condition held")
        }
        return try await withThrowingTaskGroup(of: [JSON]?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            if let first = try await group.next(), let objects = first { return objects }
            let (objects, difference) = await state.snapshot
            let summary = objects.map(Self.summary)
            throw ScenarioError(
                code: .timedOut,
                problems: [DecodingProblem(location: nil, message: "timed out after \(timeout) waiting for \(target): \(difference.isEmpty ? "condition not met" : difference)")],
                detail: ["lastSeen": .array(summary), "difference": .string(difference)])
        }
    }

    /// The fields of an object that tell its state (name, phase, sync/health, replicas), for timeout reports.
    static func summary(_ object: JSON) -> JSON {
        var out: [String: JSON] = [
            "kind": object["kind"] ?? .null,
            "name": object[path: ["metadata", "name"]] ?? .null,
            "namespace": object[path: ["metadata", "namespace"]] ?? .null,
        ]
        if let deleting = object[path: ["metadata", "deletionTimestamp"]] { out["deletionTimestamp"] = deleting }
        if let status = object["status"] {
            for key in ["phase", "sync", "health", "replicas", "readyReplicas", "updatedReplicas", "availableReplicas", "operationState"] {
                if var value = status[key] {
                    if key == "sync" { value = ["status": value["status"] ?? .null, "revision": value["revision"] ?? .null] }
                    if key == "operationState" { value = ["phase": value["phase"] ?? .null, "message": value["message"] ?? .null] }
                    out[key] = value
                }
            }
        }
        return .object(out)
    }
}

extension ObjectWaiter {
    /// Judges the current objects, remembers them as the last state seen and reports progress.
    static func judge(_ objects: ObjectSet, _ condition: WaitCondition, target: ObjectTarget, redaction: Redaction, state: LastSeen,
        progress: @Sendable (String) async -> Void) async -> Bool
    {
        let current = objects.sorted
        let (holds, difference) = condition.judge(current, redaction: redaction)
        await state.set(current, difference)
        await progress("waiting for \(target): \(holds ? "done" : difference)")
        return holds
    }
}

/// The objects a wait currently sees, keyed by namespace/name, filtered by a name glob.
struct ObjectSet {
    let target: ObjectTarget
    private var objects: [String: JSON] = [:]

    init(target: ObjectTarget) { self.target = target }

    /// Applies an event; `false` when the object does not match the glob.
    @discardableResult
    mutating func apply(_ type: ProofCluster.WatchEvent.EventType, _ object: JSON) -> Bool {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if !target.matches(object) { return false }
        if let wanted = target.name, !target.nameIsGlob, wanted != name { return false }
        let key = "\(object[path: ["metadata", "namespace"]]?.stringValue ?? "")/\(name)"
        switch type {
        case .deleted: objects[key] = nil
        case .added, .modified: objects[key] = object
        }
        return true
    }

    /// The objects sorted by key.
    var sorted: [JSON] { objects.keys.sorted().map { objects[$0]! } }
}

/// The last state a wait saw (shared between the watching task and the timeout).
actor LastSeen {
    private(set) var objects: [JSON] = []
    private var difference = ""

    func set(_ objects: [JSON], _ difference: String) {
        self.objects = objects
        self.difference = difference
    }

    var snapshot: ([JSON], String) { (objects, difference) }
}
