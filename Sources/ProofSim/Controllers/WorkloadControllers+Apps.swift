import Foundation
import ProofCore

extension WorkloadControllers {
    static let deploymentEvents = EventRecorder(component: "deployment-controller")
    static let replicaSetEvents = EventRecorder(component: "replicaset-controller")
    static let statefulSetEvents = EventRecorder(component: "statefulset-controller")
    static let daemonSetEvents = EventRecorder(component: "daemonset-controller")

    static func replicas(_ object: JSON) -> Int { Int(object[path: ["spec", "replicas"]]?.intValue ?? 1) }
    static func generation(_ object: JSON) -> JSON { object[path: ["metadata", "generation"]] ?? 1 }

    // MARK: Deployment

    func reconcileDeployment(_ deployment: JSON, _ state: SimState) {
        guard deployment[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = Self.meta(deployment, "namespace")
        let name = Self.meta(deployment, "name")
        let desired = Self.replicas(deployment)
        let template = deployment[path: ["spec", "template"]]
        let hash = Self.templateHash(template)
        let owned = state.dependents(ofUID: Self.meta(deployment, "uid"))
            .filter { $0.resource.resource == "replicasets" }.map(\.object)
        let revisionOf = { (rs: JSON) in Int(rs[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]]?.stringValue ?? "0") ?? 0 }
        let maxRevision = owned.map(revisionOf).max() ?? 0
        var newRS = owned.first { $0[path: ["metadata", "labels", "pod-template-hash"]]?.stringValue == hash }
        let paused = deployment[path: ["spec", "paused"]]?.boolValue == true

        if newRS == nil, !paused {
            var rsTemplate = template ?? [:]
            rsTemplate.set(.string(hash), at: ["metadata", "labels", "pod-template-hash"])
            var selector = deployment[path: ["spec", "selector"]] ?? ["matchLabels": [:]]
            selector.set(.string(hash), at: ["matchLabels", "pod-template-hash"])
            let revision = String(maxRevision + 1)
            var labels = template?[path: ["metadata", "labels"]] ?? [:]
            labels["pod-template-hash"] = .string(hash)
            let rs: JSON = [
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": ["name": .string("\(name)-\(hash)"), "namespace": .string(namespace), "labels": labels,
                    "annotations": ["deployment.kubernetes.io/revision": .string(revision),
                        "deployment.kubernetes.io/desired-replicas": .string(String(desired)),
                        "deployment.kubernetes.io/max-replicas": .string(String(desired + 1))],
                    "ownerReferences": [Self.ownerReference(deployment)]],
                "spec": ["replicas": .int(Int64(desired)), "selector": selector, "template": rsTemplate],
            ]
            newRS = try? state.create(rs, as: BuiltIn.replicaSets)
            if newRS != nil {
                Self.deploymentEvents.record(state, about: deployment, reason: "ScalingReplicaSet",
                    message: "Scaled up replica set \(name)-\(hash) from 0 to \(desired)")
            }
        } else if let rs = newRS, Self.replicas(rs) != desired, !paused {
            newRS = try? state.modify(BuiltIn.replicaSets, namespace: namespace, name: Self.meta(rs, "name")) {
                $0.set(.int(Int64(desired)), at: ["spec", "replicas"])
                $0.set(.string(String(desired)), at: ["metadata", "annotations", "deployment.kubernetes.io/desired-replicas"])
            }
            Self.deploymentEvents.record(state, about: deployment, reason: "ScalingReplicaSet",
                message: "Scaled \(Self.replicas(rs) < desired ? "up" : "down") replica set \(Self.meta(rs, "name")) from \(Self.replicas(rs)) to \(desired)")
        }
        guard let newRS else { return }
        let newRevision = newRS[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] ?? "1"
        if deployment[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] != newRevision {
            _ = try? state.modify(BuiltIn.deployments, namespace: namespace, name: name) {
                $0.set(newRevision, at: ["metadata", "annotations", "deployment.kubernetes.io/revision"])
            }
        }
        let newReady = Int(newRS[path: ["status", "readyReplicas"]]?.intValue ?? 0)
        let recreate = deployment[path: ["spec", "strategy", "type"]]?.stringValue == "Recreate"
        let olds = owned.filter { Self.meta($0, "uid") != Self.meta(newRS, "uid") }
        if newReady >= desired || recreate {
            for old in olds where Self.replicas(old) > 0 {
                _ = try? state.modify(BuiltIn.replicaSets, namespace: namespace, name: Self.meta(old, "name")) {
                    $0.set(0, at: ["spec", "replicas"])
                }
                Self.deploymentEvents.record(state, about: deployment, reason: "ScalingReplicaSet",
                    message: "Scaled down replica set \(Self.meta(old, "name")) from \(Self.replicas(old)) to 0")
            }
        }
        let limit = Int(deployment[path: ["spec", "revisionHistoryLimit"]]?.intValue ?? 10)
        let idle = olds.filter { Self.replicas($0) == 0 && ($0[path: ["status", "replicas"]]?.intValue ?? 0) == 0 }
            .sorted { revisionOf($0) < revisionOf($1) }
        for old in idle.dropLast(limit) {
            _ = try? state.delete(BuiltIn.replicaSets, namespace: namespace, name: Self.meta(old, "name"))
        }

