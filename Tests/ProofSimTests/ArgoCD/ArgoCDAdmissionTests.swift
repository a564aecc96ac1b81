import Foundation
import ProofCore
import ProofSim
import Testing

/// Argo CD's syncs pass the API server's admission (defaulting and validation) like any client's writes.
@Suite("ArgoCDAdmission", .tags(.argocd, .slow))
struct ArgoCDAdmissionTests {
    @Test("an invalid manifest committed to Git fails the sync with the API server's message, as real Argo CD reports it; nothing invalid is stored")
    func invalidManifestFailsTheSync() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let repository = controller.repository
            let file = ArgoCDBehaviourTests.fastapiManifest
            let text = try repository.read(file)
            #expect(text.contains("  replicas: 1\n"))
            let broken = try repository.commit([file: text.replacingOccurrences(of: "  replicas: 1\n", with: "  replicas: -2\n")],
                message: "fastapi: negative replicas")
            let reason = "Deployment.apps \"fastapi\" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0"
            let failed = try await ArgoFixture.waitForApp(client, "fastapi-dev") { app in
                app[path: ["status", "operationState", "phase"]] == "Failed"
                    && app[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == broken
            }
            #expect(failed[path: ["status", "operationState", "message"]]?.stringValue == "one or more objects failed to apply, reason: \(reason)")
            let resource = failed[path: ["status", "operationState", "syncResult", "resources"]]?.arrayValue?
                .first { $0["kind"] == "Deployment" && $0["name"] == "fastapi" }
            #expect(resource?["status"] == "SyncFailed")
            #expect(resource?["message"]?.stringValue == reason)
            #expect(failed[path: ["status", "sync", "status"]] == "OutOfSync")
            let live = try await client.request("GET", "/apis/apps/v1/namespaces/fastapi-dev/deployments/fastapi").json
            #expect(live[path: ["spec", "replicas"]] == 1)
            // Reverting the manifest in Git: the live Deployment already matches it, so the app is Synced again.
            let fixed = try repository.commit([file: text], message: "fastapi: replicas back to 1")
            try await ArgoFixture.waitForApp(client, "fastapi-dev") { app in
                app[path: ["status", "sync", "revision"]]?.stringValue == fixed && app[path: ["status", "sync", "status"]] == "Synced"
            }
        }
    }
}
