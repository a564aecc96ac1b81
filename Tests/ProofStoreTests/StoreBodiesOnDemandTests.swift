import Foundation
import Synchronization
import ProofCore
import Testing

@testable import ProofStore

/// `storeBodies(count:object:)`, the on-demand form a capture uses (objects decoded from a list page on the
/// store's workers), against `storeBodies(_:)` with the same objects built up front.
@Suite("Store bodies made on demand")
struct StoreBodiesOnDemandTests {
    @Test("objects made on demand give the same members, digests and new bodies as objects passed whole; nil leaves one out")
    func onDemandMatchesWhole() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        // More than one worker chunk, with a Secret whose values must be redacted on both paths.
        var objects = (0..<300).map { Fixtures.pod($0) }
        objects.append([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "namespace": "a", "uid": "u-s", "resourceVersion": "3"],
            "data": ["password": "aHVudGVyMg=="],
        ])
        let kept = objects.enumerated().filter { $0.offset % 7 != 3 }.map(\.element)
        let texts = objects.map(\.canonicalData)
        // Every 7th left out. (Not `cond ? nil : value`: JSON is ExpressibleByNilLiteral, that nil is JSON.null.)
        @Sendable func make(_ index: Int) throws -> JSON? {
            if index % 7 == 3 { return nil }
            return try JSON(parsing: texts[index])
        }
        let got = try await store.storeBodies(count: objects.count, label: "page", object: make)
        #expect(got.newBodies == kept.count)
        // The same objects passed whole (same store, same salt): the same members, and nothing new to write.
        let expected = try await store.storeBodies(kept, label: "page")
        #expect(got.members == expected.members)
        #expect(expected.newBodies == 0)
        #expect(got.members.count == kept.count)
        let secret = try #require(got.members.first { $0.identity.kind == "Secret" })
        let body = try #require(try await store.object(digest: secret.digest))
        #expect(body[path: ["data", "password"]]?.stringValue?.hasPrefix("[REDACTED secret-value") == true)
        // From a server, the second time every version is known: nothing is encoded or written, same members.
        _ = try await store.storeBodies(count: objects.count, label: "page", fromServer: true, object: make)
        let again = try await store.storeBodies(count: objects.count, label: "page", fromServer: true, object: make)
        #expect(again.members == expected.members && again.newBodies == 0)
    }

    @Test("the first error by index is thrown, and nothing is written")
    func firstErrorWins() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        struct Broken: Error {}
        let error = await #expect(throws: StoreError.self) {
            try await store.storeBodies(count: 200, label: "page") { index in
                switch index {
                case 150: throw Broken()
                case 70: return ["metadata": ["name": "nameless"]]
                default: return Fixtures.pod(index)
                }
            }
        }
        #expect(error?.code == .objectWithoutIdentity)
        #expect(error?.description.contains("object #71") == true)
        await #expect(throws: Broken.self) {
            try await store.storeBodies(count: 200, label: "page") { index in
                if index == 150 { throw Broken() }
                return Fixtures.pod(index)
            }
        }
        let bodies = try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") }
        #expect(bodies == 0)
    }
}

