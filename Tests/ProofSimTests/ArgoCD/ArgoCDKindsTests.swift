import Foundation
import ProofCore
import ProofSim
import Testing

/// Kinds a real platform commits besides workloads: they must sync like any other resource.
@Suite("Argo CD: the API groups a real platform commits", .tags(.argocd, .slow), .serialized)
struct ArgoCDKindsTests {
    @Test("a NetworkPolicy and a PodDisruptionBudget committed to the GitOps repository sync (app Synced/Healthy, objects live)")
    func networkPolicySyncs() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let policy = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: fastapi-ingress
                spec:
                  podSelector:
                    matchLabels: {app: fastapi}
                  policyTypes: [Ingress]
                  ingress:
                  - from:
                    - namespaceSelector: {}
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: fastapi
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {app: fastapi}

                """
            let sha = try controller.repository.commit(["core/envs/dev/fastapi/network.yaml": policy],
                message: "fastapi-dev: network policy and PDB")
            let app = try await ArgoFixture.waitForApp(client, "fastapi-dev", timeout: 20) { app in
                app[path: ["status", "sync", "revision"]]?.stringValue == sha && ArgoFixture.isSyncedAndHealthy(app)
            }
            let kinds = (app[path: ["status", "resources"]]?.arrayValue ?? []).compactMap { $0["kind"]?.stringValue }
            #expect(kinds.contains("NetworkPolicy") && kinds.contains("PodDisruptionBudget"), "\(kinds)")
            let live = try await client.request("GET", "/apis/networking.k8s.io/v1/namespaces/fastapi-dev/networkpolicies/fastapi-ingress")
            #expect(live.status == 200)
            #expect(live.json[path: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]] != nil)
            #expect(try await client.request("GET", "/apis/policy/v1/namespaces/fastapi-dev/poddisruptionbudgets/fastapi").status == 200)
        }
    }
}
