import Foundation
import ProofCore
import ProofReport
import ProofStore

/// A deterministic run written into a temporary store: fixed id and times, three captures (the optional layer
/// detached and re-attached), steps, and findings including one failure — the input of the snapshot tests.
struct ProofFixtureRun {
    let directory: String
    let store: EvidenceStore
    let run: RunID

    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func time(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func object(_ kind: String, _ namespace: String, _ name: String, uid: String, apiVersion: String = "v1", extra: [String: JSON] = [:]) -> JSON {
        var metadata: [String: JSON] = ["name": .string(name), "uid": .string(uid), "resourceVersion": .string(String(uid.count * 7))]
        if !namespace.isEmpty { metadata["namespace"] = .string(namespace) }
        var body: [String: JSON] = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata)]
        body.merge(extra) { _, new in new }
        return .object(body)
    }

    static func app(_ name: String, project: String, destination: String, health: String = "Healthy", parent: String? = nil) -> JSON {
        var app = object("Application", "argocd", name, uid: "app-\(name)", apiVersion: "argoproj.io/v1alpha1", extra: [
            "spec": ["project": .string(project), "destination": ["server": "https://kubernetes.default.svc", "namespace": .string(destination)]],
            "status": ["sync": ["status": "Synced", "revision": "0123456789abcdef"], "health": ["status": .string(health)]],
        ])
        if let parent {
            app.set(.array([["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "name": .string(parent)]]), at: ["metadata", "ownerReferences"])
        }
        return app
    }

    static func cluster(optional: Bool, resourceVersionBump: Int = 0, redisImage: String = "redis:7.2") -> [JSON] {
        var objects: [JSON] = [
            object("Namespace", "", "feature-store-dev", uid: "ns-fs-dev", extra: ["status": ["phase": "Active"]]),
            object("Namespace", "", "baseline-dev", uid: "ns-base", extra: ["status": ["phase": "Active"]]),
            object("Deployment", "baseline-dev", "grafana", uid: "dep-grafana", apiVersion: "apps/v1", extra: [
                "spec": ["replicas": 1], "status": ["readyReplicas": 1],
            ]),
            object("StatefulSet", "baseline-dev", "loki", uid: "sts-loki", apiVersion: "apps/v1", extra: [
                "spec": ["replicas": 1], "status": ["readyReplicas": 1],
            ]),
            object("PersistentVolumeClaim", "baseline-dev", "storage-loki-0", uid: "pvc-loki", extra: [
                "status": ["phase": "Bound", "capacity": ["storage": "20Gi"]],
            ]),
            app("root-core", project: "default", destination: "argocd"),
            app("core-dev", project: "dev", destination: "core-dev", parent: "root-core"),
        ]
        if optional {
            objects.append(app("root-optional", project: "default", destination: "argocd"))
            objects.append(app("feast-dev", project: "dev", destination: "feature-store-dev", parent: "root-optional"))
            objects.append(object("StatefulSet", "feature-store-dev", "redis", uid: "sts-redis-\(resourceVersionBump)", apiVersion: "apps/v1", extra: [
                "spec": ["replicas": 1, "template": ["spec": ["containers": [["name": "redis", "image": .string(redisImage)]]]]],
                "status": ["readyReplicas": .int(resourceVersionBump > 0 ? 0 : 1)],
            ]))
        }
        return objects
    }

    static func loki(_ lines: Int) -> [LokiSample] {
        [LokiSample(name: "lines-airflow-dev", query: "sum(count_over_time({namespace=\"airflow-dev\"}[300s]))",
                    result: ["resultType": "vector", "result": [["metric": [:], "value": [1795000000, .string(String(lines))]]]]),
         LokiSample(name: "lines-feature-store-dev", query: "sum(count_over_time({namespace=\"feature-store-dev\"}[300s]))", error: "HTTP 503: Loki is not ready")]
    }

    /// Writes the run. `failing` adds a failed invariant at the last capture.
    static func make(failing: Bool = true) async throws -> ProofFixtureRun {
        let directory = NSTemporaryDirectory() + "proofreport-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try EvidenceStore.open(path: directory + "/evidence.sqlite")
        let run = try await store.beginRun(
            RunInfo(scenario: "optional-toggle", scenarioDigest: String(repeating: "5", count: 64), environment: "dev", cluster: "simulated", command: "proof run scenarios/optional-toggle.yaml"),
            at: start, id: RunID("01KB0000000000000000ABCDEF"))
        let steps: [(String, String, Double, Double, StepRecord.Status, String?)] = [
            ("capture before", "capture", 0, 1.2, .passed, nil),
            ("detach optional | layer", "detach", 1.2, 9.5, .passed, "root-optional deleted"),
            ("capture after-detach", "capture", 9.5, 10.4, .passed, nil),
            ("attach optional", "attach", 10.4, 31, failing ? .failed : .passed, failing ? "feast-dev not Healthy after 20 s" : nil),
            ("capture after-attach", "capture", 31, 32, .passed, nil),
        ]
        for (name, kind, from, to, status, message) in steps {
            _ = try await store.recordStep(StepRecord(name: name, kind: kind, startedAt: time(from), finishedAt: time(to), status: status, message: message), run: run)
        }
        let captures: [(String, [JSON], Int, Double)] = [
            ("before", cluster(optional: true), 100, 1),
            ("after-detach", cluster(optional: false), 140, 10),
            ("after-attach", cluster(optional: true, resourceVersionBump: 1, redisImage: "redis:7.4"), 180, 32),
        ]
        var ids: [SnapshotID] = []
        for (index, (label, objects, lines, at)) in captures.enumerated() {
            let result = try await store.writeSnapshot(run: run, label: label, objects: objects, lokiSamples: loki(lines), step: [1, 3, 5][index], takenAt: time(at))
            ids.append(result.snapshot.id)
        }
        var findings: [FindingRecord] = []
        for (index, id) in ids.enumerated() {
            findings.append(FindingRecord(snapshot: id, invariantID: "feature-store-namespaces-kept", invariantKind: "namespaceKept", status: .held, expected: ["names": ["feature-store-dev"]], actual: ["count": 1], message: "1 namespace(s) kept"))
            findings.append(FindingRecord(snapshot: id, invariantID: "loki-data-kept", invariantKind: "pvcKept", status: .held, message: "1 claim(s) Bound"))
            if index == 1 {
                findings.append(FindingRecord(snapshot: id, invariantID: "optional-apps-gone", invariantKind: "absent", status: .held, message: "no Application named feast-*"))
            }
            if index == 2 {
                findings.append(FindingRecord(
                    snapshot: id, invariantID: "optional-apps-healthy", invariantKind: "appStatus", status: failing ? .failed : .held,
                    expected: ["health": ["Healthy"], "sync": ["Synced"]], actual: ["value": ["health": failing ? "Progressing" : "Healthy", "sync": "Synced"], "evidence": ["capture": "after-attach"]],
                    object: failing ? ObjectIdentity(apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "feast-dev") : nil,
                    message: failing ? "Application feast-dev is health Progressing; expected Synced/Healthy <&> \"quoted\"" : "1 Application(s) Synced/Healthy"))
            }
        }
        _ = try await store.recordFindings(findings, run: run)
        try await store.finishRun(run, status: failing ? .failed : .passed, exitCode: failing ? 1 : 0, at: time(33))
        return ProofFixtureRun(directory: directory, store: store, run: run)
    }

    func input() async throws -> ProofInput {
        try await ProofInput.load(from: store, run: run, databasePath: "docs/proof/evidence.sqlite")
    }
}
