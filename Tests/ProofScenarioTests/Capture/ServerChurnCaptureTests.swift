import Foundation
import ProofCluster
import ProofCore
import ProofReport
import ProofScenario
import ProofSim
import ProofStore
import Testing

/// Issue 11's noise rules against the embedded cluster as `proof run` starts it (Argo CD over the platform's
/// GitOps repository, workload controllers, managedFields on every write): two captures of a cluster nobody
/// touched differ in what the server rewrites by itself (Argo CD's `status.reconciledAt`, resourceVersions),
/// and `proof diff` and `unchanged` must see no change between them; a real spec change must still show.
@Suite("What a server changes by itself is no change", .serialized)
struct ServerChurnCaptureTests {
    /// A running embedded cluster with a short Argo CD reconciliation interval (so `reconciledAt` moves
    /// between two captures on its own), its client and a fresh store.
    struct Cluster {
        let cluster: SimulatedCluster
        let client: KubernetesClient
        let store: EvidenceStore

        func capture(_ run: RunID, _ label: String) async throws -> CapturedState {
            let result = try await Capturer(client: client, store: store).capture(run: run, label: label)
            return try await CapturedState.load(from: store, snapshot: result.snapshot)
        }

        func applications() -> [JSON] { cluster.state.list(BuiltIn.applications).items }

