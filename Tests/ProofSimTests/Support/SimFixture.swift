import Foundation
import ProofCore
import ProofSim
import Testing

extension Tag {
    /// Tests that run the real `/usr/bin/kubectl` against the simulated cluster.
    @Tag static var kubectl: Self
    /// Tests that take more than a second or two.
    @Tag static var slow: Self
}

/// A small platform of our own (so tests do not depend on the evolving `scenarios/platform`).
enum SimFixture {
    static let manifests = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: airflow-dev
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: airflow-web
          namespace: airflow-dev
          labels: {app: airflow-web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: airflow-web}
          template:
            metadata:
              labels: {app: airflow-web}
            spec:
              containers:
              - name: web
                image: apache/airflow:2.9.3
                ports: [{containerPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: airflow-web, namespace: airflow-dev}
        spec:
          selector: {app: airflow-web}
          ports: [{name: http, port: 8080}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: airflow-config, namespace: airflow-dev, labels: {app: airflow-web}}
        data: {executor: LocalExecutor}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: loki, namespace: baseline-dev}
        spec:
          replicas: 1
          serviceName: loki
          selector:
            matchLabels: {app: loki}
          persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}
          template:
            metadata:
              labels: {app: loki}
            spec:
              containers: [{name: loki, image: grafana/loki:3.1.1}]
          volumeClaimTemplates:
          - metadata: {name: storage}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 20Gi}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: loki, namespace: baseline-dev}
        spec:
          selector: {app: loki}
          ports: [{name: http, port: 3100}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: nothing-behind, namespace: baseline-dev}
        spec:
          selector: {app: no-such-pods}
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: alloy, namespace: baseline-dev}
        spec:
          selector:
            matchLabels: {app: alloy}
          template:
            metadata:
              labels: {app: alloy}
            spec:
              containers: [{name: alloy, image: grafana/alloy:v1.3.0}]
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata: {name: dev, namespace: argocd}
        spec:
          destinations: [{server: "https://kubernetes.default.svc", namespace: "*-dev"}]
          sourceRepos: ["*"]
        """

    /// Writes the fixture into a fresh temporary directory and returns its path.
    static func directory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-sim-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try manifests.write(to: directory.appendingPathComponent("platform.yaml"), atomically: true, encoding: .utf8)
        return directory.path
    }

    /// Starts a cluster seeded with the fixture, waits until it has settled, runs `body`, stops it.
    static func withCluster<T>(_ configure: (inout SimOptions) -> Void = { _ in },
        _ body: (SimulatedCluster, Client) async throws -> T) async throws -> T
    {
        var options = SimOptions()
        options.platformDirectory = try directory()
        configure(&options)
        let cluster = try await SimulatedCluster.start(options)
        let client = try Client(cluster: cluster)
        do {
            try await cluster.waitUntilSettled(timeout: .seconds(20))
            let result = try await body(cluster, client)
            await cluster.stop()
            client.cleanUp()
            return result
        } catch {
            await cluster.stop()
            client.cleanUp()
            throw error
        }
    }
}
