import Foundation
import ProofCore
import ProofSim
import Testing

/// The fault switches that make each invariant of the shipped scenarios fail: with the switch on, the
/// simulated Argo CD produces the wrong outcome (and, where cheap to show, not with it off).
@Suite("Argo CD: fault switches for the scenario invariants", .tags(.argocd, .kubectl, .slow), .serialized)
struct ArgoCDFaultSwitchTests {
    static let fastapiManifest = "core/envs/dev/fastapi/fastapi.yaml"
    static let fastapiApp = "core/envs/dev/apps/fastapi-dev.yaml"

    static func app(_ client: Client, _ name: String) async throws -> Client.HTTPResult {
        try await client.request("GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/\(name)")
    }

    static func fastapiImage(_ client: Client) async throws -> String? {
        let deployment = try await client.request("GET", "/apis/apps/v1/namespaces/fastapi-dev/deployments/fastapi").json
        return deployment[path: ["spec", "template", "spec", "containers"]]?[0]?["image"]?.stringValue
    }

    /// Commits FastAPI `image` (replacing 1.0.0) to the dev manifest; returns the commit id.
    static func commitFastAPI(_ repository: GitRepository, _ image: String) throws -> String {
        let text = try repository.read(fastapiManifest)
        #expect(text.contains("mlp-fastapi:1.0.0"))
        return try repository.commit([fastapiManifest: text.replacingOccurrences(of: "mlp-fastapi:1.0.0", with: "mlp-fastapi:\(image)")],
            message: "fastapi \(image)")
    }

    static func health(_ app: JSON) -> String? { app[path: ["status", "health", "status"]]?.stringValue }

