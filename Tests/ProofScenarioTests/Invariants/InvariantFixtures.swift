import ProofCore
import ProofScenario
import ProofStore

/// JSON fixtures for invariant tests: small objects shaped like the cluster's.
enum Fixture {
    static func object(_ kind: String, _ namespace: String, _ name: String, uid: String = "u", apiVersion: String = "v1", labels: [String: String] = [:], extra: [String: JSON] = [:]) -> JSON {
        var metadata: [String: JSON] = ["name": .string(name), "uid": .string(uid)]
        if !namespace.isEmpty { metadata["namespace"] = .string(namespace) }
        if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues(JSON.string)) }
        var body: [String: JSON] = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata)]
        body.merge(extra) { _, new in new }
        return .object(body)
    }

    static func namespace(_ name: String, uid: String = "ns-1", phase: String = "Active") -> JSON {
        object("Namespace", "", name, uid: uid, extra: ["status": ["phase": .string(phase)]])
    }

    static func app(_ name: String, project: String = "dev", destination: String = "core-dev", sync: String = "Synced", health: String = "Healthy", revision: String = "abc1234def", resources: [JSON] = []) -> JSON {
        object(
            "Application", "argocd", name, apiVersion: "argoproj.io/v1alpha1",
            extra: [
                "spec": ["project": .string(project), "destination": ["server": "https://kubernetes.default.svc", "namespace": .string(destination)]],
                "status": ["sync": ["status": .string(sync), "revision": .string(revision)], "health": ["status": .string(health)], "resources": .array(resources)],
            ])
    }

    static func pvc(_ namespace: String, _ name: String, uid: String, phase: String = "Bound") -> JSON {
        object("PersistentVolumeClaim", namespace, name, uid: uid, extra: ["status": ["phase": .string(phase)], "spec": ["resources": ["requests": ["storage": "20Gi"]]]])
    }

    static func pod(_ namespace: String, _ name: String, uid: String, replicaSet: String, hash: String, restarts: Int64) -> JSON {
        var pod = object("Pod", namespace, name, uid: uid, labels: ["pod-template-hash": hash, "app": "web"], extra: [
            "status": ["containerStatuses": [["name": "main", "restartCount": .int(restarts)]]],
        ])
        pod.set(.array([["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": .string(replicaSet), "controller": true]]), at: ["metadata", "ownerReferences"])
        return pod
    }

    static func deployment(_ namespace: String, _ name: String, uid: String = "d-1", image: String = "web:1") -> JSON {
        object("Deployment", namespace, name, uid: uid, apiVersion: "apps/v1", extra: [
            "spec": ["replicas": 1, "template": ["spec": ["containers": [["name": "main", "image": .string(image)]]]]],
            "status": ["readyReplicas": 1],
        ])
    }

    static func lines(_ namespace: String, _ count: Int) -> LokiSample {
        LokiSample(name: "lines-\(namespace)", query: "sum(count_over_time({namespace=\"\(namespace)\"}[300s]))",
                   result: ["resultType": "vector", "result": count == 0 ? [] : [["metric": [:], "value": [1700000000, .string(String(count))]]]])
    }

    static func capture(_ label: String, _ sequence: Int, _ objects: [JSON], loki: [LokiSample] = [], errors: [ListingError] = []) -> CapturedState {
        CapturedState(label: label, sequence: sequence, objects: objects, lokiSamples: loki, listingErrors: errors)
    }

    /// Decodes one invariant from YAML text.
    static func spec(_ yaml: String) throws -> InvariantSpec {
        try InvariantSpec.decode(YAMLNode.parse(yaml, file: "test.yaml"))
    }

    /// Evaluates `yaml` at the last of `captures`.
    static func evaluate(_ yaml: String, _ captures: [CapturedState]) throws -> [Finding] {
        let spec = try spec(yaml)
        return InvariantEvaluator.evaluate([spec], in: EvaluationContext(current: captures.last!, earlier: Array(captures.dropLast())))
    }
}

extension [Finding] {
    var statuses: [Finding.Status] { map(\.status) }
    var held: Bool { count == 1 && self[0].status == .held }
    var failures: [Finding] { filter { $0.status == .failed } }
}
