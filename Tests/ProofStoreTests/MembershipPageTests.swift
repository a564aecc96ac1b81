import Foundation
import GRDB
import ProofCore
import Testing

@testable import ProofStore

/// Schema 4: membership as content-addressed pages per kind and namespace, shared between snapshots; and the
/// schema-3 store committed under `Tests/Fixtures/stores/` (made by main before pages existed) still reads.
@Suite struct MembershipPageTests {
    static let schema3 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/stores/schema3.sqlite").path

    /// A copy of the committed schema-3 store at `directory.database`.
    static func copySchema3(into directory: TemporaryDirectory) throws -> String {
        try FileManager.default.createDirectory(atPath: (directory.database as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: schema3, toPath: directory.database)
        return directory.database
    }

    static func count(_ store: EvidenceStore, _ table: String) async throws -> Int {
        try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }

    static let cluster: [JSON] =
        [Fixtures.namespace("airflow-dev"), Fixtures.namespace("mlflow-dev")]
        + (0..<6).map { Fixtures.pod($0, namespace: "airflow-dev") } + (6..<9).map { Fixtures.pod($0, namespace: "mlflow-dev") }

    @Test("a page's bytes, written straight from its members, are the canonical JSON of the page as a JSON value")
    func directBytesAreCanonical() throws {
        var random = SplitMix64(seed: 41)
        let texts = ["", "a", "web-0", "quote\"d", "back\\slash", "tab\tnew\nline", "\u{01}ctl", "é ünïcödé", "😀", "v1", "apps/v1", "kube-system"]
        func text() -> String { texts[Int(random.next() % UInt64(texts.count))] + String(random.next() % 1000) }
        var pages = 0
        for _ in 0..<300 {
            let group = MembershipPage.Group(apiVersion: text(), kind: text(), namespace: random.next() % 4 == 0 ? "" : text())
            let members = (0..<Int(random.next() % 5)).map { _ in
                StoredObject(
                    identity: ObjectIdentity(apiVersion: group.apiVersion, kind: group.kind, namespace: group.namespace, name: text()),
                    uid: random.next() % 3 == 0 ? nil : text(), resourceVersion: random.next() % 3 == 0 ? nil : text(),
                    digest: Digest.sha256Hex(Array(text().utf8)))
            }
            let page = MembershipPage(group: group, members: members)
            #expect(page.canonicalData == page.json.canonicalData, "\(String(decoding: page.json.canonicalData, as: UTF8.self))")
            let decoded = try #require(MembershipPage.decode(page.canonicalData))
            #expect(decoded.group == group && decoded.members.map(\.identity.name) == members.map(\.identity.name))
            pages += 1
        }
        #expect(pages == 300)
    }

    /// Pages taken from the memo of earlier encodings must be exactly the pages encoding gives: through a
    /// sequence of snapshots where members change version, appear, vanish and move between pages.
    @Test("pages and digest re-used from the memo or the last snapshot equal fresh ones through changes, additions and removals")
    func memoisedPagesEqualEncodedOnes() {
        func member(_ name: String, namespace: String, version: Int) -> SnapshotMember {
            let identity = ObjectIdentity(apiVersion: "v1", kind: "Pod", namespace: namespace, name: name)
            return SnapshotMember(
                key: EvidenceDigest.memberKey(identity), identity: identity, uid: "uid-\(name)", resourceVersion: "\(version)",
                digest: Digest.sha256Hex("\(namespace)/\(name)@\(version)"))
        }
        let memo = EncodedPageMemo(capacity: MembershipPage.memoCapacity)
        let last = LastMembership()
        var random = SplitMix64(seed: 7)
        var versions: [String: Int] = [:]
        for name in (0..<700).map({ "pod-\($0)" }) { versions[name] = 1 }
        for round in 0..<12 {
            // Each round: a few new versions, one pod gone, one new pod (names sort across page boundaries).
            for _ in 0..<5 {
                let name = "pod-\(Int.random(in: 0..<700, using: &random))"
                if versions[name] != nil { versions[name]! += 1 }
            }
            versions["pod-\(round * 37 % 700)"] = nil
            versions["new-\(round)"] = 1
            let members = versions.flatMap { name, version in
                [member(name, namespace: "a", version: version), member(name, namespace: "b", version: version + round)]
            }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            let fresh = MembershipPage.pages(of: members)
            let memoised = MembershipPage.pages(of: members, memo: memo)
            #expect(memoised.map(\.digest) == fresh.map(\.digest), "round \(round)")
            #expect(memoised.map(\.part) == fresh.map(\.part) && memoised.map(\.count) == fresh.map(\.count))
            #expect(memoised.map(\.stored) == fresh.map(\.stored) && memoised.map(\.size) == fresh.map(\.size))
            // The snapshot before's pages and digest, re-used where a kind in a namespace is unchanged (every
            // round changes both namespaces; each second round is written twice, the second time unchanged).
            let digest = EvidenceDigest.members(sortedKeys: members.map { ($0.key, $0.digest) })
            for repeated in round % 2 == 0 ? [false, true] : [false] {
                let encoded = MembershipPage.encode(members, memo: memo, last: last)
                #expect(encoded.pages.map(\.digest) == fresh.map(\.digest), "round \(round)")
                #expect(encoded.pages.map(\.group) == fresh.map(\.group) && encoded.pages.map(\.part) == fresh.map(\.part))
                #expect(encoded.pages.map(\.stored) == fresh.map(\.stored) && encoded.pages.map(\.count) == fresh.map(\.count))
                #expect(encoded.digest == digest, "round \(round)")
                #expect(encoded.reused == (repeated ? 2 : 0), "round \(round): groups re-used")
            }
        }
        // A group that vanished leaves the digest to be computed again, though every remaining group is re-used.
        let members = versions.map { member($0.key, namespace: "a", version: $0.value) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        let pairs = versions.flatMap { name, version in [member(name, namespace: "a", version: version), member(name, namespace: "b", version: version)] }
        _ = MembershipPage.encode(pairs.sorted { $0.key.lexicographicallyPrecedes($1.key) }, memo: memo, last: last)
        let shrunk = MembershipPage.encode(members, memo: memo, last: last)
        #expect(shrunk.reused == 1)
        #expect(shrunk.digest == EvidenceDigest.members(sortedKeys: members.map { ($0.key, $0.digest) }))
    }

    @Test("the membership digest, hashed a chunk at a time, is SHA-256 over every member's line written out whole")
    func digestOverLines() {
        // About 180 bytes a line: 2,000 members cross the 64 KB chunk many times.
        for count in [0, 1, 2_000] {
            let members = (0..<count).map { index in
                let identity = ObjectIdentity(apiVersion: "v1", kind: "Pod", namespace: "ns-\(index / 100)", name: "pod-\(index)")
                return SnapshotMember(
                    key: EvidenceDigest.memberKey(identity), identity: identity, uid: nil, resourceVersion: nil,
                    digest: Digest.sha256Hex(Array("\(index)".utf8)))
            }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            var lines: [UInt8] = []
            for member in members { lines += member.key + [0x09] + Array(member.digest.utf8) + [0x0A] }
            #expect(EvidenceDigest.members(sorted: members) == Digest.sha256Hex(lines), "\(count) members")
            #expect(EvidenceDigest.members(sortedKeys: members.map { ($0.key, $0.digest) }) == Digest.sha256Hex(lines))
        }
    }

    @Test("a snapshot of unchanged objects adds no page, only one reference per kind and namespace")
    func unchangedMembershipIsShared() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        let first = try await store.writeSnapshot(run: run, label: "one", objects: Self.cluster)
        // Namespaces (cluster-scoped), Pods in airflow-dev, Pods in mlflow-dev.
        #expect(try await Self.count(store, "membership_pages") == 3)
        #expect(try await Self.count(store, "snapshot_pages") == 3)
        #expect(try await Self.count(store, "snapshot_objects") == 0, "schema 4 writes no per-object membership rows")

        let second = try await store.writeSnapshot(run: run, label: "two", objects: Self.cluster.reversed())
        #expect(try await Self.count(store, "membership_pages") == 3, "an unchanged cluster shares every page")
        #expect(try await Self.count(store, "snapshot_pages") == 6)
        #expect(second.snapshot.digest == first.snapshot.digest)

        // One Pod in mlflow-dev changes: one new page, the other two are shared.
        var changed = Self.cluster
        changed[changed.count - 1] = Fixtures.pod(8, namespace: "mlflow-dev", resourceVersion: "2")
        let third = try await store.writeSnapshot(run: run, label: "three", objects: changed)
        #expect(try await Self.count(store, "membership_pages") == 4)
        #expect(third.snapshot.digest != first.snapshot.digest)

        // Read back in identity order, with uid, resourceVersion and bodies; the digest is the one defined
        // over the members, whatever the storage.
        let members = try await store.objects(snapshot: third.snapshot.id)
        #expect(members.map(\.identity) == Self.cluster.compactMap { ObjectIdentity(object: $0) }.sorted())
        #expect(members.allSatisfy { $0.body?.digest == $0.digest && $0.uid != nil })
        #expect(members.last?.resourceVersion == "2")
        #expect(EvidenceDigest.members(members.map { ($0.identity, $0.digest) }) == third.snapshot.digest)
        #expect(try await store.memberCounts(snapshot: third.snapshot.id) == ["Namespace": ["": 2], "Pod": ["airflow-dev": 6, "mlflow-dev": 3]])
        let digests = try await store.memberDigests(run: run)
        #expect(digests[first.snapshot.id] == (try await store.objects(snapshot: first.snapshot.id, bodies: false)).map(\.digest))
        #expect(digests[third.snapshot.id] == members.map(\.digest))
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("a large kind in one namespace is several pages cut by name, so one changed object rewrites one page")
    func largeGroupsAreCutIntoPagesByName() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        let pods = (0..<600).map { Fixtures.pod($0) }
        let first = try await store.writeSnapshot(run: run, label: "one", objects: pods)
        let parts = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT part, member_count FROM snapshot_pages WHERE snapshot_id = ? ORDER BY part", arguments: [first.snapshot.id.rawValue])
                .map { (part: $0[0] as Int, count: $0[1] as Int) }
        }
        #expect(parts.count > 2 && parts.map(\.part) == Array(0..<parts.count), "600 Pods in one namespace are cut into numbered pages")
        #expect(parts.map(\.count).reduce(0, +) == 600 && parts.allSatisfy { $0.count <= MembershipPage.maxPart })
        let pages = try await Self.count(store, "membership_pages")

        var changed = pods
        changed[300] = Fixtures.pod(300, resourceVersion: "2")
        let second = try await store.writeSnapshot(run: run, label: "two", objects: changed)
        #expect(try await Self.count(store, "membership_pages") == pages + 1, "only the changed Pod's page is new")
        changed.append(Fixtures.pod(600))
        let third = try await store.writeSnapshot(run: run, label: "three", objects: changed)
        #expect(try await Self.count(store, "membership_pages") <= pages + 3, "an added Pod rewrites its page (or splits it in two)")

        for written in [first, second, third] {
            let members = try await store.objects(snapshot: written.snapshot.id, bodies: false)
            #expect(members.map(\.identity) == members.map(\.identity).sorted { EvidenceDigest.memberKey($0).lexicographicallyPrecedes(EvidenceDigest.memberKey($1)) })
            #expect(EvidenceDigest.members(members.map { ($0.identity, $0.digest) }) == written.snapshot.digest)
        }
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("the committed schema-3 store opens read-only as it is, then migrates to 4 and still reads and verifies")
    func schemaThreeStoreKeepsWorking() async throws {
        let directory = try TemporaryDirectory()
        let path = try Self.copySchema3(into: directory)
        let reader = try EvidenceStore.open(path: path, access: .readOnly)
        try #require(try await reader.schemaVersion() == 3, "the fixture is a schema-3 store")
        let runs = try await reader.runs()
        try #require(runs.count == 2)
        var before: [SnapshotID: [StoredObject]] = [:]
        for run in runs {
            #expect(try await reader.verifyIntegrity(run: run.id).isEmpty)
            for snapshot in try await reader.snapshots(run: run.id) {
                let objects = try await reader.objects(snapshot: snapshot.id)
                #expect(objects.count == snapshot.objectCount && objects.allSatisfy { $0.body?.digest == $0.digest })
                #expect(try await reader.memberCounts(snapshot: snapshot.id).values.flatMap(\.values).reduce(0, +) == snapshot.objectCount)
                before[snapshot.id] = objects
            }
        }

        let store = try EvidenceStore.open(path: path)
        #expect(try await store.schemaVersion() == Schema.version)
        for run in runs {
            #expect(try await store.verifyIntegrity(run: run.id).isEmpty, "run \(run.id) verifies after the migration")
            let digests = try await store.memberDigests(run: run.id)
            for snapshot in try await store.snapshots(run: run.id) {
                #expect(try await store.objects(snapshot: snapshot.id) == before[snapshot.id])
                #expect(digests[snapshot.id] == before[snapshot.id]?.map(\.digest))
            }
        }
        // The same membership written as pages hashes to the same snapshot digest as its schema-3 rows.
        let old = try #require(try await store.snapshots(run: runs[1].id).first)
        let bodies = try #require(before[old.id]).compactMap(\.body)
        let run = try await store.beginRun(Fixtures.info)
        let written = try await store.writeSnapshot(run: run, label: "again", objects: bodies)
        #expect(written.snapshot.digest == old.digest && written.snapshot.objectCount == old.objectCount)
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("a page whose bytes or reference were edited is reported by verifyIntegrity, not trusted by readers")
    func editedPagesAreReported() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        let snapshot = try await store.writeSnapshot(run: run, label: "one", objects: Self.cluster).snapshot
        // The same members, not in canonical form: the page no longer hashes to its address.
        try await store.pool.writeWithoutTransaction { db in
            try db.execute(sql: """
                DROP TRIGGER membership_pages_append_only_update;
                UPDATE membership_pages SET body = ' ' || body
                WHERE digest = (SELECT page_digest FROM snapshot_pages WHERE kind = 'Namespace');
                """)
        }
        let problems = try await store.verifyIntegrity(run: run)
        #expect(problems.contains { $0.message.contains("(Namespace in '') hashes to") && $0.message.contains("the page was edited") })
        await #expect(throws: StoreError.self) { try await store.objects(snapshot: snapshot.id) }
    }
}

extension MembershipPage {
    /// The page as a JSON value, the format as its documentation states it: what `canonicalData` must encode.
    var json: JSON {
        let rows: [JSON] = members.map { member in
            .array([
                .string(member.identity.name), member.uid.map(JSON.string) ?? .null,
                member.resourceVersion.map(JSON.string) ?? .null, .string(member.digest),
            ])
        }
        return JSON.object([
            "v": 1, "apiVersion": .string(group.apiVersion), "kind": .string(group.kind),
            "namespace": .string(group.namespace), "members": .array(rows),
        ])
    }
}