        let all = [newRS] + olds
        let sum = { (key: String) in all.reduce(Int64(0)) { $0 + ($1[path: ["status", key]]?.intValue ?? 0) } }
        let replicas = sum("replicas")
        let ready = sum("readyReplicas")
        let available = sum("availableReplicas")
        let updated = newRS[path: ["status", "replicas"]]?.intValue ?? 0
        let complete = updated == desired && replicas == desired && available == desired
        var previous: [String: JSON] = [:]
        for condition in deployment[path: ["status", "conditions"]]?.arrayValue ?? [] {
            if let type = condition["type"]?.stringValue { previous[type] = condition }
        }
        let now = SimState.timestamp(state.now())
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> JSON {
            let statusText: JSON = status ? "True" : "False"
            if let old = previous[type], old["status"] == statusText, old["reason"]?.stringValue == reason { return old }
            return ["type": .string(type), "status": statusText, "reason": .string(reason), "message": .string(message),
                "lastUpdateTime": .string(now), "lastTransitionTime": .string(now)]
        }
        var status: JSON = [
            "observedGeneration": Self.generation(deployment), "replicas": .int(replicas), "updatedReplicas": .int(updated),
            "readyReplicas": .int(ready), "availableReplicas": .int(available),
            "conditions": [
                condition("Available", available >= Int64(desired), available >= Int64(desired) ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    available >= Int64(desired) ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
                condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    complete ? "ReplicaSet \"\(Self.meta(newRS, "name"))\" has successfully progressed." : "ReplicaSet \"\(Self.meta(newRS, "name"))\" is progressing."),
            ],
        ]
        if replicas - available > 0 { status["unavailableReplicas"] = .int(replicas - available) }
        Self.setStatus(BuiltIn.deployments, deployment, status, state)
    }

    // MARK: ReplicaSet

    func reconcileReplicaSet(_ rs: JSON, _ state: SimState) {
        guard rs[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = Self.meta(rs, "namespace")
        let name = Self.meta(rs, "name")
        let desired = Self.replicas(rs)
        var pods = Self.ownedPods(rs, state)
        if pods.count < desired {
            let hash = rs[path: ["metadata", "labels", "pod-template-hash"]]
            for _ in pods.count..<desired {
                var extra: [String: JSON] = [:]
                if let hash { extra["pod-template-hash"] = hash }
                let pod = Self.pod(from: rs[path: ["spec", "template"]], name: "\(name)-\(Storage.randomSuffix())",
                    namespace: namespace, owner: rs, extraLabels: extra)
                if let created = try? state.create(pod, as: BuiltIn.pods) {
                    pods.append(created)
                    Self.replicaSetEvents.record(state, about: rs, reason: "SuccessfulCreate",
                        message: "Created pod: \(Self.meta(created, "name"))")
                }
            }
        } else if pods.count > desired {
            let victims = pods.sorted { (Self.isReady($0) ? 1 : 0, Self.meta($1, "creationTimestamp")) < (Self.isReady($1) ? 1 : 0, Self.meta($0, "creationTimestamp")) }
                .prefix(pods.count - desired)
            for pod in victims {
                _ = try? state.delete(BuiltIn.pods, namespace: namespace, name: Self.meta(pod, "name"))
                Self.replicaSetEvents.record(state, about: rs, reason: "SuccessfulDelete", message: "Deleted pod: \(Self.meta(pod, "name"))")
            }
            let removed = Set(victims.map { Self.meta($0, "uid") })
            pods.removeAll { removed.contains(Self.meta($0, "uid")) }
        }
        let ready = Int64(pods.filter(Self.isReady).count)
        let status: JSON = ["replicas": .int(Int64(pods.count)), "fullyLabeledReplicas": .int(Int64(pods.count)),
            "readyReplicas": .int(ready), "availableReplicas": .int(ready), "observedGeneration": Self.generation(rs)]
        Self.setStatus(BuiltIn.replicaSets, rs, status, state)
    }

    // MARK: StatefulSet

    func reconcileStatefulSet(_ sts: JSON, _ state: SimState) {
        guard sts[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = Self.meta(sts, "namespace")
        let name = Self.meta(sts, "name")
        let desired = Self.replicas(sts)
        let revision = Self.ensureControllerRevision(sts, hash: Self.templateHash(sts[path: ["spec", "template"]]), state)
        let templates = sts[path: ["spec", "volumeClaimTemplates"]]?.arrayValue ?? []
        let deleteClaims = sts[path: ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"]]?.stringValue == "Delete"
        var pods = Self.ownedPods(sts, state, includeTerminating: true)
        let ordinal = { (pod: JSON) in Int(Self.meta(pod, "name").split(separator: "-").last ?? "") ?? -1 }

        for index in 0..<desired {
            let podName = "\(name)-\(index)"
            for template in templates {
                let claimName = "\(template[path: ["metadata", "name"]]?.stringValue ?? "data")-\(podName)"
                if (try? state.get(BuiltIn.persistentVolumeClaims, namespace: namespace, name: claimName)) == nil {
                    var metadata = template["metadata"] ?? [:]
                    metadata["name"] = .string(claimName)
                    metadata["namespace"] = .string(namespace)
                    var labels = metadata["labels"] ?? [:]
                    for (key, value) in sts[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? [:] { labels[key] = value }
                    metadata["labels"] = labels
                    if deleteClaims { metadata["ownerReferences"] = [Self.ownerReference(sts)] }
                    var spec = template["spec"] ?? [:]
                    if spec["storageClassName"] == nil { spec["storageClassName"] = "standard" }
                    if let created = try? state.create(["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": spec],
                        as: BuiltIn.persistentVolumeClaims)
                    {
                        Self.statefulSetEvents.record(state, about: sts, reason: "SuccessfulCreate",
                            message: "create Claim \(Self.meta(created, "name")) Pod \(podName) in StatefulSet \(name) success")
                    }
                }
            }
            guard !pods.contains(where: { Self.meta($0, "name") == podName }) else { continue }
            var template = sts[path: ["spec", "template"]] ?? [:]
            var volumes = template[path: ["spec", "volumes"]]?.arrayValue ?? []
            for claim in templates {
                let claimBase = claim[path: ["metadata", "name"]]?.stringValue ?? "data"
                if !volumes.contains(where: { $0["name"]?.stringValue == claimBase }) {
                    volumes.append(["name": .string(claimBase), "persistentVolumeClaim": ["claimName": .string("\(claimBase)-\(podName)")]])
                }
            }
            if !volumes.isEmpty { template.set(.array(volumes), at: ["spec", "volumes"]) }
            template.set(.string(podName), at: ["spec", "hostname"])
            if let service = sts[path: ["spec", "serviceName"]] { template.set(service, at: ["spec", "subdomain"]) }
            let pod = Self.pod(from: template, name: podName, namespace: namespace, owner: sts,
                extraLabels: ["statefulset.kubernetes.io/pod-name": .string(podName), "controller-revision-hash": .string(revision),
                    "apps.kubernetes.io/pod-index": .string(String(index))])
            if let created = try? state.create(pod, as: BuiltIn.pods) {
                pods.append(created)
                Self.statefulSetEvents.record(state, about: sts, reason: "SuccessfulCreate",
                    message: "create Pod \(podName) in StatefulSet \(name) successful")
            }
        }
        for pod in pods where ordinal(pod) >= desired && pod[path: ["metadata", "deletionTimestamp"]] == nil {
            _ = try? state.delete(BuiltIn.pods, namespace: namespace, name: Self.meta(pod, "name"))
            Self.statefulSetEvents.record(state, about: sts, reason: "SuccessfulDelete",
                message: "delete Pod \(Self.meta(pod, "name")) in StatefulSet \(name) successful")
        }
        let active = pods.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil && ordinal($0) < desired }
        let outdated = active.filter { $0[path: ["metadata", "labels", "controller-revision-hash"]]?.stringValue != revision }
        // Rolling update: replace the highest out-of-date ordinal once every pod is Ready.
        if let victim = outdated.max(by: { ordinal($0) < ordinal($1) }), active.count == desired, active.allSatisfy(Self.isReady) {
            _ = try? state.delete(BuiltIn.pods, namespace: namespace, name: Self.meta(victim, "name"))
        }
        let updated = Int64(active.count - outdated.count)
        let ready = Int64(active.filter(Self.isReady).count)
        let currentRevision = outdated.isEmpty ? revision
            : (sts[path: ["status", "currentRevision"]]?.stringValue ?? revision)
        let status: JSON = ["observedGeneration": Self.generation(sts), "replicas": .int(Int64(active.count)),
            "readyReplicas": .int(ready), "currentReplicas": .int(outdated.isEmpty ? Int64(active.count) : Int64(outdated.count)),
            "updatedReplicas": .int(updated), "availableReplicas": .int(ready), "currentRevision": .string(currentRevision),
            "updateRevision": .string(revision), "collisionCount": 0]
        Self.setStatus(BuiltIn.statefulSets, sts, status, state)
    }

    // MARK: DaemonSet

    func reconcileDaemonSet(_ ds: JSON, _ state: SimState) {
        guard ds[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = Self.meta(ds, "namespace")
        let name = Self.meta(ds, "name")
        let hash = Self.templateHash(ds[path: ["spec", "template"]])
        Self.ensureControllerRevision(ds, hash: hash, state)
        // Only nodes whose NoSchedule/NoExecute taints the template tolerates (not the control plane by default).
        let nodes = state.list(BuiltIn.nodes).items.filter { Self.tolerates(ds[path: ["spec", "template", "spec"]], node: $0) }
            .map { Self.meta($0, "name") }
        var pods = Self.ownedPods(ds, state)
        // A pod on a node that no longer exists (deleted Node) is removed, as the pod garbage collector does.
        for pod in pods where !nodes.contains(pod[path: ["spec", "nodeName"]]?.stringValue ?? "") {
            _ = try? state.delete(BuiltIn.pods, namespace: namespace, name: Self.meta(pod, "name"), gracePeriodSeconds: 0,
                preconditionUID: Self.meta(pod, "uid"))
        }
        pods.removeAll { !nodes.contains($0[path: ["spec", "nodeName"]]?.stringValue ?? "") }
        for node in nodes where !pods.contains(where: { $0[path: ["spec", "nodeName"]]?.stringValue == node }) {
            let pod = Self.pod(from: ds[path: ["spec", "template"]], name: "\(name)-\(Storage.randomSuffix())", namespace: namespace,
                owner: ds, extraLabels: ["controller-revision-hash": .string(hash), "pod-template-generation": .string(Self.generation(ds).displayString)],
                nodeName: node)
            if let created = try? state.create(pod, as: BuiltIn.pods) {
                pods.append(created)
                Self.daemonSetEvents.record(state, about: ds, reason: "SuccessfulCreate", message: "Created pod: \(Self.meta(created, "name"))")
            }
        }
        let outdated = pods.filter { $0[path: ["metadata", "labels", "controller-revision-hash"]]?.stringValue != hash }
        if let victim = outdated.first, pods.allSatisfy(Self.isReady) {
            _ = try? state.delete(BuiltIn.pods, namespace: namespace, name: Self.meta(victim, "name"))
            Self.daemonSetEvents.record(state, about: ds, reason: "SuccessfulDelete", message: "Deleted pod: \(Self.meta(victim, "name"))")
        }
        let ready = Int64(pods.filter(Self.isReady).count)
        let status: JSON = ["observedGeneration": Self.generation(ds), "desiredNumberScheduled": .int(Int64(nodes.count)),
            "currentNumberScheduled": .int(Int64(pods.count)), "numberMisscheduled": 0, "numberReady": .int(ready),
            "numberAvailable": .int(ready), "updatedNumberScheduled": .int(Int64(pods.count - outdated.count))]
        Self.setStatus(BuiltIn.daemonSets, ds, status, state)
    }
}
