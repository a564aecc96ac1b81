import Foundation
import ProofCore
import ProofSim
import Testing

/// The simulated Argo CD, driven the way an operator drives the real one: `git commit`, `kubectl delete`,
/// `kubectl apply`, `kubectl patch --type=merge` of `operation`, and read back over HTTPS.
@Suite("Argo CD: behaviour", .tags(.argocd, .kubectl, .slow), .serialized)
struct ArgoCDBehaviourTests {
    static let fastapiManifest = "core/envs/dev/fastapi/fastapi.yaml"
    static let fastapiApp = "core/envs/dev/apps/fastapi-dev.yaml"

    static func json(_ result: Client.ProcessResult) throws -> JSON {
        guard result.status == 0 else { throw ClientError(message: "kubectl failed: \(result.stderr)") }
        return try JSON(parsing: result.stdout)
    }

    static func deploymentImage(_ client: Client, _ namespace: String, _ name: String) async throws -> String? {
        let deployment = try json(try await client.runKubectl("get", "deployment", name, "-n", namespace, "-o", "json"))
        return deployment[path: ["spec", "template", "spec", "containers"]]?[0]?["image"]?.stringValue
    }

    /// Commits `file` with `old` replaced by `new`; returns the commit id.
    static func commitReplacing(_ repository: GitRepository, _ file: String, _ old: String, _ new: String, _ message: String) throws -> String {
        let text = try repository.read(file)
        #expect(text.contains(old), "\(file) should contain \(old)")
        return try repository.commit([file: text.replacingOccurrences(of: old, with: new)], message: message)
    }

    @Test("at start every app is Synced/Healthy; managed objects carry the tracking id; CreateNamespace namespaces are untracked")
    func startUp() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let head = try controller.repository.head()
            let apps = try await ArgoFixture.applications(client)
            #expect(apps.count == 25)
            for (name, app) in apps {
                #expect(app[path: ["status", "sync", "revision"]]?.stringValue == head, "\(name)")
                #expect(app[path: ["status", "history"]]?[0]?["id"]?.intValue == 0, "\(name)")
                #expect(app[path: ["status", "history"]]?[0]?["revision"]?.stringValue == head, "\(name)")
                #expect(app[path: ["status", "operationState", "phase"]]?.stringValue == "Succeeded", "\(name)")
                #expect(app[path: ["status", "reconciledAt"]] != nil, "\(name)")
            }
            let fastapi = try #require(apps["fastapi-dev"])
            #expect(fastapi[path: ["status", "summary", "images"]] == ["ghcr.io/example/mlp-fastapi:1.0.0"])
            let resources = fastapi[path: ["status", "resources"]]?.arrayValue ?? []
            #expect(resources.contains { $0["kind"] == "Deployment" && $0["name"] == "fastapi" && $0[path: ["health", "status"]] == "Healthy" })
            #expect(apps["root-core"]?[path: ["status", "resources"]]?.arrayValue?.contains { $0["kind"] == "Application" && $0["name"] == "core-dev" } == true)

