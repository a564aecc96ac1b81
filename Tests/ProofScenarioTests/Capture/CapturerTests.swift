import Foundation
import ProofCluster
import ProofCore
import ProofReport
import ProofScenario
import ProofSim
import ProofStore
import Testing

/// `Capturer` against a live simulated cluster over loopback, judged by the real kubectl and the raw file.
@Suite("Capturer", .serialized)
struct CapturerTests {
    @Test("object counts equal kubectl get <kind> -A -o json, per kind")
    func countsMatchKubectl() async throws {
        try await CaptureFixture.with { fixture in
            let run = try await fixture.beginRun()
            let result = try await Capturer(client: fixture.client, store: fixture.store).capture(run: run, label: "counts")
            let discovery = try await fixture.client.discovery()
            #expect(result.objectCount > 300)
            for kind in CaptureConfig.defaultKinds {
                let type = try #require(discovery.resource(named: kind), "\(kind) is served")
                let data = try await fixture.kubectl(["get", type.qualifiedName, "-A", "-o", "json"])
                let items = try JSON(parsing: Array(data))["items"]?.arrayValue?.count
                let ours = result.counts[type.kind]?.values.reduce(0, +) ?? 0
                #expect(items == ours, "\(kind): kubectl \(items ?? -1), capture \(ours)")
            }
            let stored = try await fixture.store.memberCounts(snapshot: result.snapshot.id)
            #expect(stored.values.reduce(0) { $0 + $1.values.reduce(0, +) } == result.objectCount)
            #expect(result.listingErrors.isEmpty)
        }
    }

    @Test("a planted Secret value appears nowhere in the database file, its WAL, or the summary")
    func secretNeverStored() async throws {
        try await CaptureFixture.with { fixture in
            let planted = "planted-\(UUID().uuidString)-value"
            let secrets = try await fixture.client.resource(named: "secrets")
            _ = try await fixture.client.create(
                secrets,
                ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "planted", "namespace": "default"],
                 "data": ["password": .string(Data(planted.utf8).base64EncodedString())], "stringData": ["token": .string(planted)]],
                namespace: "default")
            let run = try await fixture.beginRun()
            let result = try await Capturer(client: fixture.client, store: fixture.store).capture(run: run, label: "secret")
            #expect(result.counts["Secret"]?["default"] == 1)
            var scanned = 0
            for suffix in ["", "-wal", "-shm"] {
                guard let bytes = FileManager.default.contents(atPath: fixture.database + suffix) else { continue }
                scanned += bytes.count
                #expect(bytes.range(of: Data(planted.utf8)) == nil, "plain value in evidence.sqlite\(suffix)")
                #expect(bytes.range(of: Data(Data(planted.utf8).base64EncodedString().utf8)) == nil, "base64 value in evidence.sqlite\(suffix)")
            }
            #expect(scanned > 0)
            let markdown = CaptureSummary(
                run: run.rawValue, sequence: 1, label: "secret", cluster: "simulated", takenAt: result.snapshot.takenAt,
                digest: result.snapshot.digest, chainDigest: result.snapshot.chainDigest, database: fixture.database,
                newBodies: result.newBodies, counts: result.counts, listingErrors: result.listingErrors,
                lokiSamples: result.lokiSamples, argoCD: result.argoCD
            ).markdown()
            #expect(!markdown.contains(planted))
            #expect(!markdown.contains(Data(planted.utf8).base64EncodedString()))
        }
    }

    @Test("a second capture of an unchanged cluster stores no new bodies for stable kinds")
    func secondCaptureStoresNothingNew() async throws {
        try await CaptureFixture.with { fixture in
            // Pods, Events, Nodes and Applications carry times the simulation keeps refreshing (heartbeats,
            // reconciledAt, new events from the platform services' ticks); every other kind is quiet once settled.
            let volatile: Set<String> = ["Pod", "Event", "Node", "Application"]
            let capturer = Capturer(client: fixture.client, store: fixture.store)
            let run = try await fixture.beginRun()
            let first = try await capturer.capture(run: run, label: "first")
            let second = try await capturer.capture(run: run, label: "second")
            let before = try await fixture.store.objects(snapshot: first.snapshot.id, bodies: false)
            let after = try await fixture.store.objects(snapshot: second.snapshot.id, bodies: false)
            let known = Set(before.map(\.digest))
            let fresh = after.filter { !known.contains($0.digest) }
            #expect(fresh.filter { !volatile.contains($0.identity.kind) }.isEmpty, "changed: \(fresh.prefix(5).map(\.identity))")
            #expect(second.newBodies == Set(fresh.map(\.digest)).count)
            #expect(second.newBodies < first.newBodies / 10, "first \(first.newBodies), second \(second.newBodies)")
            let stable = { (objects: [StoredObject]) in objects.filter { !volatile.contains($0.identity.kind) }.map(\.digest) }
            #expect(stable(before) == stable(after))
        }
    }

    @Test("Loki answering 503 is recorded as an outage and the capture still succeeds")
    func lokiOutageRecorded() async throws {
        try await CaptureFixture.with { fixture in
            let run = try await fixture.beginRun()
            let healthy = try await Capturer(client: fixture.client, store: fixture.store).capture(run: run, label: "loki-up")
            #expect(healthy.lokiSamples.first { $0.name == "loki-ready" }?.succeeded == true)
            fixture.cluster.faults.add(try FaultRule(spec: "status=503,path=/api/v1/namespaces/baseline-dev/services/**"))
            let result = try await Capturer(client: fixture.client, store: fixture.store).capture(run: run, label: "loki-down")
            #expect(result.objectCount > 300)
            #expect(!result.lokiSamples.isEmpty)
            #expect(result.lokiSamples.allSatisfy { !$0.succeeded }, "\(result.lokiSamples.map(\.name))")
            let stored = try await fixture.store.lokiSamples(snapshot: result.snapshot.id)
            #expect(stored.count == result.lokiSamples.count)
            #expect(stored.first { $0.name == "loki-ready" }?.error?.contains("503") == true)
        }
    }

    @Test("an unknown kind is a listing error, not a failure")
    func unknownKind() async throws {
        try await CaptureFixture.with { fixture in
            let run = try await fixture.beginRun()
            let config = CaptureConfig(kinds: ["Namespace", "Widget", "ConfigMap"], loki: [])
            let result = try await Capturer(client: fixture.client, store: fixture.store, config: config).capture(run: run, label: "unknown")
            #expect(result.listingErrors.map(\.kind) == ["Widget"])
            #expect((result.counts["ConfigMap"]?.values.reduce(0, +) ?? 0) > 0)
            let stored = try await fixture.store.listingErrors(snapshot: result.snapshot.id)
            #expect(stored.first?.message.contains("Widget") == true)
            #expect(result.snapshot.errorCount == 1)
        }
    }

    @Test("--namespaces limits namespaced kinds and the Namespace list")
    func namespaceFilter() async throws {
        try await CaptureFixture.with { fixture in
            let run = try await fixture.beginRun()
            let config = CaptureConfig(kinds: ["Namespace", "Node", "ConfigMap", "Pod"], namespaces: ["baseline-dev"], loki: [])
            let result = try await Capturer(client: fixture.client, store: fixture.store, config: config).capture(run: run, label: "ns")
            #expect(result.counts["Namespace"] == ["": 1])
            #expect(result.counts["Node"]?[""] == 3)
            #expect(Set(result.counts["Pod"]?.keys.map { $0 } ?? []) == ["baseline-dev"])
        }
    }
}
