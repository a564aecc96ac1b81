import Foundation
import ProofCore
import ProofReport
import ProofStore
import Testing

/// The capture summary markdown against a snapshot file (re-record with `RECORD_SNAPSHOTS=1`).
@Suite("Capture summary")
struct CaptureSummaryTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// A fixed capture: a few kinds, one listing error, a ready Loki, a line count, a failed query and two apps.
    static func fixture() -> CaptureSummary {
        let taken = Date(timeIntervalSince1970: 1_795_000_000)
        let apps: [JSON] = [
            ["kind": "Application", "metadata": ["name": "root-core", "namespace": "argocd"],
             "spec": ["project": "default", "destination": ["server": "https://kubernetes.default.svc", "namespace": "argocd"]],
             "status": ["sync": ["status": "Synced", "revision": "0123456789abcdef"], "health": ["status": "Healthy"],
                        "resources": [["group": "argoproj.io", "kind": "Application", "name": "mlflow-dev"]]]],
            ["kind": "Application", "metadata": ["name": "mlflow-dev", "namespace": "argocd"],
             "spec": ["project": "dev", "destination": ["server": "https://kubernetes.default.svc", "namespace": "mlflow-dev"]],
             "status": ["sync": ["status": "OutOfSync", "revision": "fedcba9876543210"], "health": ["status": "Progressing"]]],
            ["kind": "AppProject", "metadata": ["name": "dev", "namespace": "argocd"],
             "spec": ["destinations": [["server": "https://kubernetes.default.svc", "namespace": "*-dev"]], "sourceRepos": ["*"]]],
        ]
        return CaptureSummary(
            run: "01JDQ7Z5X0ABCDEFGHJKMNPQRS", sequence: 1, label: "before-detach", cluster: "kind-mlp https://127.0.0.1:6443",
            takenAt: taken, digest: String(repeating: "a", count: 64), chainDigest: String(repeating: "b", count: 64),
            database: "docs/proof/evidence.sqlite", newBodies: 42,
            counts: ["Namespace": ["": 3], "Pod": ["mlflow-dev": 2, "baseline-dev": 4], "Application": ["argocd": 2], "AppProject": ["argocd": 1]],
            listingErrors: [ListingError(apiVersion: "", kind: "Widget", message: "the server does not serve a resource named \"Widget\"")],
            lokiSamples: [
                LokiSample(name: "loki-ready", query: "GET /ready", end: taken, result: ["ready": true, "status": 200, "message": "ready"]),
                LokiSample(name: "lines-mlflow-dev", query: "sum(count_over_time({namespace=\"mlflow-dev\"}[300s]))",
                    start: taken.addingTimeInterval(-300), end: taken,
                    result: ["resultType": "vector", "result": [["metric": [:], "value": [1_795_000_000, "120"]]]]),
                LokiSample(name: "lines-feature-store-dev", query: "sum(count_over_time({namespace=\"feature-store-dev\"}[300s]))",
                    start: taken.addingTimeInterval(-300), end: taken, result: ["resultType": "vector", "result": []]),
                LokiSample(name: "lines-airflow-dev", query: "sum(count_over_time({namespace=\"airflow-dev\"}[300s]))",
                    start: taken.addingTimeInterval(-300), end: taken, error: "HTTP 503 ServiceUnavailable: no endpoints available for service \"loki-dev\""),
            ],
            argoCD: apps)
    }

    @Test("markdown snapshot (re-record with RECORD_SNAPSHOTS=1)")
    func snapshot() throws {
        let rendered = Self.fixture().markdown()
        let url = Self.directory.appendingPathComponent("CaptureSummary.md")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try rendered.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(rendered == expected)
    }

    @Test("the summary names the outage, the listing error and the app tree")
    func content() {
        let markdown = Self.fixture().markdown()
        #expect(markdown.contains("| **error** | HTTP 503"))
        #expect(markdown.contains("| Widget |"))
        #expect(markdown.contains("**mlflow-dev**"))
        #expect(markdown.contains("| Pod | 6 | 2 |"))
        #expect(markdown.contains("| (no data) | 0 |"))
    }
}
