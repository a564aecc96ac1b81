import Foundation
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
