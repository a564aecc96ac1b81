import Foundation
import ProofCore
import Synchronization

/// The built-in control plane of the simulated cluster, as one `SimController`: the scheduler and kubelet
/// (pods become Running and Ready after `Timing.podStartDelay`; graceful deletion), the Deployment,
/// ReplicaSet, StatefulSet and DaemonSet controllers, the PVC binder (kind's local-path style), the
/// Endpoints controller, and the namespace controller (contents deleted, then the namespace removed).
///
/// Lock rule: the in-flight `uids` set and the pod IP counter are `Mutex`es held only to read or change the value;
/// never across an await, a `SimState` call, a stream yield or I/O.
struct WorkloadControllers: SimController {
    let timing: SimOptions.Timing
    let inFlight = InFlight()

    var name: String { "workloads" }

    /// Pod uids with a pending start or removal, so an event storm schedules each only once.
    final class InFlight: Sendable {
        let uids = Mutex<Set<String>>([])
        func claim(_ key: String) -> Bool { uids.withLock { $0.insert(key).inserted } }
        func release(_ key: String) { uids.withLock { _ = $0.remove(key) } }
    }

    func run(state: SimState) async {
        let changes = state.changes()
        resyncAll(state)
        for await event in changes {
            if Task.isCancelled { break }
            handle(event, state)
            // A backlog is consumed without suspending; yield so the API server (same pool) keeps answering.
            await Task.yield()
        }
    }

    func resyncAll(_ state: SimState) {
        for pod in state.list(BuiltIn.pods).items { handlePod(pod, deleted: false, state) }
        for pvc in state.list(BuiltIn.persistentVolumeClaims).items { bindClaim(pvc, state) }
        for type in [BuiltIn.deployments, BuiltIn.replicaSets, BuiltIn.statefulSets, BuiltIn.daemonSets] {
            for object in state.list(type).items { reconcile(type, object, state) }
        }
        for namespace in state.list(BuiltIn.namespaces).items where namespace[path: ["metadata", "deletionTimestamp"]] != nil {
            scheduleNamespaceCleanup(namespace, state)
        }
        for service in state.list(BuiltIn.services).items { reconcileEndpoints(service, state) }
    }

    func handle(_ event: WatchEvent, _ state: SimState) {
        let resource = event.resource
        let object = event.object
        switch (resource.group, resource.resource) {
        case ("", "pods"):
            handlePod(object, deleted: event.type == .deleted, state)
            reconcileOwners(of: object, state)
            endpointsForPod(object, state)
        case ("apps", _):
            if event.type != .deleted { reconcile(resource, object, state) }
            reconcileOwners(of: object, state)
        case ("", "persistentvolumeclaims"):
            if event.type == .deleted { releaseVolume(of: object, state) } else { bindClaim(object, state) }
        case ("", "nodes"):
            if event.type == .deleted { removePods(onNode: Self.meta(object, "name"), state) }
            for daemonSet in state.list(BuiltIn.daemonSets).items { reconcile(BuiltIn.daemonSets, daemonSet, state) }
        case ("", "namespaces"):
            if event.type != .deleted, object[path: ["metadata", "deletionTimestamp"]] != nil {
                scheduleNamespaceCleanup(object, state)
            }
        case ("", "services"):
            if event.type != .deleted { reconcileEndpoints(object, state) }
        default:
            break
        }
        if event.type == .deleted, !event.namespace.isEmpty, resource.resource != "events" {
            finishNamespaceIfEmpty(event.namespace, state)
        }
    }

    func reconcile(_ type: ResourceType, _ object: JSON, _ state: SimState) {
        switch type.resource {
        case "deployments": reconcileDeployment(object, state)
        case "replicasets": reconcileReplicaSet(object, state)
        case "statefulsets": reconcileStatefulSet(object, state)
        case "daemonsets": reconcileDaemonSet(object, state)
        default: break
        }
    }

    /// Re-reconciles the apps/v1 owners named in `object`'s owner references.
    func reconcileOwners(of object: JSON, _ state: SimState) {
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue
        for owner in object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? [] {
            guard owner["apiVersion"]?.stringValue == "apps/v1", let kind = owner["kind"]?.stringValue,
                let name = owner["name"]?.stringValue,
                let type = state.registry.type(apiVersion: "apps/v1", kind: kind),
                let current = try? state.get(type, namespace: namespace, name: name)
            else { continue }
            reconcile(type, current, state)
        }
    }

    // MARK: Helpers

    static func meta(_ object: JSON, _ key: String) -> String { object[path: ["metadata", key]]?.stringValue ?? "" }

    static func ownerReference(_ owner: JSON) -> JSON {
        ["apiVersion": owner["apiVersion"] ?? "", "kind": owner["kind"] ?? "", "name": .string(meta(owner, "name")),
            "uid": .string(meta(owner, "uid")), "controller": true, "blockOwnerDeletion": true]
    }

    /// Pods (not terminating unless `includeTerminating`) controlled by `owner`.
    static func ownedPods(_ owner: JSON, _ state: SimState, includeTerminating: Bool = false) -> [JSON] {
        state.dependents(ofUID: meta(owner, "uid")).filter { $0.resource.resource == "pods" && $0.resource.group.isEmpty }
            .map(\.object)
            .filter { includeTerminating || $0[path: ["metadata", "deletionTimestamp"]] == nil }
    }

    static func isReady(_ pod: JSON) -> Bool { APIServer.isReady(pod) }

    /// A 10-character hash over a pod template, in the alphabet Kubernetes uses for `pod-template-hash`.
    static func templateHash(_ template: JSON?) -> String {
        let hex = Digest.sha256Hex((template ?? .null).canonicalData)
        let alphabet = Storage.suffixAlphabet
        var result = ""
        var index = hex.startIndex
        for _ in 0..<10 {
            let next = hex.index(index, offsetBy: 2)
            result.append(alphabet[Int(hex[index..<next], radix: 16)! % alphabet.count])
            index = next
        }
        return result
    }

    /// A new pod object from `template` with extra labels, owner and name.
    static func pod(from template: JSON?, name: String, namespace: String, owner: JSON, extraLabels: [String: JSON],
        nodeName: String? = nil) -> JSON
    {
        var metadata = template?["metadata"]?.objectValue ?? [:]
        var labels = metadata["labels"]?.objectValue ?? [:]
        for (key, value) in extraLabels { labels[key] = value }
        metadata["labels"] = .object(labels)
        metadata["name"] = .string(name)
        metadata["namespace"] = .string(namespace)
        metadata["ownerReferences"] = [ownerReference(owner)]
        metadata["creationTimestamp"] = nil
        var spec = template?["spec"] ?? ["containers": []]
        if let nodeName { spec["nodeName"] = .string(nodeName) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": spec]
    }

    /// Writes `status` when it differs from the stored one.
    static func setStatus(_ type: ResourceType, _ object: JSON, _ status: JSON, _ state: SimState) {
        guard object["status"] != status else { return }
        _ = try? state.modify(type, namespace: meta(object, "namespace"), name: meta(object, "name"), subresource: "status") {
            $0["status"] = status
        }
    }

    static func after(_ delay: Duration, _ body: @escaping @Sendable () -> Void) {
        Task {
            try? await Task.sleep(for: delay)
            body()
        }
    }
}
