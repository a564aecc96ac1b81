import Foundation
import ProofCore
import Synchronization
import Testing

@testable import ProofStore

/// Bodies of several pages written together (`BodyBatch`): the same members, bodies, counts and snapshot as a
/// write per page; nothing written or remembered before its transaction; the rest written by the snapshot.
@Suite("Bodies of several pages in one transaction")
struct BodyBatchTests {
    static func pages() -> [[JSON]] {
        (0..<6).map { page in (0..<120).map { Fixtures.pod(page * 120 + $0) } }
    }

    static func bodyCount(_ store: EvidenceStore) async throws -> Int {
        try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") ?? 0 }
    }

    @Test("batched pages and a snapshot given the batch: the members, bodies, counts and snapshot of a write per page")
    func sameAsPerPage() async throws {
        // Five pages and a threshold of about two pages' bodies: some pages fill the batch, the last waits for
        // the snapshot.
        let pages = Self.pages().prefix(5)
        let directory = try TemporaryDirectory()
        let perPage = try EvidenceStore.open(path: directory.path + "/per-page.sqlite")
        let batched = try EvidenceStore.open(path: directory.path + "/batched.sqlite")
        var expectedPages: [SnapshotMembers] = []
        for page in pages {
            expectedPages.append(try await perPage.storeBodies(count: page.count, label: "pods", fromServer: true) { page[$0] })
        }
        let expected = SnapshotMembers(joining: expectedPages)
        let expectedRun = try await perPage.beginRun(Fixtures.info, at: Fixtures.t0)
        let expectedSnapshot = try await perPage.writeSnapshot(run: expectedRun, label: "s", members: expected, takenAt: Fixtures.t0)
        let batch = BodyBatch(threshold: 60_000)
        var gotPages: [SnapshotMembers] = []
        var writtenAfterPage: [Int] = []
        for page in pages {
            gotPages.append(try await batched.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] })
            // A full batch is written in a task of its own; wait for it before counting.
            try await batch.waitForWrites()
            writtenAfterPage.append(try await Self.bodyCount(batched))
        }
        let got = SnapshotMembers(joining: gotPages)
        #expect(got.newBodies == 0, "pages in a batch count no new bodies; the batch does")
        #expect(writtenAfterPage.first == 0 && writtenAfterPage.contains { $0 > 0 && $0 < 600 }, "\(writtenAfterPage)")
        #expect(writtenAfterPage.last! < 600, "some bodies still wait in the batch")
        #expect(got.members == expected.members)
        let run = try await batched.beginRun(Fixtures.info, at: Fixtures.t0)
        let written = try await batched.writeSnapshot(run: run, label: "s", members: got, takenAt: Fixtures.t0, batch: batch)
        #expect(written.newBodies == 600 && written.newBodies == expectedSnapshot.newBodies)
        #expect(written.newBytes == expectedSnapshot.newBytes)
        #expect(written.snapshot.digest == expectedSnapshot.snapshot.digest && written.snapshot.objectCount == 600)
        #expect(try await Self.bodyCount(batched) == 600)
        #expect(try await batched.verifyIntegrity(run: run).isEmpty)
        for member in got.members.prefix(50) {
            #expect(try await batched.object(digest: member.digest) == perPage.object(digest: member.digest))
        }
        #expect(batch.takeAll().isEmpty, "the snapshot left nothing waiting")
    }

    @Test("bodies waiting in a batch are neither in the store nor known as stored until their transaction commits")
    func knownOnlyOnceWritten() async throws {
        let page = Self.pages()[0]
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let batch = BodyBatch(threshold: .max)
        let members = try await store.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] }
        #expect(members.members.count == page.count)
        #expect(try await Self.bodyCount(store) == 0, "a batch not yet written leaves nothing in the store")
        let known = try #require(store.knownVersions)
        let keys = page.map { object in KnownVersions.key(of: object, identity: ObjectIdentity(object: object)!)! }
        #expect(keys.allSatisfy { known.digest(for: $0) == nil }, "no version is known before its body is written")
        let run = try await store.beginRun(Fixtures.info, at: Fixtures.t0)
        _ = try await store.writeSnapshot(run: run, label: "s", members: members, takenAt: Fixtures.t0, batch: batch)
        #expect(try await Self.bodyCount(store) == page.count)
        #expect(keys.allSatisfy { known.digest(for: $0) != nil }, "every version is known once its body is written")
    }

    @Test("a batch is written after a watch event's body went in through the same statement (left as GRDB ran it)")
    func batchAfterWatchEvents() async throws {
        let page = Self.pages()[0]
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info, at: Fixtures.t0)
        try await store.recordWatchEvents([WatchEvent(at: Fixtures.t0, type: "ADDED", object: Fixtures.pod(9_999))], run: run)
        let batch = BodyBatch(threshold: .max)
        let members = try await store.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] }
        let written = try await store.writeSnapshot(run: run, label: "s", members: members, takenAt: Fixtures.t0, batch: batch)
        #expect(written.newBodies == page.count)
        #expect(try await Self.bodyCount(store) == page.count + 1)
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("the bodies still waiting as the lists end, written early: the snapshot waits for them and counts them")
    func waitingBodiesWrittenEarly() async throws {
        let pages = Self.pages().prefix(3)
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let batch = BodyBatch(threshold: 60_000)
        var got: [SnapshotMembers] = []
        for page in pages {
            got.append(try await store.storeBodies(count: page.count, label: "pods", fromServer: true, batch: batch) { page[$0] })
        }
        try await store.writeWaitingBodies(of: batch)
        #expect(batch.takeAll().isEmpty, "handed to the writer: nothing waits for the snapshot")
        let run = try await store.beginRun(Fixtures.info, at: Fixtures.t0)
        let written = try await store.writeSnapshot(
            run: run, label: "s", members: SnapshotMembers(joining: got), takenAt: Fixtures.t0, batch: batch)
        #expect(written.newBodies == 360 && written.snapshot.objectCount == 360)
        #expect(try await Self.bodyCount(store) == 360)
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    struct WriteFailed: Error {}

    @Test("a full batch's write runs in a task of its own: the call returns before it ends, and waiting sees it done", .timeLimit(.minutes(1)))
    func writeReturnsBeforeItsTransaction() async throws {
        let batch = BodyBatch(threshold: .max)
        let done = Mutex<[Int]>([])
        let (gate, open) = AsyncStream<Void>.makeStream()
        try await batch.writeInBackground {
            for await _ in gate { break }
            done.withLock { $0.append(1) }
        }
        #expect(done.withLock { $0 }.isEmpty, "the page that filled the batch goes on before the batch is written")
        open.yield()
        open.finish()
        try await batch.waitForWrites()
        #expect(done.withLock { $0 } == [1])
    }

    @Test("full batches are written one after another, a new one only once the one before is done")
    func writesInOrder() async throws {
        let batch = BodyBatch(threshold: .max)
        let done = Mutex<[Int]>([])
        try await batch.writeInBackground {
            try await Task.sleep(for: .milliseconds(30))
            done.withLock { $0.append(1) }
        }
        try await batch.writeInBackground { done.withLock { $0.append(2) } }
        #expect(done.withLock { $0 }.first == 1, "handing over the second waited for the first (two batches in memory at most)")
        try await batch.waitForWrites()
        #expect(done.withLock { $0 } == [1, 2])
    }

    @Test("a failed batch write reaches whoever waits next, and no later batch is written after it")
    func failedWriteIsReported() async throws {
        let batch = BodyBatch(threshold: .max)
        let done = Mutex<[Int]>([])
        try await batch.writeInBackground { throw WriteFailed() }
        await #expect(throws: WriteFailed.self) { try await batch.waitForWrites() }
        await #expect(throws: WriteFailed.self) { try await batch.writeInBackground { done.withLock { $0.append(3) } } }
        await #expect(throws: WriteFailed.self) { try await batch.waitForWrites() }
        #expect(done.withLock { $0 }.isEmpty)
    }
}