            let deployment = try Self.json(try await client.runKubectl("get", "deployment", "fastapi", "-n", "fastapi-dev", "-o", "json"))
            #expect(deployment[path: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]] == "fastapi-dev:apps/Deployment:fastapi-dev/fastapi")
            #expect(deployment[path: ["metadata", "labels", "app.kubernetes.io/instance"]] == "fastapi-dev")
            let featureStore = try Self.json(try await client.runKubectl("get", "namespace", "feature-store-dev", "-o", "json"))
            #expect(featureStore[path: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]] == nil)
        }
    }

    @Test("deleting root-optional removes optional-envs-*, feast-* and their workloads; the feature-store namespaces stay; re-creating it brings them back")
    func optionalToggle() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let deleted = try await client.runKubectl("delete", "application", "root-optional", "-n", "argocd", "--wait=false")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let optional = ["root-optional", "optional-envs-dev", "optional-envs-prod", "feast-dev", "feast-prod"]
            let gone = try await eventually(timeout: 15) {
                let apps = try await ArgoFixture.applications(client)
                return optional.allSatisfy { apps[$0] == nil } && apps.count == 20
            }
            let remaining = try await ArgoFixture.applications(client)
            #expect(gone, "\(ArgoFixture.summary(remaining))")
            for namespace in ["feature-store-dev", "feature-store-prod"] {
                let workloads = try Self.json(try await client.runKubectl("get", "deployments,statefulsets", "-n", namespace, "-o", "json"))
                #expect(workloads["items"]?.arrayValue?.isEmpty == true, "\(namespace) still has workloads")
                let ns = try Self.json(try await client.runKubectl("get", "namespace", namespace, "-o", "json"))
                #expect(ns[path: ["status", "phase"]] == "Active")
            }
            // The rest of the platform is untouched.
            let rest = try await ArgoFixture.applications(client)
            #expect(rest.values.allSatisfy(ArgoFixture.isSyncedAndHealthy), "\(ArgoFixture.summary(rest))")

            let manifest = controller.repository.path + "/bootstrap/root-optional.yaml"
            let applied = try await client.runKubectl("apply", "-f", manifest)
            #expect(applied.status == 0, "\(applied.stderr)")
            try await ArgoFixture.waitForAllApps(client, count: 25)
            for namespace in ["feature-store-dev", "feature-store-prod"] {
                let feast = try Self.json(try await client.runKubectl("get", "deployments", "-n", namespace, "-o", "json"))
                #expect(feast["items"]?.arrayValue?.contains { $0[path: ["metadata", "name"]] == "feast" && $0[path: ["status", "readyReplicas"]]?.intValue ?? 0 >= 1 } == true)
                let redis = try Self.json(try await client.runKubectl("get", "statefulset", "redis", "-n", namespace, "-o", "json"))
                #expect(redis[path: ["status", "readyReplicas"]]?.intValue == 1)
            }
        }
    }

    @Test("a commit changing the FastAPI image is deployed (OutOfSync → Synced, new history entry); rollback is refused under auto-sync and restores the old image without it")
    func deployAndRollback() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            let repository = controller.repository
            let first = try repository.head()
            let watch = try client.kubectlInBackground("get", "application", "fastapi-dev", "-n", "argocd", "-w",
                "-o", "custom-columns=SYNC:.status.sync.status,REV:.status.sync.revision")
            defer { watch.stop() }
            _ = await watch.waitFor { $0.contains(first) }
            let second = try Self.commitReplacing(repository, Self.fastapiManifest, "mlp-fastapi:1.0.0", "mlp-fastapi:1.1.0", "fastapi 1.1.0")
            let deployed = try await ArgoFixture.waitForApp(client, "fastapi-dev") { app in
                app[path: ["status", "sync", "status"]] == "Synced" && app[path: ["status", "sync", "revision"]]?.stringValue == second
                    && app[path: ["status", "history"]]?.arrayValue?.count == 2
            }
            let history = deployed[path: ["status", "history"]]?.arrayValue ?? []
            #expect(history.map { $0["id"]?.intValue } == [0, 1])
            #expect(history.map { $0["revision"]?.stringValue } == [first, second])
            #expect(try await Self.deploymentImage(client, "fastapi-dev", "fastapi") == "ghcr.io/example/mlp-fastapi:1.1.0")
            #expect(await watch.waitFor { output in
                let lines = output.split(separator: "\n")
                guard let outOfSync = lines.firstIndex(where: { $0.contains("OutOfSync") && $0.contains(second) }) else { return false }
                return lines[(outOfSync + 1)...].contains { $0.hasPrefix("Synced") && $0.contains(second) }
            }, "\(watch.output())")

            // Rollback while automated sync is on: refused.
            let rollback = #"{"operation":{"initiatedBy":{"username":"alice"},"sync":{"revision":"\#(first)"}}}"#
            let refusedPatch = try await client.runKubectl("patch", "application", "fastapi-dev", "-n", "argocd", "--type=merge", "-p", rollback)
            #expect(refusedPatch.status == 0, "\(refusedPatch.stderr)")
            let refused = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Failed" && $0["operation"] == nil
            }
            #expect(refused[path: ["status", "operationState", "message"]] == "rollback cannot be initiated when auto-sync is enabled")
            #expect(try await Self.deploymentImage(client, "fastapi-dev", "fastapi") == "ghcr.io/example/mlp-fastapi:1.1.0")

            // Turn automated sync off the GitOps way (the parent app would self-heal a hand edit), then roll back.
            let appText = try repository.read(Self.fastapiApp)
            let manual = appText.replacingOccurrences(of: "    automated:\n      prune: true\n      selfHeal: true\n", with: "")
            #expect(manual != appText)
            let third = try repository.commit([Self.fastapiApp: manual], message: "fastapi-dev: manual sync")
            try await ArgoFixture.waitForApp(client, "fastapi-dev") { app in
                app[path: ["spec", "syncPolicy", "automated"]] == nil && app[path: ["status", "sync", "revision"]]?.stringValue == third
            }
            let patched = try await client.runKubectl("patch", "application", "fastapi-dev", "-n", "argocd", "--type=merge", "-p", rollback)
            #expect(patched.status == 0, "\(patched.stderr)")
            let rolledBack = try await ArgoFixture.waitForApp(client, "fastapi-dev") {
                $0[path: ["status", "operationState", "phase"]] == "Succeeded"
                    && $0[path: ["status", "operationState", "syncResult", "revision"]]?.stringValue == first
            }
            #expect(try await Self.deploymentImage(client, "fastapi-dev", "fastapi") == "ghcr.io/example/mlp-fastapi:1.0.0")
            let after = rolledBack[path: ["status", "history"]]?.arrayValue ?? []
            #expect(after.last?["revision"]?.stringValue == first)
            #expect(after.last?["id"]?.intValue == 2)
            #expect(after.last?[path: ["initiatedBy", "username"]] == "alice")
            // Git still says 1.1.0, so the app is OutOfSync, and without auto-sync it stays rolled back.
            try await ArgoFixture.waitForApp(client, "fastapi-dev") { $0[path: ["status", "sync", "status"]] == "OutOfSync" }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await Self.deploymentImage(client, "fastapi-dev", "fastapi") == "ghcr.io/example/mlp-fastapi:1.0.0")
        }
    }

    @Test("selfHeal: a deleted managed Deployment and a hand-edited image are reverted; an app without the finalizer goes alone")
    func selfHeal() async throws {
        try await ArgoFixture.withArgoCD { _, _, client in
            let before = try Self.json(try await client.runKubectl("get", "deployment", "mlflow", "-n", "mlflow-dev", "-o", "json"))
            let uid = before[path: ["metadata", "uid"]]?.stringValue
            #expect(try await client.runKubectl("delete", "deployment", "mlflow", "-n", "mlflow-dev").status == 0)
            let healed = try await eventually(timeout: 10) {
                let now = try await client.runKubectl("get", "deployment", "mlflow", "-n", "mlflow-dev", "-o", "json")
                guard now.status == 0 else { return false }
                return try JSON(parsing: now.stdout)[path: ["metadata", "uid"]]?.stringValue != uid
            }
            #expect(healed)
            try await ArgoFixture.waitForApp(client, "mlflow-dev") { ArgoFixture.isSyncedAndHealthy($0) }

            let image = try #require(try await Self.deploymentImage(client, "fastapi-dev", "fastapi"))
            let edit = #"{"spec":{"template":{"spec":{"containers":[{"name":"fastapi","image":"evil/fastapi:latest"}]}}}}"#
            #expect(try await client.runKubectl("patch", "deployment", "fastapi", "-n", "fastapi-dev", "-p", edit).status == 0)
            #expect(try await eventually(timeout: 10) { try await Self.deploymentImage(client, "fastapi-dev", "fastapi") == image })

            // Without the resources finalizer only the Application goes; its Deployment stays.
            let unfinalize = #"{"metadata":{"finalizers":null}}"#
            #expect(try await client.runKubectl("patch", "application", "triton-dev", "-n", "argocd", "--type=merge", "-p", unfinalize).status == 0)
            #expect(try await client.runKubectl("delete", "application", "triton-dev", "-n", "argocd").status == 0)
            #expect(try await client.runKubectl("get", "deployment", "triton", "-n", "triton-dev").status == 0)
        }
    }

    @Test("a dev-project app aimed at a *-prod namespace gets InvalidSpecError, Unknown/Unknown, and nothing lands in prod")
    func devToProdRefused() async throws {
        try await ArgoFixture.withArgoCD { _, _, client in
            func app(_ name: String, namespace: String, path: String) -> String {
                """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: {name: \(name), namespace: argocd}
                spec:
                  project: dev
                  source: {repoURL: https://git.example.invalid/mlp/gitops.git, targetRevision: HEAD, path: \(path)}
                  destination: {server: https://kubernetes.default.svc, namespace: \(namespace)}
                  syncPolicy: {automated: {prune: true, selfHeal: true}}
                """
            }
            let prodBefore = try Self.json(try await client.runKubectl("get", "all", "-n", "fastapi-prod", "-o", "json"))
            let file = client.directory + "/sneaky.yaml"
            try (app("sneaky-dev", namespace: "fastapi-prod", path: "core/envs/prod/fastapi") + "\n---\n"
                + app("smuggler-dev", namespace: "fastapi-dev", path: "core/envs/prod/fastapi")).write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await client.runKubectl("apply", "-f", file).status == 0)

            let sneaky = try await ArgoFixture.waitForApp(client, "sneaky-dev") { $0[path: ["status", "conditions"]] != nil }
            #expect(sneaky[path: ["status", "sync", "status"]] == "Unknown")
            #expect(sneaky[path: ["status", "health", "status"]] == "Unknown")
            let condition = sneaky[path: ["status", "conditions"]]?[0]
            #expect(condition?["type"] == "InvalidSpecError")
            #expect(condition?["message"]?.stringValue?.contains("do not match any of the allowed destinations in project 'dev'") == true)

            // Aimed at a dev namespace, but the manifests name fastapi-prod: the sync fails before applying anything.
            let smuggler = try await ArgoFixture.waitForApp(client, "smuggler-dev") { $0[path: ["status", "operationState", "phase"]] == "Failed" }
            #expect(smuggler[path: ["status", "operationState", "message"]] == "one or more synchronization tasks are not valid")
            #expect(smuggler[path: ["status", "operationState", "syncResult", "resources"]]?.arrayValue?.contains {
                $0["message"]?.stringValue == "namespace fastapi-prod is not permitted in project 'dev'"
            } == true)

            let prodAfter = try Self.json(try await client.runKubectl("get", "all", "-n", "fastapi-prod", "-o", "json"))
            let trackers = (prodAfter["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]]?.stringValue }
            #expect(!trackers.contains { $0.hasPrefix("sneaky-dev:") || $0.hasPrefix("smuggler-dev:") })
            #expect(prodBefore["items"]?.arrayValue?.count == prodAfter["items"]?.arrayValue?.count)
        }
    }
}
