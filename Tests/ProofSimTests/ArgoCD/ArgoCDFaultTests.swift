import Foundation
import ProofCore
import ProofSim
import Testing

/// Each fault switch of the simulated Argo CD produces the wrong outcome it exists for.
@Suite("Argo CD: fault switches", .tags(.argocd, .kubectl, .slow), .serialized)
struct ArgoCDFaultTests {
    @Test("neverHealthy: apps report Progressing while their resources are healthy; clearing it restores Healthy")
    func neverHealthy() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            controller.faults.neverHealthy = true
            let stuck = try await eventually(timeout: 5) {
                try await ArgoFixture.applications(client).values.allSatisfy { $0[path: ["status", "health", "status"]] == "Progressing" }
            }
            #expect(stuck)
            let fastapi = try await ArgoFixture.applications(client)["fastapi-dev"]
            #expect(fastapi?[path: ["status", "resources"]]?.arrayValue?.contains { $0["kind"] == "Deployment" && $0[path: ["health", "status"]] == "Healthy" } == true)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await ArgoFixture.applications(client).values.allSatisfy { $0[path: ["status", "health", "status"]] == "Progressing" })
            controller.faults.clear()
            try await ArgoFixture.waitForAllApps(client, count: 25, timeout: 10)
        }
    }

    @Test("slowSync: a deploy stays Running with the old image long after the commit; a second operation meanwhile is refused")
    func slowSync() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            // Long enough that the checks below all happen while the operation runs, even on a loaded machine;
            // the test reads the app's phase after the deployment to show they did.
            try controller.faults.apply(["slowSyncMilliseconds": 5000])
            #expect(controller.faults.slowSync == .milliseconds(5000))
            let text = try controller.repository.read("core/envs/dev/fastapi/fastapi.yaml")
            let commit = try controller.repository.commit(["core/envs/dev/fastapi/fastapi.yaml": text.replacingOccurrences(of: "mlp-fastapi:1.0.0", with: "mlp-fastapi:2.0.0")], message: "fastapi 2.0.0")
            let running = try await ArgoFixture.waitForApp(client, "fastapi-dev", timeout: 5) {
                $0[path: ["status", "operationState", "phase"]] == "Running" && $0[path: ["status", "sync", "revision"]]?.stringValue == commit
            }
            #expect(running[path: ["operation", "initiatedBy", "automated"]] == true)
            let other = #"{"operation":{"initiatedBy":{"username":"bob"},"sync":{"prune":true}}}"#
            #expect(try await client.runKubectl("patch", "application", "fastapi-dev", "-n", "argocd", "--type=merge", "-p", other).status == 0)
            let refused = try await ArgoFixture.waitForApp(client, "fastapi-dev", timeout: 5) {
                $0[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "SyncError" } == true
            }
            #expect(refused[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"] == "SyncError" }?["message"] == "Unable to sync: another operation is already in progress")
            #expect(refused[path: ["operation", "initiatedBy", "automated"]] == true)
            let deployment = try JSON(parsing: try await client.runKubectl("get", "deployment", "fastapi", "-n", "fastapi-dev", "-o", "json").stdout)
            let stillRunning = try await ArgoFixture.applications(client)["fastapi-dev"]?[path: ["status", "operationState", "phase"]]
            #expect(stillRunning == "Running", "the deployment was read while the slow sync ran")
            #expect(deployment[path: ["spec", "template", "spec", "containers"]]?[0]?["image"] == "ghcr.io/example/mlp-fastapi:1.0.0")
            let done = try await ArgoFixture.waitForApp(client, "fastapi-dev", timeout: 20) {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded" && $0[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == commit
            }
            #expect(done["operation"] == nil)
        }
    }

    @Test("pruneKeptResources: a Prune=false,Delete=false namespace is kept by prune and app deletion, and deleted with the fault on")
    func pruneKeptResources() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let file = "baseline/envs/dev/baseline/storage/namespace.yaml"
            let commit = try controller.repository.commit([file: nil], message: "stop declaring baseline-dev")
            let outOfSync = try await ArgoFixture.waitForApp(client, "storage-dev") {
                $0[path: ["status", "sync", "revision"]]?.stringValue == commit && $0[path: ["status", "sync", "status"]] == "OutOfSync"
            }
            #expect(outOfSync[path: ["status", "resources"]]?.arrayValue?.contains { $0["kind"] == "Namespace" && $0["requiresPruning"] == true } == true)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await client.runKubectl("get", "namespace", "baseline-dev").status == 0, "Prune=false must keep the namespace")

            let uid = try await client.runKubectl("get", "namespace", "baseline-dev", "-o", "jsonpath={.metadata.uid}").stdout
            controller.faults.pruneKeptResources = true
            let pruned = try await ArgoFixture.waitForApp(client, "storage-dev") {
                $0[path: ["status", "operationState", "syncResult", "resources"]]?.arrayValue?.contains {
                    $0["kind"] == "Namespace" && $0["status"] == "Pruned"
                } == true
            }
            #expect(pruned[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == commit)
            // The namespace is gone (or, re-created by another app's CreateNamespace, a new one).
            #expect(try await eventually(timeout: 10) {
                let now = try await client.runKubectl("get", "namespace", "baseline-dev", "-o", "jsonpath={.metadata.uid}")
                return now.status != 0 || now.stdout != uid
            }, "with the fault on, the kept namespace is pruned")
        }
    }

    @Test("pruneKeptResources: deleting the app deletes its Delete=false namespace only with the fault on")
    func deleteKeptResources() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            // Stop the parent from re-creating the apps we delete.
            #expect(try await client.runKubectl("patch", "application", "root-baseline", "-n", "argocd", "--type=merge", "-p", #"{"spec":{"syncPolicy":null}}"#).status == 0)
            #expect(try await client.runKubectl("patch", "application", "baseline-dev", "-n", "argocd", "--type=merge", "-p", #"{"spec":{"syncPolicy":null}}"#).status == 0)
            #expect(try await client.runKubectl("patch", "application", "baseline-prod", "-n", "argocd", "--type=merge", "-p", #"{"spec":{"syncPolicy":null}}"#).status == 0)
            #expect(try await client.runKubectl("delete", "application", "storage-dev", "-n", "argocd").status == 0)
            #expect(try await client.runKubectl("get", "deployment", "minio", "-n", "baseline-dev").status != 0, "managed workloads are deleted")
            #expect(try await client.runKubectl("get", "namespace", "baseline-dev", "-o", "jsonpath={.status.phase}").stdout == "Active")

            let uid = try await client.runKubectl("get", "namespace", "baseline-prod", "-o", "jsonpath={.metadata.uid}").stdout
            controller.faults.pruneKeptResources = true
            #expect(try await client.runKubectl("delete", "application", "storage-prod", "-n", "argocd", "--wait=false").status == 0)
            let deleted = try await eventually(timeout: 10) {
                let now = try await client.runKubectl("get", "namespace", "baseline-prod", "-o", "jsonpath={.metadata.uid}")
                return now.status != 0 || now.stdout != uid
            }
            #expect(deleted, "with the fault on, the Delete=false namespace goes with its app")
        }
    }
}
