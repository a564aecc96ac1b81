import Foundation
import ProofCore

extension WorkloadControllers {
    static let binder = EventRecorder(component: "persistentvolume-controller")

    /// Binds a pending claim to a new PersistentVolume at once (kind's local-path provisioner, simplified).
    func bindClaim(_ claim: JSON, _ state: SimState) {
        guard claim[path: ["metadata", "deletionTimestamp"]] == nil,
            claim[path: ["status", "phase"]]?.stringValue != "Bound"
        else { return }
        let namespace = Self.meta(claim, "namespace")
        let name = Self.meta(claim, "name")
        let uid = Self.meta(claim, "uid")
        let volumeName = "pvc-\(uid)"
        let storage = claim[path: ["spec", "resources", "requests", "storage"]] ?? "1Gi"
        let accessModes = claim[path: ["spec", "accessModes"]] ?? ["ReadWriteOnce"]
        let storageClass = claim[path: ["spec", "storageClassName"]] ?? "standard"
        if (try? state.get(BuiltIn.persistentVolumes, namespace: nil, name: volumeName)) == nil {
            let volume: JSON = [
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": ["name": .string(volumeName), "annotations": ["pv.kubernetes.io/provisioned-by": "rancher.io/local-path"]],
                "spec": ["capacity": ["storage": storage], "accessModes": accessModes, "storageClassName": storageClass,
                    "persistentVolumeReclaimPolicy": "Delete", "volumeMode": "Filesystem",
                    "hostPath": ["path": .string("/var/local-path-provisioner/\(volumeName)_\(namespace)_\(name)"), "type": "DirectoryOrCreate"],
                    "claimRef": ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": .string(namespace),
                        "name": .string(name), "uid": .string(uid)]],
            ]
            guard (try? state.create(volume, as: BuiltIn.persistentVolumes)) != nil else { return }
        }
        _ = try? state.modify(BuiltIn.persistentVolumes, namespace: nil, name: volumeName, subresource: "status") {
            $0["status"] = ["phase": "Bound"]
        }
        _ = try? state.modify(BuiltIn.persistentVolumeClaims, namespace: namespace, name: name) { object throws(SimError) in
            guard Self.meta(object, "uid") == uid else { throw .conflict(BuiltIn.persistentVolumeClaims, name) }
            object.set(.string(volumeName), at: ["spec", "volumeName"])
            object.set("yes", at: ["metadata", "annotations", "pv.kubernetes.io/bind-completed"])
        }
        if let bound = try? state.modify(BuiltIn.persistentVolumeClaims, namespace: namespace, name: name, subresource: "status", {
            $0["status"] = ["phase": "Bound", "accessModes": accessModes, "capacity": ["storage": storage]]
        }) {
            Self.binder.record(state, about: bound, reason: "ProvisioningSucceeded",
                message: "Successfully provisioned volume \(volumeName)")
        }
    }

    /// A deleted claim's volume goes too (reclaim policy Delete) or becomes Released (Retain).
    func releaseVolume(of claim: JSON, _ state: SimState) {
        guard let volumeName = claim[path: ["spec", "volumeName"]]?.stringValue,
            let volume = try? state.get(BuiltIn.persistentVolumes, namespace: nil, name: volumeName)
        else { return }
        if volume[path: ["spec", "persistentVolumeReclaimPolicy"]]?.stringValue == "Retain" {
            _ = try? state.modify(BuiltIn.persistentVolumes, namespace: nil, name: volumeName, subresource: "status") {
                $0["status"] = ["phase": "Released"]
            }
        } else {
            _ = try? state.delete(BuiltIn.persistentVolumes, namespace: nil, name: volumeName)
        }
    }

    // MARK: Namespaces

    /// After `namespaceCleanupDelay`, deletes everything in a terminating namespace; the namespace goes
    /// when the last object is gone (objects with finalizers hold it in `Terminating`).
    func scheduleNamespaceCleanup(_ namespace: JSON, _ state: SimState) {
        let name = Self.meta(namespace, "name")
        let uid = Self.meta(namespace, "uid")
        guard inFlight.claim("ns/" + uid) else { return }
        cleanNamespace(name, uid: uid, state, passes: 600)
    }

    /// Deletes what is left in a terminating namespace, and keeps doing so (as the namespace controller does)
    /// until it is empty and gone: a controller may re-create a pod between two passes. Bounded by `passes`
    /// so an object whose finalizer nobody removes does not keep a task alive after the cluster stops.
    private func cleanNamespace(_ name: String, uid: String, _ state: SimState, passes: Int) {
        Self.after(timing.namespaceCleanupDelay) {
            for type in state.registry.all where type.namespaced {
                for object in state.list(type, filter: try? ObjectFilter(namespace: name)).items
                where object[path: ["metadata", "deletionTimestamp"]] == nil {
                    _ = try? state.delete(type, namespace: name, name: Self.meta(object, "name"), gracePeriodSeconds: type.resource == "pods" ? nil : 0)
                }
            }
            finishNamespaceIfEmpty(name, state)
            if passes > 1, let namespace = try? state.get(BuiltIn.namespaces, namespace: nil, name: name), Self.meta(namespace, "uid") == uid {
                cleanNamespace(name, uid: uid, state, passes: passes - 1)
            }
        }
    }

    /// Removes the `kubernetes` finalizer of a terminating namespace once nothing (but events) is left in it.
    func finishNamespaceIfEmpty(_ name: String, _ state: SimState) {
        guard let namespace = try? state.get(BuiltIn.namespaces, namespace: nil, name: name),
            namespace[path: ["metadata", "deletionTimestamp"]] != nil,
            inFlight.uids.withLock({ $0.contains("ns/" + Self.meta(namespace, "uid")) }) || true
        else { return }
        for type in state.registry.all where type.namespaced && type.resource != "events" {
            if !state.list(type, filter: try? ObjectFilter(namespace: name)).items.isEmpty { return }
        }
        for event in state.list(BuiltIn.events, filter: try? ObjectFilter(namespace: name)).items {
            _ = try? state.delete(BuiltIn.events, namespace: name, name: Self.meta(event, "name"))
        }
        _ = try? state.modify(BuiltIn.namespaces, namespace: nil, name: name) {
            $0.set([], at: ["spec", "finalizers"])
        }
    }
}
