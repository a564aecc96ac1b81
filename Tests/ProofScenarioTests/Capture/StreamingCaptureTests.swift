import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofSim
@testable import ProofStore
import Testing

/// The capture streams list pages into the store: the snapshot it writes must be exactly what one write of the
/// whole listing gives, and a listing restarted mid-way must not keep its first pages twice.
@Suite("Capture streaming", .serialized)
struct StreamingCaptureTests {
    /// A bare simulated cluster (no platform), a client and a fresh store.
    static func with(_ options: SimOptions = SimOptions(), _ body: (SimulatedCluster, KubernetesClient, EvidenceStore) async throws -> Void) async throws {
        var options = options
        options.platformServices = nil
        let cluster = try await SimulatedCluster.start(options)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-stream-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let config = try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory])
            let store = try EvidenceStore.open(path: directory + "/evidence.sqlite")
            try await body(cluster, KubernetesClient(config: config), store)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    static func configMap(_ name: String, _ value: String) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default", "labels": ["stream": "yes"]],
         "data": ["value": .string(value)]]
    }

    @Test("a capture in pages of 7 writes the snapshot digest one write of the whole listing gives")
    func pagedCaptureEqualsWholeWrite() async throws {
        try await Self.with { _, client, store in
            let configMaps = try await client.resource(named: "configmaps")
            for index in 0..<40 { _ = try await client.create(configMaps, Self.configMap("cm-\(index)", "v\(index)"), namespace: "default") }
            let kinds = ["Namespace", "ConfigMap", "Service"]
            let paged = try await store.beginRun(RunInfo(scenario: "paged", cluster: "simulated"))
            let streamed = try await Capturer(client: client, store: store, config: CaptureConfig(kinds: kinds, loki: [], concurrency: 2, pageSize: 7))
                .capture(run: paged, label: "paged")

            var objects: [JSON] = []
            for kind in kinds { objects += try await client.list(try await client.resource(named: kind), pageSize: 1000).items }
            let whole = try await store.beginRun(RunInfo(scenario: "whole", cluster: "simulated"))
            let written = try await store.writeSnapshot(run: whole, label: "paged", objects: objects)

            #expect(streamed.snapshot.objectCount == objects.count)
            #expect(streamed.snapshot.objectCount > 40)
            #expect(streamed.snapshot.digest == written.snapshot.digest)
            #expect(streamed.counts["ConfigMap"]?["default"] == objects.filter { $0[path: ["metadata", "namespace"]] == "default" && $0["kind"] == "ConfigMap" }.count)
            #expect(written.newBodies == 0, "the streamed capture stored every body already")
            let members = try await store.objects(snapshot: streamed.snapshot.id, bodies: true)
            #expect(members.map(\.digest) == (try await store.objects(snapshot: written.snapshot.id, bodies: true)).map(\.digest))
        }
    }

    @Test("a continue token that expires mid-capture restarts that kind without keeping its first pages twice")
    func restartedListingKeepsEachObjectOnce() async throws {
        var options = SimOptions()
        options.continueTokenTTL = .milliseconds(200)
        try await Self.with(options) { cluster, client, store in
            let configMaps = try await client.resource(named: "configmaps")
            for index in 0..<12 { _ = try await client.create(configMaps, Self.configMap("ttl-\(index)", "v\(index)"), namespace: "default") }
            let before = try await client.list(configMaps, namespace: "default").items.count
            // The first two pages each wait 300 ms: the token the first one issued has expired when the second
            // is asked for, so the listing starts again after two pages were already stored.
            cluster.faults.add(FaultRule(method: "GET", path: "/api/v1/namespaces/default/configmaps", action: .latency(milliseconds: 300), count: 2))
            let run = try await store.beginRun(RunInfo(scenario: "restart", cluster: "simulated"))
            let result = try await Capturer(
                client: client, store: store, config: CaptureConfig(kinds: ["ConfigMap"], namespaces: ["default"], loki: [], pageSize: 5)
            ).capture(run: run, label: "restarted")
            #expect(cluster.faults.active.isEmpty, "both slow pages were served")
            #expect(result.listingErrors.isEmpty)
            #expect(result.counts["ConfigMap"]?["default"] == before)
            #expect(result.snapshot.objectCount == before)
            let names = try await store.objects(snapshot: result.snapshot.id, bodies: false).map(\.identity.name)
            #expect(Set(names).count == before)
        }
    }

    @Test("a version captured before is not re-encoded, and the snapshot equals a fresh handle's; a changed one is")
    func knownVersionsAreSkippedWithoutChangingEvidence() async throws {
        try await Self.with { _, client, store in
            let configMaps = try await client.resource(named: "configmaps")
            for index in 0..<20 { _ = try await client.create(configMaps, Self.configMap("known-\(index)", "v\(index)"), namespace: "default") }
            let config = CaptureConfig(kinds: ["Namespace", "ConfigMap"], loki: [], pageSize: 8)
            let run = try await store.beginRun(RunInfo(scenario: "known", cluster: "simulated"))
            let first = try await Capturer(client: client, store: store, config: config).capture(run: run, label: "first")
            #expect(first.newBodies == first.snapshot.objectCount)

            // The same handle again: every version is known, nothing is encoded or written.
            let second = try await Capturer(client: client, store: store, config: config).capture(run: run, label: "second")
            #expect(second.newBodies == 0 && second.newBytes == 0)
            #expect(second.snapshot.digest == first.snapshot.digest)

            // A fresh handle on the same file knows nothing and must reach the same snapshot digest.
            let fresh = try EvidenceStore.open(path: store.path)
            let freshRun = try await fresh.beginRun(RunInfo(scenario: "known-fresh", cluster: "simulated"))
            let third = try await Capturer(client: client, store: fresh, config: config).capture(run: freshRun, label: "third")
            #expect(third.snapshot.digest == first.snapshot.digest)

            // A change is a new resourceVersion: that object is encoded and stored again.
            _ = try await client.patch(configMaps, name: "known-3", namespace: "default", patch: ["data": ["value": "changed"]])
            let fourth = try await Capturer(client: client, store: store, config: config).capture(run: run, label: "fourth")
            #expect(fourth.newBodies == 1)
            #expect(fourth.snapshot.digest != first.snapshot.digest)
            let changed = try await store.objects(snapshot: fourth.snapshot.id).first { $0.identity.name == "known-3" }
            #expect(changed?.body?[path: ["data", "value"]] == "changed")
        }
    }
}