        /// Polls `condition` every 50 ms until it holds; fails after `limit` (a stuck cluster, not a slow one).
        func eventually(_ what: String, limit: Duration = .seconds(60), _ condition: () throws -> Bool) async throws {
            let deadline = ContinuousClock.now + limit
            while try !condition() {
                if ContinuousClock.now > deadline { throw SimError(code: 504, reason: "Timeout", message: "gave up waiting until \(what)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static func with(_ body: (Cluster) async throws -> Void) async throws {
        var options = SimOptions()
        options.platformDirectory = CaptureFixture.platformDirectory
        var argo = ArgoCDOptions()
        argo.reconciliationInterval = .milliseconds(500)
        let controller = try options.enableArgoCD(options: argo)
        let cluster = try await SimulatedCluster.start(options)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-churn-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            controller.repository.removeIfTemporary()
        }
        do {
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let config = try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory])
            let fixture = Cluster(cluster: cluster, client: KubernetesClient(config: config), store: try EvidenceStore.open(path: directory + "/evidence.sqlite"))
            try await fixture.eventually("every Application is Synced and Healthy and the controllers are idle") {
                let apps = fixture.applications()
                return apps.count > 10 && cluster.pendingWork().isEmpty && apps.allSatisfy {
                    $0[path: ["status", "sync", "status"]]?.stringValue == "Synced" && $0[path: ["status", "health", "status"]]?.stringValue == "Healthy"
                }
            }
            try await body(fixture)
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// The `unchanged` findings for every kind of `before`, judged at `after`.
    static func unchangedFindings(_ before: CapturedState, _ after: CapturedState) throws -> [Finding] {
        let kinds = Set(before.objects.compactMap { $0["kind"]?.stringValue }).sorted()
        let specs = try kinds.map { kind in
            try InvariantSpec.decode(YAMLNode.parse("""
                id: same-\(kind.lowercased())
                description: Every \(kind) is the same object with the same spec.
                unchanged: {match: {kind: \(kind)}, since: \(before.label)}
                """, file: "churn.yaml"))
        }
        return InvariantEvaluator.evaluate(specs, in: EvaluationContext(current: after, earlier: [before]))
    }

    @Test("two captures of an untouched cluster diff clean and every object is unchanged; a spec change shows")
    func untouchedClusterDiffsCleanAndASpecChangeShows() async throws {
        try await Self.with { c in
            let deployments = try await c.client.resource(named: "deployments")
            _ = try await c.client.create(deployments, [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "churn-web", "namespace": "default"],
                "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "churn-web"]],
                    "template": ["metadata": ["labels": ["app": "churn-web"]], "spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]],
            ], namespace: "default")
            try await c.eventually("churn-web is ready") {
                let web = try c.cluster.state.get(BuiltIn.deployments, namespace: "default", name: "churn-web")
                return web[path: ["status", "readyReplicas"]]?.intValue == 1 && c.cluster.pendingWork().isEmpty
            }
            let run = try await c.store.beginRun(RunInfo(scenario: "churn", cluster: "simulated"))
            let first = try await c.capture(run, "first")
            // Wait for the server to change objects by itself: Argo CD re-stamps `reconciledAt` on its interval.
            let stamped = Dictionary(first.objects(ofKind: "Application").map { (($0[path: ["metadata", "name"]]?.stringValue ?? ""), $0[path: ["status", "reconciledAt"]]) }, uniquingKeysWith: { a, _ in a })
            try #require(stamped.count > 10 && stamped.values.allSatisfy { $0?.stringValue != nil })
            try await c.eventually("every Application was re-reconciled") {
                c.applications().allSatisfy { stamped[($0[path: ["metadata", "name"]]?.stringValue ?? "")] != $0[path: ["status", "reconciledAt"]] }
            }
            let second = try await c.capture(run, "second")

            // The server did change bodies: the raw objects differ, and they carried managedFields on the wire.
            let firstDigests = Set(first.objects.map(\.digest)), secondDigests = Set(second.objects.map(\.digest))
            #expect(!secondDigests.subtracting(firstDigests).isEmpty, "the second capture holds rewritten bodies")
            let live = try await c.client.get(deployments, name: "churn-web", namespace: "default")
            #expect(live[path: ["metadata", "managedFields"]]?.arrayValue?.isEmpty == false, "the server writes managedFields")
            #expect(!first.objects.contains { $0[path: ["metadata", "managedFields"]] != nil }, "no stored body keeps managedFields")

            // proof diff: nothing, over every kind the capture holds; without the noise rules the churn shows.
            let diff = EvidenceDiff.compare(first.objects, second.objects)
            #expect(diff.isEmpty, "\(diff.renderText(before: "first", after: "second"))")
            #expect(diff.unchanged == first.objects.count)
            let raw = EvidenceDiff.compare(first.objects, second.objects, noise: DiffNoise(dropBookkeeping: false, dropTimestamps: false))
            #expect(raw.changed.contains { $0.identity.kind == "Application" && $0.fields.contains { $0.path == "status.reconciledAt" } },
                "the raw diff shows the churn the rules remove")
            // unchanged: every object of every kind is the same object with the same spec.
            let findings = try Self.unchangedFindings(first, second)
            #expect(!findings.isEmpty && findings.allSatisfy { $0.status == .held }, "\(findings.filter { $0.status != .held }.map(\.message))")

            // A real change: a new image for churn-web.
            _ = try await c.client.patch(deployments, name: "churn-web", namespace: "default",
                patch: ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.28"]]]]]])
            try await c.eventually("churn-web rolled out") {
                let web = try c.cluster.state.get(BuiltIn.deployments, namespace: "default", name: "churn-web")
                return web[path: ["status", "updatedReplicas"]]?.intValue == 1 && web[path: ["status", "readyReplicas"]]?.intValue == 1
                    && c.cluster.pendingWork().isEmpty
            }
            let third = try await c.capture(run, "third")
            let changed = EvidenceDiff.compare(second.objects, third.objects, kinds: ["Deployment"])
            #expect(changed.changed.map(\.identity.name) == ["churn-web"], "\(changed.renderText(before: "second", after: "third"))")
            #expect(changed.changed.first?.fields.contains { $0.path == "spec.template.spec.containers[name=web].image" } == true,
                "\(changed.renderText(before: "second", after: "third"))")
            let judged = try Self.unchangedFindings(second, third).filter { $0.status != .held }
            // The rollout itself changes what it owns (the old ReplicaSet scaled to 0, its pod gone), and nothing else.
            #expect(judged.contains { $0.message == "Deployment/default/churn-web spec changed since 'second'" }, "\(judged.map(\.message))")
            #expect(judged.allSatisfy { $0.message.contains("/default/churn-web") }, "\(judged.map(\.message))")
        }
    }
}
