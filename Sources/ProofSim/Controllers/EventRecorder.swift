import Foundation
import ProofCore

/// Writes core/v1 `Event` objects about other objects, as Kubernetes components do (`Scheduled`, `Started`,
/// `Killing`, `ScalingReplicaSet`, …). Failures (e.g. a terminating namespace) are ignored, as in Kubernetes.
public struct EventRecorder: Sendable {
    /// The component named in `source.component` (`kubelet`, `deployment-controller`, …).
    public var component: String

    /// A recorder for `component`.
    public init(component: String) { self.component = component }

    /// Records `reason`/`message` about `object`; `type` is `Normal` or `Warning`.
    public func record(_ state: SimState, about object: JSON, type: String = "Normal", reason: String, message: String) {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? "unknown"
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let now = SimState.timestamp(state.now())
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string("\(name).\(suffix)"), "namespace": .string(namespace)],
            "involvedObject": [
                "apiVersion": object["apiVersion"] ?? "v1", "kind": object["kind"] ?? "",
                "name": .string(name), "namespace": .string(namespace),
                "uid": object[path: ["metadata", "uid"]] ?? "",
                "resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? "",
            ],
            "reason": .string(reason), "message": .string(message), "type": .string(type),
            "source": ["component": .string(component)], "count": 1,
            "firstTimestamp": .string(now), "lastTimestamp": .string(now),
            "reportingComponent": .string(component), "reportingInstance": "",
        ]
        _ = try? state.create(event, as: BuiltIn.events)
    }

    /// Records `reason`/`message` about `object` like `record`, but as Kubernetes' event aggregation does for a
    /// repeated event: when an Event with the same object uid, type, reason and message exists, its `count`
    /// goes up by one and its `lastTimestamp` moves to now instead of a new Event being written.
    public func recordAggregated(_ state: SimState, about object: JSON, type: String = "Normal", reason: String, message: String) {
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
        let existing = state.list(BuiltIn.events, filter: try? ObjectFilter(namespace: namespace, fieldSelector: "involvedObject.uid=\(uid)"))
            .items.first {
                $0["reason"]?.stringValue == reason && $0["message"]?.stringValue == message && $0["type"]?.stringValue == type
                    && $0[path: ["source", "component"]]?.stringValue == component
            }
        guard let existing, let name = existing[path: ["metadata", "name"]]?.stringValue else {
            record(state, about: object, type: type, reason: reason, message: message)
            return
        }
        let now = SimState.timestamp(state.now())
        let updated = try? state.modify(BuiltIn.events, namespace: namespace, name: name) { event in
            event["count"] = .int((event["count"]?.intValue ?? 1) + 1)
            event["lastTimestamp"] = .string(now)
        }
        if updated == nil { record(state, about: object, type: type, reason: reason, message: message) }
    }
}
