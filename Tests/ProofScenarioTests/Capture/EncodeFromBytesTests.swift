import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofStore
import Testing

/// The capture encodes most items straight from the bytes the server sent (``ListPage/canonical(_:redaction:)``):
/// over every object of the simulated platform, that gives the bytes decoding and normalising gives, and two
/// captures of one cluster, one each way, store the same digests.
@Suite("Capture: items encoded from their bytes")
struct EncodeFromBytesTests {
    @Test("every object of the simulated platform: from its bytes or decoded, the same canonical bytes; most from bytes, no Secret")
    func everyPlatformObject() async throws {
        try await CaptureFixture.with { fixture in
            let redaction = fixture.store.redaction
            let discovery = try await fixture.client.discovery()
            var fromBytes: [String: Int] = [:]
            var total: [String: Int] = [:]
            for name in CaptureConfig.defaultKinds {
                let type = try #require(discovery.resource(named: name), "\(name)")
                _ = try await fixture.client.listRawPages(type, pageSize: 50) { page, _ in
                    for index in 0..<page.count {
                        total[type.kind, default: 0] += 1
                        let slow = redaction.normalize(try page.item(index)).canonicalData
                        guard let fast = page.canonical(index, redaction: redaction) else { continue }
                        fromBytes[type.kind, default: 0] += 1
                        #expect(fast.body == slow, "\(type.kind) #\(index): \(String(decoding: fast.body, as: UTF8.self))")
                        #expect(fast.version == page.version(index))
                    }
                }
            }
            let answered = fromBytes.values.reduce(0, +), all = total.values.reduce(0, +)
            #expect(all > 300)
            #expect(answered * 2 > all, "from bytes: \(fromBytes) of \(total)")
            #expect(fromBytes["Secret"] == nil && (total["Secret"] ?? 0) > 0)
            #expect((fromBytes["Pod"] ?? 0) > 0 && (fromBytes["ReplicaSet"] ?? 0) > 0)
        }
    }

    @Test("a capture encoding from bytes and one decoding every item store the same digest for every version")
    func bothWaysStoreTheSameDigests() async throws {
        try await CaptureFixture.with { fixture in
            var decoded = CaptureConfig(loki: [])
            decoded.encodeFromBytes = false
            let slowRun = try await fixture.beginRun()
            let slow = try await Capturer(client: fixture.client, store: fixture.store, config: decoded).capture(run: slowRun, label: "decoded")
            let fastRun = try await fixture.beginRun()
            let fast = try await Capturer(client: fixture.client, store: fixture.store, config: CaptureConfig(loki: []))
                .capture(run: fastRun, label: "from-bytes")
            struct Version: Hashable { var uid: String?, resourceVersion: String?, identity: ObjectIdentity }
            func digests(_ snapshot: SnapshotID) async throws -> [Version: String] {
                Dictionary(try await fixture.store.objects(snapshot: snapshot, bodies: false).map {
                    (Version(uid: $0.uid, resourceVersion: $0.resourceVersion, identity: $0.identity), $0.digest)
                }, uniquingKeysWith: { first, _ in first })
            }
            let before = try await digests(slow.snapshot.id), after = try await digests(fast.snapshot.id)
            let shared = Set(before.keys).intersection(after.keys)
            #expect(shared.count * 10 > after.count * 9, "\(shared.count) of \(after.count) versions unchanged between the captures")
            for version in shared { #expect(before[version] == after[version], "\(version.identity)") }
            // The second capture found the first one's bodies: every shared version's body was already stored.
            #expect(fast.newBodies <= after.count - shared.count)
        }
    }
}