/// Counts calls from several threads.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    func tick() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite("Store bodies: known versions read without decoding")
struct StoreBodiesKnownVersionTests {
    @Test("a version stored before, recognised from its head, is not made again and gives the same member")
    func knownVersionsAreNotMade() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        var objects = (0..<150).map { Fixtures.pod($0) }
        objects.append(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "no-uid", "namespace": "a"]])
        let frozen = objects
        @Sendable func version(_ index: Int) -> ObjectVersion? {
            let object = frozen[index]
            guard let identity = ObjectIdentity(object: object), let uid = object[path: ["metadata", "uid"]]?.stringValue,
                let resourceVersion = object[path: ["metadata", "resourceVersion"]]?.stringValue
            else { return nil }
            return ObjectVersion(identity: identity, uid: uid, resourceVersion: resourceVersion)
        }
        let made = CallCounter()
        let first = try await store.storeBodies(count: frozen.count, label: "page", fromServer: true, version: version) { index in
            made.tick()
            return frozen[index]
        }
        #expect(made.value == frozen.count, "nothing is known yet: every object is made")
        let again = CallCounter()
        let second = try await store.storeBodies(count: frozen.count, label: "page", fromServer: true, version: version) { index in
            again.tick()
            return frozen[index]
        }
        #expect(again.value == 1, "only the object without a uid is made again")
        #expect(second.members == first.members && second.newBodies == 0)
        // Not from a server: the version is never consulted, every object is made.
        let local = CallCounter()
        _ = try await store.storeBodies(count: frozen.count, label: "page", version: version) { index in
            local.tick()
            return frozen[index]
        }
        #expect(local.value == frozen.count)
    }

    @Test("a one-snapshot handle remembers nothing for later captures and stores the same members")
    func oneSnapshotHandleRemembersNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database, oneSnapshot: true)
        #expect(store.knownVersions == nil && store.pageMemo == nil)
        let frozen = (0..<80).map { Fixtures.pod($0) }
        let made = CallCounter()
        let first = try await store.storeBodies(count: frozen.count, label: "page", fromServer: true, kind: "Pod") { index in
            made.tick()
            return frozen[index]
        }
        let second = try await store.storeBodies(count: frozen.count, label: "page", fromServer: true, kind: "Pod") { index in
            made.tick()
            return frozen[index]
        }
        #expect(made.value == 2 * frozen.count, "nothing is remembered: every object is made both times")
        #expect(second.members == first.members && second.newBodies == 0)
        let run = try await store.beginRun(Fixtures.info)
        let written = try await store.writeSnapshot(run: run, label: "one", members: first)
        #expect(written.snapshot.objectCount == frozen.count)
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("with the page's kind given, a kind never stored is not looked up; once stored it is")
    func firstCaptureOfAKindSkipsTheLookup() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let frozen = (0..<100).map { Fixtures.pod($0) }
        let peeked = CallCounter()
        @Sendable func version(_ index: Int) -> ObjectVersion? {
            peeked.tick()
            let object = frozen[index]
            return ObjectVersion(
                identity: ObjectIdentity(object: object)!, uid: object[path: ["metadata", "uid"]]!.stringValue!,
                resourceVersion: object[path: ["metadata", "resourceVersion"]]!.stringValue!)
        }
        let first = try await store.storeBodies(count: frozen.count, label: "page", fromServer: true, kind: "Pod", version: version) { frozen[$0] }
        #expect(peeked.value == 0, "no Pod was stored before: nothing is looked up")
        let made = CallCounter()
        let second = try await store.storeBodies(count: frozen.count, label: "page", fromServer: true, kind: "Pod", version: version) { index in
            made.tick()
            return frozen[index]
        }
        #expect(peeked.value == frozen.count && made.value == 0, "Pods are known now: every one is looked up, none made")
        #expect(second.members == first.members)
    }
}

/// `WALWriteback`: the head start a store gives the kernel on writing its WAL back (`sync_file_range`).
@Suite("WAL writeback")
struct WALWritebackTests {
    @Test("the kernel takes the request for a store's WAL; without a WAL nothing is asked")
    func startsWritebackOfTheWAL() async throws {
        let directory = try TemporaryDirectory()
        let missing = WALWriteback(databasePath: directory.path + "/none.sqlite")
        #expect(!missing.start(), "no -wal file: nothing to write back")
        let store = try EvidenceStore.open(path: directory.database)
        _ = try await store.storeBodies((0..<50).map { Fixtures.pod($0) }, label: "page")
        let writeback = try #require(store.walWriteback)
        #expect(FileManager.default.fileExists(atPath: writeback.path))
        #expect(writeback.start(), "sync_file_range on the -wal answered 0")
        // Dirty pages of the WAL being written back or written: the store still reads what it wrote.
        #expect(try await store.storeBodies((0..<50).map { Fixtures.pod($0) }, label: "page").newBodies == 0)
        let readOnly = try EvidenceStore.open(path: directory.database, access: .readOnly)
        #expect(readOnly.walWriteback == nil)
    }
}
