import Foundation
import ProofCluster
import ProofCore
import ProofSim
import ProofStore
import Testing

@testable import ProofScenario

/// The prod guard at the step: a `dev` scenario whose step would change a namespace that looks like prod, known
/// only when the step runs (a namespace glob), is refused there with exit 2 and nothing is changed.
@Suite struct ProdGuardStepTests {
    static let scenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: sweep, description: Deletes doomed ConfigMaps of the team's namespaces.}
        spec:
          environment: dev
          steps:
            - delete: {target: {kind: ConfigMap, namespace: "team-*", labels: doomed=yes}}
        """

    /// Runs the scenario against a fresh embedded cluster holding a doomed ConfigMap in `team-dev` and in
    /// `team-prod`; returns the run's exit code and which of the two are left.
    func sweep(allowProd: Bool) async throws -> (code: Int32, left: [String]) {
        let cluster = try await SimulatedCluster.start(SimOptions())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-prodguard-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let client = KubernetesClient(config: try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory]))
            let configMaps = try await client.resource(named: "configmaps")
            for namespace in ["team-dev", "team-prod"] {
                _ = try await client.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
                _ = try await client.create(
                    configMaps,
                    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "doomed", "namespace": .string(namespace), "labels": ["doomed": "yes"]]],
                    namespace: namespace)
            }
            let store = try EvidenceStore.open(path: directory + "/evidence.sqlite")
            let runner = ScenarioRunner(client: client, store: store, options: .init(timeline: false, allowProd: allowProd))
            let result = try await runner.run(try Scenario.decode(Self.scenario, file: directory + "/sweep.yaml"))
            var left: [String] = []
            for namespace in ["team-dev", "team-prod"] where try await client.getIfPresent(configMaps, name: "doomed", namespace: namespace) != nil {
                left.append(namespace)
            }
            await cluster.stop()
            return (result.exitCode, left)
        } catch {
            await cluster.stop()
            throw error
        }
    }

    @Test func aGlobThatReachesProdIsRefusedAtTheStepAndNothingIsDeleted() async throws {
        let (code, left) = try await sweep(allowProd: false)
        #expect(code == 2, "bad input: the scenario changes prod without --allow-prod")
        #expect(left == ["team-dev", "team-prod"], "the step refused before deleting anything")
    }

    @Test func withAllowProdTheSameStepDeletesBoth() async throws {
        let (code, left) = try await sweep(allowProd: true)
        #expect(code == 0)
        #expect(left.isEmpty)
    }

    @Test func staticPlacesAreKnownBeforeTheRun() throws {
        let scenario = try Scenario.decode("""
            apiVersion: proof.gitops/v1alpha1
            kind: Scenario
            metadata: {name: s, description: d}
            spec:
              environment: dev
              steps:
                - delete: {target: {kind: ConfigMap, namespace: fastapi-prod, name: x}}
                - delete: {target: {kind: Namespace, name: feature-store-prod}}
                - apply: {manifests: [{apiVersion: v1, kind: ConfigMap, metadata: {name: y, namespace: mlflow-prod}}]}
                - scale: {target: {kind: Deployment, namespace: "{{ns}}", name: fastapi}, replicas: 1}
                - sync: {app: feast-prod}
                - exec: {command: [kubectl, delete, pod, x, -n, triton-prod]}
                - wait: {absent: {kind: ConfigMap, namespace: fastapi-prod, name: x}}
              finally:
                - patch: {target: {kind: ConfigMap, namespace: airflow-prod, name: z}, patch: {data: {a: "1"}}}
            """, file: "s.yaml")
        let places = scenario.prodPlaces
        #expect(places.count == 6, "\(places)")
        #expect(places.contains { $0.hasPrefix("s.yaml:7:") && $0.contains("step 1 (delete) changes 'fastapi-prod'") })
        #expect(places.contains { $0.contains("'feature-store-prod'") })
        #expect(places.contains { $0.contains("'mlflow-prod'") })
        #expect(places.contains { $0.contains("step 5 (sync) changes 'feast-prod'") })
        #expect(places.contains { $0.contains("'triton-prod'") })
        #expect(places.contains { $0.contains("finally step 1 (patch) changes 'airflow-prod'") })
        #expect(!places.contains { $0.contains("wait") }, "a wait changes nothing")
    }
}