    /// Commits one ConfigMap (named after `path`, no namespace) under `path` and applies, with kubectl, an
    /// automated Application `name` of project dev that syncs it into `destination`.
    static func applyConfigMapApp(
        _ name: String, path: String, destination: String, data: String, _ controller: ArgoCDController, _ client: Client
    ) async throws {
        let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(path)\ndata:\n  \(data)\n"
        _ = try controller.repository.commit(["\(path)/config.yaml": config], message: "\(path) config")
        let manifest = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: \(name), namespace: argocd}
            spec:
              project: dev
              source: {repoURL: https://git.example.invalid/mlp/gitops.git, targetRevision: HEAD, path: \(path)}
              destination: {server: https://kubernetes.default.svc, namespace: \(destination)}
              syncPolicy: {automated: {prune: true, selfHeal: true}}
            """
        let file = client.directory + "/\(name).yaml"
        try manifest.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await client.runKubectl("apply", "-f", file).status == 0)
    }

    @Test("unhealthyApps (set over /_sim/argocd/faults): matching apps report Degraded naming the fault, the others stay Healthy; clearing restores them")
    func unhealthyApps() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let set = try await client.request("POST", "/_sim/argocd/faults", body: ["unhealthyApps": ["logging-dev", "feast-*"]])
            #expect(set.status == 200, "\(set.text)")
            #expect(set.json["unhealthyApps"] == ["logging-dev", "feast-*"])
            #expect(controller.faults.unhealthyApps == ["logging-dev", "feast-*"])
            // A wrong type is a 400 and changes nothing (not even the valid members next to it).
            let bad = try await client.request("POST", "/_sim/argocd/faults", body: ["noPrune": true, "failSync": 3])
            #expect(bad.status == 400, "\(bad.text)")
            #expect(controller.faults.current == ArgoCDFaults.Settings(unhealthyApps: ["logging-dev", "feast-*"]))
            let faulted = ["logging-dev", "feast-dev", "feast-prod"]
            var apps: [String: JSON] = [:]
            let degraded = try await eventually(timeout: 10) {
                apps = try await ArgoFixture.applications(client)
                return faulted.allSatisfy { Self.health(apps[$0] ?? [:]) == "Degraded" }
            }
            #expect(degraded, "\(ArgoFixture.summary(apps))")
            let feast = try #require(apps["feast-dev"])
            #expect(feast[path: ["status", "health", "message"]]?.stringValue?.contains("unhealthyApps fault") == true)
            #expect(feast[path: ["status", "resources"]]?.arrayValue?.contains { $0["kind"] == "Deployment" && $0[path: ["health", "status"]] == "Healthy" } == true,
                "the resources themselves are healthy")
            for name in ["logging-prod", "fastapi-dev", "mlflow-prod"] {
                #expect(Self.health(apps[name] ?? [:]) == "Healthy", "\(name) does not match the globs")
            }

            let cleared = try await client.request("DELETE", "/_sim/argocd/faults")
            #expect(cleared.json["unhealthyApps"] == [])
            try await ArgoFixture.waitForAllApps(client, count: 25, timeout: 10)
        }
    }

    @Test("noPrune: a child app removed from Git is PruneSkipped and stays; deleting the layer's root orphans its children and Redis")
    func noPrune() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            try controller.faults.apply(["noPrune": true])
            #expect(controller.faults.noPrune)
            let commit = try controller.repository.commit(["optional/apps/optional-envs-prod.yaml": nil], message: "drop optional-envs-prod")
            let outOfSync = try await ArgoFixture.waitForApp(client, "root-optional") {
                $0[path: ["status", "sync", "revision"]]?.stringValue == commit && $0[path: ["status", "sync", "status"]] == "OutOfSync"
            }
            #expect(outOfSync[path: ["status", "resources"]]?.arrayValue?.contains {
                $0["kind"] == "Application" && $0["name"] == "optional-envs-prod" && $0["requiresPruning"] == true
            } == true)
            // Even an explicit sync with prune keeps it.
            let sync = #"{"operation":{"initiatedBy":{"username":"alice"},"sync":{"prune":true}}}"#
            #expect(try await client.runKubectl("patch", "application", "root-optional", "-n", "argocd", "--type=merge", "-p", sync).status == 0)
            let synced = try await ArgoFixture.waitForApp(client, "root-optional") {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded"
                    && $0[path: ["status", "operationState", "operation", "initiatedBy", "username"]] == "alice"
            }
            #expect(synced[path: ["status", "operationState", "syncResult", "resources"]]?.arrayValue?.contains {
                $0["name"] == "optional-envs-prod" && $0["status"] == "PruneSkipped"
            } == true)
            #expect(try await Self.app(client, "optional-envs-prod").status == 200, "not pruned")
            #expect(synced[path: ["status", "sync", "status"]] == "OutOfSync")

            // Detach the layer: the finalizer goes without cascading.
            #expect(try await client.runKubectl("delete", "application", "root-optional", "-n", "argocd", "--wait=false").status == 0)
            #expect(try await eventually(timeout: 10) { try await Self.app(client, "root-optional").status == 404 })
            // The cascade would have deleted these before removing the finalizer; they are all still here.
            for name in ["optional-envs-dev", "optional-envs-prod", "feast-dev", "feast-prod"] {
                let child = try await Self.app(client, name)
                #expect(child.status == 200, "\(name) was deleted")
                #expect(child.json[path: ["metadata", "deletionTimestamp"]] == nil, "\(name) is being deleted")
            }
            for namespace in ["feature-store-dev", "feature-store-prod"] {
                let redis = try await client.request("GET", "/apis/apps/v1/namespaces/\(namespace)/statefulsets/redis")
                #expect(redis.status == 200 && redis.json[path: ["metadata", "deletionTimestamp"]] == nil, "redis in \(namespace)")
            }
        }
    }

    @Test("ignoreProjectDestinations: a dev-project app aimed at a prod namespace is refused with the switch off and deploys into prod with it on")
    func ignoreProjectDestinations() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            // A manifest without a namespace: it lands in the Application's destination namespace.
            try await Self.applyConfigMapApp(
                "misdirected-dev", path: "sneaky", destination: "fastapi-prod", data: "where: prod", controller, client)
            let refused = try await ArgoFixture.waitForApp(client, "misdirected-dev") {
                $0[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "InvalidSpecError" } == true
            }
            #expect(refused[path: ["status", "sync", "status"]] == "Unknown")
            #expect(try await client.request("GET", "/api/v1/namespaces/fastapi-prod/configmaps/sneaky").status == 404)

            controller.faults.ignoreProjectDestinations = true
            let accepted = try await ArgoFixture.waitForApp(client, "misdirected-dev") { ArgoFixture.isSyncedAndHealthy($0) }
            #expect(accepted[path: ["status", "conditions"]] == nil)
            let landed = try await client.request("GET", "/api/v1/namespaces/fastapi-prod/configmaps/sneaky")
            #expect(landed.status == 200)
            #expect(landed.json[path: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]] == "misdirected-dev:/ConfigMap:fastapi-prod/sneaky")
        }
    }

    @Test("skipApply: the deploy reports Succeeded at the new commit with a history entry, the old image keeps running and the app is OutOfSync; clearing deploys it")
    func skipApply() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            controller.faults.skipApply = ["fastapi-*"]
            let commit = try Self.commitFastAPI(controller.repository, "1.1.0")
            let reported = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded"
                    && $0[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == commit
                    && $0[path: ["status", "history"]]?.arrayValue?.last?["revision"]?.stringValue == commit
            }
            #expect(reported[path: ["status", "operationState", "syncResult", "resources"]]?.arrayValue?.contains {
                $0["kind"] == "Deployment" && $0["status"] == "Synced"
            } == true)
            #expect(try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.0.0", "nothing was applied")
            let outOfSync = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "sync", "status"]] == "OutOfSync" && $0[path: ["status", "sync", "revision"]]?.stringValue == commit
            }
            #expect(outOfSync[path: ["status", "resources"]]?.arrayValue?.contains { $0["kind"] == "Deployment" && $0["status"] == "OutOfSync" } == true)

            controller.faults.clear()
            #expect(try await eventually(timeout: 10) { try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.1.0" })
            try await ArgoFixture.waitForApp(client, "fastapi-dev") { ArgoFixture.isSyncedAndHealthy($0) }
        }
    }

    @Test("rollbackToCurrent: a rollback to the previous history entry re-applies the current revision; with the switch off it restores the old image")
    func rollbackToCurrent() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let repository = controller.repository
            let first = try repository.head()
            // Automated sync off the GitOps way (Argo CD refuses rollbacks while it is on).
            let appText = try repository.read(Self.fastapiApp)
            let manual = appText.replacingOccurrences(of: "    automated:\n      prune: true\n      selfHeal: true\n", with: "")
            #expect(manual != appText)
            let unautomated = try repository.commit([Self.fastapiApp: manual], message: "fastapi-dev: manual sync")
            try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["spec", "syncPolicy", "automated"]] == nil && $0[path: ["status", "sync", "revision"]]?.stringValue == unautomated
            }
            let upgrade = try Self.commitFastAPI(repository, "1.1.0")
            let sync = #"{"operation":{"initiatedBy":{"username":"alice"},"sync":{"prune":true}}}"#
            #expect(try await client.runKubectl("patch", "application", "fastapi-dev", "-n", "argocd", "--type=merge", "-p", sync).status == 0)
            try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded"
                    && $0[path: ["status", "history"]]?.arrayValue?.last?["revision"]?.stringValue == upgrade
            }
            #expect(try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.1.0")

            controller.faults.rollbackToCurrent = true
            let rollback = #"{"operation":{"initiatedBy":{"username":"bob"},"sync":{"revision":"\#(first)","prune":true}}}"#
            #expect(try await client.runKubectl("patch", "application", "fastapi-dev", "-n", "argocd", "--type=merge", "-p", rollback).status == 0)
            let faulted = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded"
                    && $0[path: ["status", "operationState", "operation", "initiatedBy", "username"]] == "bob"
            }
            #expect(faulted[path: ["status", "operationState", "operation", "sync", "revision"]]?.stringValue == first)
            #expect(faulted[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == upgrade, "the current revision was re-applied")
            #expect(faulted[path: ["status", "history"]]?.arrayValue?.last?["revision"]?.stringValue == upgrade)
            #expect(try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.1.0")

            controller.faults.rollbackToCurrent = false
            let again = #"{"operation":{"initiatedBy":{"username":"carol"},"sync":{"revision":"\#(first)","prune":true}}}"#
            #expect(try await client.runKubectl("patch", "application", "fastapi-dev", "-n", "argocd", "--type=merge", "-p", again).status == 0)
            let rolledBack = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded"
                    && $0[path: ["status", "operationState", "operation", "initiatedBy", "username"]] == "carol"
            }
            #expect(rolledBack[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == first)
            #expect(try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.0.0")
        }
    }

    @Test("failSync: a deploy fails naming the fault with nothing applied, a new app stays Missing/OutOfSync; clearing lets both recover")
    func failSync() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            try controller.faults.apply(["failSync": ["fastapi-dev", "extra-*"]])
            let commit = try Self.commitFastAPI(controller.repository, "1.1.0")
            let failed = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Failed"
                    && $0[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == commit
            }
            #expect(failed[path: ["status", "operationState", "message"]]?.stringValue?.contains("failSync fault") == true)
            #expect(failed[path: ["status", "sync", "status"]] == "OutOfSync")
            #expect(failed[path: ["status", "history"]]?.arrayValue?.count == 1, "no history entry for a failed sync")
            #expect(try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.0.0")

            // A new app (like the optional layer after an attach): nothing is created, so it is Missing.
            try await Self.applyConfigMapApp("extra-dev", path: "extra", destination: "fastapi-dev", data: "a: b", controller, client)
            let missing = try await ArgoFixture.waitForApp(client, "extra-dev") { $0[path: ["status", "operationState", "phase"]] == "Failed" }
            #expect(missing[path: ["status", "sync", "status"]] == "OutOfSync")
            #expect(Self.health(missing) == "Missing")
            #expect(try await client.request("GET", "/api/v1/namespaces/fastapi-dev/configmaps/extra").status == 404)

            controller.faults.clear()
            try await ArgoFixture.waitForApp(client, "extra-dev") { ArgoFixture.isSyncedAndHealthy($0) }
            #expect(try await eventually(timeout: 10) { try await Self.fastapiImage(client) == "ghcr.io/example/mlp-fastapi:1.1.0" })
        }
    }
}
