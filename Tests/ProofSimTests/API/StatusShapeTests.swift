import Foundation
import ProofCore
import ProofSim
import Testing

/// Issue 11 §7: the `Status` bodies the simulated cluster writes have the keys and JSON types of the bodies
/// real API servers wrote (`Fixtures/corpus/kube/`, sources in `Fixtures/corpus/SOURCES.md`) — a shape
/// comparison, not equal values.
@Suite("Status bodies have the shape of real ones")
struct StatusShapeTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/corpus/kube")

    static func sample(_ name: String) throws -> JSON {
        try JSON(parsing: Array(try Data(contentsOf: corpus.appendingPathComponent(name))))
    }

    /// The paths where `actual` lacks a key of `sample` or has another JSON type (`JSON.shapeDifferences`).
    static func shapeDifferences(_ sample: JSON, _ actual: JSON?) -> [String] { JSON.shapeDifferences(sample, actual) }

    @Test("404, 409 AlreadyExists (core and grouped), 409 Conflict and 422 Invalid with causes")
    func statusShapes() async throws {
        try await SimFixture.withCluster { _, client in
            let notFound = try await client.request("GET", "/api/v1/namespaces/airflow-dev/pods/grafana")
            #expect(notFound.status == 404)
            let notFoundDiff = Self.shapeDifferences(try Self.sample("status-404-notfound-pods-grafana.json"), notFound.json)
            #expect(notFoundDiff.isEmpty, "\(notFoundDiff)")
            #expect(notFound.json["message"] == "pods \"grafana\" not found")

            let configMap: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "airflow-config"]]
            let exists = try await client.request("POST", "/api/v1/namespaces/airflow-dev/configmaps", body: configMap)
            #expect(exists.status == 409)
            #expect(Self.shapeDifferences(try Self.sample("status-409-alreadyexists-configmap.json"), exists.json).isEmpty)
            #expect(exists.json["message"] == "configmaps \"airflow-config\" already exists")

            var deployment = try await client.request("GET", "/apis/apps/v1/namespaces/airflow-dev/deployments/airflow-web").json
            // A create carrying a resourceVersion is refused (500) before the name is looked at, as on a real server.
            deployment.set(nil, at: ["metadata", "resourceVersion"])
            let grouped = try await client.request("POST", "/apis/apps/v1/namespaces/airflow-dev/deployments", body: deployment)
            #expect(grouped.status == 409)
            let groupedDiff = Self.shapeDifferences(try Self.sample("status-409-alreadyexists-openshift-template-with-group.json"), grouped.json)
            #expect(groupedDiff.isEmpty, "\(groupedDiff)")

            var stale = try await client.request("GET", "/api/v1/namespaces/airflow-dev/configmaps/airflow-config").json
            stale.set("1", at: ["metadata", "resourceVersion"])
            let conflict = try await client.request("PUT", "/api/v1/namespaces/airflow-dev/configmaps/airflow-config", body: stale)
            #expect(conflict.status == 409)
            #expect(Self.shapeDifferences(try Self.sample("status-409-conflict-openshift-buildconfig.json"), conflict.json).isEmpty)

            let application: JSON = ["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": ["name": "bad"],
                "spec": ["project": 7]]
            let invalid = try await client.request("POST", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications", body: application)
            #expect(invalid.status == 422)
            let invalidDiff = Self.shapeDifferences(try Self.sample("status-422-invalid-deployment-causes.json"), invalid.json)
            #expect(invalidDiff.isEmpty, "\(invalidDiff)")
        }
    }
}
