import Foundation
import ProofCore
import Testing

@testable import ProofStore

/// Bodies of several pages written together (`BodyBatch`): the same members, bodies and counts as a write per
/// page; nothing written or remembered before its transaction; the rest written by `flush`.
@Suite("Bodies of several pages in one transaction")
struct BodyBatchTests {
    static func pages() -> [[JSON]] {
        (0..<6).map { page in (0..<120).map { Fixtures.pod(page * 120 + $0) } }
    }

    static func bodyCount(_ store: EvidenceStore) async throws -> Int {
        try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") ?? 0 }
    }

    @Test("batched pages give the members, bodies and new-body counts of a write per page")
    func sameAsPerPage() async throws {
        let pages = Self.pages()
        let directory = try TemporaryDirectory()
        let perPage = try EvidenceStore.open(path: directory.path + "/per-page.sqlite")
        let batched = try EvidenceStore.open(path: directory.path + "/batched.sqlite")
        var expected = SnapshotMembers()
        for page in pages {
            expected += try await perPage.storeBodies(count: page.count, label: "pods", fromServer: true) { page[$0] }
        }
        // A threshold of about two pages' bodies: some pages fill the batch, the rest waits for the flush.
        let batch = BodyBatch(threshold: 60_000)
        var got = SnapshotMembers()
        var writtenAfterPage: [Int] = []
        for page in pages {
            got += try await batched.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] }
            writtenAfterPage.append(try await Self.bodyCount(batched))
        }
        #expect(got.newBodies == 0, "pages in a batch count no new bodies; the batch does")
        #expect(writtenAfterPage.first == 0 && writtenAfterPage.contains { $0 > 0 && $0 < 720 }, "\(writtenAfterPage)")
        let flushed = try await batched.flush(batch)
        #expect(flushed.newBodies == 720 && flushed.newBodies == expected.newBodies)
        #expect(flushed.newBytes == expected.newBytes)
        #expect(got.members == expected.members)
        #expect(try await Self.bodyCount(batched) == 720)
        for member in got.members.prefix(50) {
            #expect(try await batched.object(digest: member.digest) == perPage.object(digest: member.digest))
        }
        // Flushing again writes nothing and keeps the counts.
        let again = try await batched.flush(batch)
        #expect(again.newBodies == 720)
    }

    @Test("a snapshot given the batch writes its waiting bodies in its transaction: the same snapshot and counts as a flush before it")
    func snapshotWritesWaitingBodies() async throws {
        let pages = Self.pages().prefix(5)
        let directory = try TemporaryDirectory()
        var results: [SnapshotWriteResult] = []
        for name in ["flush-first", "given-batch"] {
            let store = try EvidenceStore.open(path: directory.path + "/\(name).sqlite")
            let run = try await store.beginRun(Fixtures.info, at: Fixtures.t0)
            let batch = BodyBatch(threshold: 60_000)
            var members = SnapshotMembers()
            for page in pages {
                members += try await store.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] }
            }
            #expect(try await Self.bodyCount(store) < 600, "some bodies still wait in the batch")
            if name == "flush-first" {
                let flushed = try await store.flush(batch)
                members.newBodies += flushed.newBodies
                members.newBytes += flushed.newBytes
                results.append(try await store.writeSnapshot(run: run, label: "s", members: members, takenAt: Fixtures.t0))
            } else {
                results.append(try await store.writeSnapshot(run: run, label: "s", members: members, takenAt: Fixtures.t0, batch: batch))
            }
            #expect(try await Self.bodyCount(store) == 600)
            #expect(try await store.verifyIntegrity(run: run).isEmpty)
        }
        #expect(results[1].newBodies == 600 && results[1].newBodies == results[0].newBodies)
        #expect(results[1].newBytes == results[0].newBytes)
        #expect(results[1].snapshot.digest == results[0].snapshot.digest && results[1].snapshot.objectCount == 600)
    }

    @Test("bodies waiting in a batch are neither in the store nor known as stored until their transaction commits")
    func knownOnlyOnceWritten() async throws {
        let page = Self.pages()[0]
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let batch = BodyBatch(threshold: .max)
        let members = try await store.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] }
        #expect(members.members.count == page.count)
        #expect(try await Self.bodyCount(store) == 0, "a batch never flushed leaves nothing in the store")
        let known = try #require(store.knownVersions)
        let keys = page.map { object in KnownVersions.key(of: object, identity: ObjectIdentity(object: object)!)! }
        #expect(keys.allSatisfy { known.digest(for: $0) == nil }, "no version is known before its body is written")
        _ = try await store.flush(batch)
        #expect(try await Self.bodyCount(store) == page.count)
        #expect(keys.allSatisfy { known.digest(for: $0) != nil }, "every version is known once its body is written")
    }
}
