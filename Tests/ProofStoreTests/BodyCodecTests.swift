import Foundation
import GRDB
import ProofCore
import Synchronization
import Testing

@testable import ProofStore

/// Bodies of ``BodyCodec/compressionThreshold`` bytes or more are stored as LZ4 frames (zlib streams before schema
/// 5): digests, reads, integrity checks and stores written before compression, or with zlib, must not notice.
@Suite("Body codec")
struct BodyCodecTests {
    @Test("a large body is an LZ4 BLOB smaller than its JSON, a small one stays text, and both read back")
    func largeBodiesAreCompressed() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        let small = Fixtures.namespace("small")
        let large = Fixtures.pod(1, padding: 4000)
        let written = try await store.writeSnapshot(run: run, label: "a", objects: [small, large])
        let rows = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT digest, typeof(body) AS type, length(body) AS stored, size FROM objects ORDER BY size")
                .map { ($0["digest"] as String, $0["type"] as String, $0["stored"] as Int, $0["size"] as Int) }
        }
        #expect(rows.count == 2)
        #expect(rows[0].1 == "text" && rows[0].2 == rows[0].3, "the small body stays canonical JSON text")
        #expect(rows[1].1 == "blob" && rows[1].2 * 4 < rows[1].3, "the large body is compressed: \(rows[1].2) of \(rows[1].3) bytes")
        let head = try await store.read { db in try Data.fetchOne(db, sql: "SELECT substr(body, 1, 4) FROM objects WHERE typeof(body) = 'blob'") }
        #expect(head.map(Array.init) == BodyCodec.lz4Magic, "a new blob is an LZ4 frame")
        let objects = try await store.objects(snapshot: written.snapshot.id)
        #expect(objects.count == 2)
        for object in objects {
            let body = try #require(object.body)
            #expect(body.digest == object.digest, "the digest is the canonical JSON's, not the stored bytes'")
        }
        #expect(written.newBytes == rows[0].3 + rows[1].3, "newBytes counts canonical JSON, not stored bytes")
        let viaSQL = try await store.read { db in
            try String.fetchOne(db, sql: "SELECT json_extract(proof_body(body), '$.spec.nodeName') FROM objects WHERE typeof(body) = 'blob'")
        }
        #expect(viaSQL == "kind-worker", "proof_body() makes compressed bodies queryable in SQL")
        try await store.finishRun(run, status: .passed, exitCode: 0)
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("a damaged LZ4 body is an integrity problem, not a crash or a thrown error")
    func damagedBlobIsReported() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        _ = try await store.writeSnapshot(run: run, label: "a", objects: [Fixtures.pod(1, padding: 4000)])
        try await store.finishRun(run, status: .passed, exitCode: 0)
        try await store.write { db in
            try db.execute(sql: "DROP TRIGGER objects_append_only_update")
            try db.execute(sql: "UPDATE objects SET body = substr(body, 1, 20) || x'00ff00ff' || substr(body, 25) WHERE typeof(body) = 'blob'")
        }
        let problems = try await store.verifyIntegrity(run: run)
        #expect(problems.contains { $0.location.hasPrefix("object ") && $0.message.contains("edited") }, "\(problems)")
    }

    /// lz4 writes the frames, and they are standard ones: bodies from 512 bytes to 600 KB (one block up to 4 MB)
    /// round-trip through our reader and through the `lz4` command, and JSON compresses to less than half.
    @Test("bodies of every size round-trip, through our reader and the lz4 command")
    func framesOfEverySize() throws {
        let directory = try TemporaryDirectory()
        var random = SplitMix64(seed: 42)
        var written: [(path: String, json: [UInt8])] = []
        for size in [512, 700, 1_000, 1_800, 3_900, 7_000, 16_000, 40_000, 130_000, 600_000] {
            var json = Array(#"{"items":["#.utf8)
            while json.count < size - 3 {
                let (name, n) = (random.next() >> 50, random.next() >> 40)
                json += Array(#"{"name":"pod-\#(name)","phase":"Running","n":\#(n)},"#.utf8)
            }
            json.removeLast()
            json += Array("]}".utf8)
            guard case .blob(let data) = BodyCodec.encode(json).storage else {
                Issue.record("a \(json.count)-byte body is not compressed")
                continue
            }
            let frame = Array(data)
            // The frame's header: the magic, version 01 with independent blocks and the content size recorded
            // (FLG 0x68), blocks of up to 4 MB (BD 0x70), and that size.
            #expect(Array(frame.prefix(6)) == BodyCodec.lz4Magic + [0x68, 0x70], "frame header \(frame.prefix(6)) for \(json.count) bytes")
            let recorded = frame[6..<14].reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(recorded == json.count)
            #expect(frame.count * 2 < json.count, "\(json.count) bytes of JSON compress to \(frame.count)")
            #expect(try BodyCodec.decompressFrame(frame, size: json.count) == json)
            #expect(try BodyCodec.decode(BodyCodec.encode(json)) == json)
            let path = directory.path + "/body-\(json.count).lz4"
            try data.write(to: URL(fileURLWithPath: path))
            written.append((path, json))
        }
        let lz4 = Process()
        lz4.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        lz4.arguments = ["lz4", "-d", "-q", "-m"] + written.map(\.path)
        try lz4.run()
        lz4.waitUntilExit()
        #expect(lz4.terminationStatus == 0, "lz4 -d (scripts/setup.sh installs the lz4 package)")
        for (path, json) in written {
            let out = String(path.dropLast(".lz4".count))
            #expect(FileManager.default.contents(atPath: out).map(Array.init) == json, "\(out)")
        }
    }

    /// zlib streams (what schemas 3 and 4 wrote) still read: from zlib at level 1, as Python's zlib writes them.
    @Test("a zlib blob still reads, and a damaged one or a damaged frame is an error, not a crash")
    func zlibBlobsStillRead() throws {
        let json = Array(String(repeating: #"{"name":"pod","phase":"Running"},"#, count: 40).utf8)
        let python = Process()
        let directory = try TemporaryDirectory()
        let path = directory.path + "/body.z"
        try Data(json).write(to: URL(fileURLWithPath: path + ".json"))
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sys, zlib; open(sys.argv[1], 'wb').write(zlib.compress(open(sys.argv[1] + '.json', 'rb').read(), 1))", path]
        try python.run()
        python.waitUntilExit()
        let stream = try #require(FileManager.default.contents(atPath: path))
        #expect(stream.first == 0x78, "a zlib stream")
        #expect(try BodyCodec.decode(Data(stream).databaseValue, size: json.count) == json)
        #expect(try BodyCodec.decode(Data(stream).databaseValue) == json, "without the size, the buffer grows")
        #expect(throws: BodyCodecError.self) { try BodyCodec.decode(Data([0x78, 0x01, 0xff, 0x00]).databaseValue) }
        #expect(throws: BodyCodecError.self, "a size no stream of this length holds") { try BodyCodec.decode(Data(stream).databaseValue, size: 1 << 40) }
        guard case .blob(let data) = BodyCodec.encode(json).storage else {
            Issue.record("not compressed")
            return
        }
        let frame = Array(data)
        #expect(throws: BodyCodecError.self, "a frame cut short") { try BodyCodec.decompressFrame(Array(frame.dropLast(9)), size: json.count) }
        #expect(throws: BodyCodecError.self, "a frame of another size") { try BodyCodec.decompressFrame(frame, size: json.count + 1) }
        #expect(throws: BodyCodecError.self, "trailing bytes") { try BodyCodec.decompressFrame(frame + [0, 0, 0, 0], size: json.count) }
        #expect(throws: BodyCodecError.self, "only the magic") { try BodyCodec.decompressFrame(BodyCodec.lz4Magic, size: nil) }
        #expect(throws: BodyCodecError.self, "a size no frame of this length holds (an edited size column)") {
            try BodyCodec.decompressFrame(frame, size: 1 << 40)
        }
    }

    /// The store's workers encode in parallel, each borrowing a compressor from one pool: every body still
    /// comes out as a single caller would write it, and the pool keeps no more than it may.
    @Test("bodies encoded from many threads at once are the bytes one thread writes")
    func concurrentEncoding() throws {
        let bodies = (0..<64).map { n in
            Array(#"{"items":[\#((0..<(40 + n * 7)).map { #"{"name":"pod-\#($0)","n":\#($0 * n)}"# }.joined(separator: ","))]}"#.utf8)
        }
        let alone = bodies.map { BodyCodec.encode($0) }
        let together = Mutex<[Int: DatabaseValue]>([:])
        DispatchQueue.concurrentPerform(iterations: bodies.count * 4) { index in
            let value = BodyCodec.encode(bodies[index % bodies.count])
            together.withLock { $0[index] = value }
        }
        let encoded = together.withLock { $0 }
        #expect(encoded.count == bodies.count * 4)
        for (index, value) in encoded { #expect(value == alone[index % bodies.count], "body \(index % bodies.count)") }
        for (value, body) in zip(alone, bodies) {
            guard case .blob(let data) = value.storage else { Issue.record("not compressed"); continue }
            #expect(try BodyCodec.decompressFrame(Array(data), size: body.count) == body)
        }
        #expect(BodyCodec.compressors.idleCount <= 8)
    }

    @Test("a frame read without the stored size takes the size its header records")
    func decompressWithoutSize() throws {
        let json = Array(String(repeating: #"{"a":"bbbbbbbbbbbbbbbb"},"#, count: 2000).utf8)
        guard case .blob(let data) = BodyCodec.encode(json).storage else {
            Issue.record("a \(json.count)-byte body is not compressed")
            return
        }
        #expect(data.count * 50 < json.count, "highly repetitive JSON compresses over 50x (\(data.count) bytes)")
        #expect(try BodyCodec.decompressFrame(Array(data), size: nil) == json)
    }

    @Test("a store written before compression (the schema-1 fixture) migrates, verifies and reads")
    func schemaOneStoreFromBeforeCompression() async throws {
        let directory = try Self.copyOfCommittedStore("schema1.sqlite")
        let before = try DatabaseQueue(path: directory.database)
        let oldVersion = try await before.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") }
        let blobs = try await before.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE typeof(body) = 'blob'") }
        try before.close()
        try #require(oldVersion == "1" && blobs == 0, "the fixture is a schema-1 store with text bodies")

        let store = try EvidenceStore.open(path: directory.database)
        #expect(try await store.schemaVersion() == Schema.version)
        let runs = try await store.runs()
        #expect(!runs.isEmpty)
        for run in runs {
            #expect(try await store.verifyIntegrity(run: run.id).isEmpty, "run \(run.id) still verifies after the migration")
            for snapshot in try await store.snapshots(run: run.id) {
                let objects = try await store.objects(snapshot: snapshot.id)
                #expect(objects.count == snapshot.objectCount)
                #expect(objects.allSatisfy { $0.body?.digest == $0.digest })
            }
        }
    }

    /// `Tests/Fixtures/stores/schema4.sqlite` was written by main at `a5f1373` (libdeflate's zlib blobs, membership
    /// pages): opened by this build it migrates to schema 5, its runs verify and read, and a new snapshot stores
    /// LZ4 bodies beside the zlib ones, both queryable with `proof_body()`.
    @Test("a schema-4 store (zlib blobs) migrates, verifies, reads, and takes LZ4 bodies beside its zlib ones")
    func schemaFourStoreWithZlibBlobs() async throws {
        let directory = try Self.copyOfCommittedStore("schema4.sqlite")
        let before = try DatabaseQueue(path: directory.database)
        let (oldVersion, zlibBlobs, pages) = try await before.read { db in
            (
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE typeof(body) = 'blob' AND substr(body, 1, 1) = x'78'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM membership_pages WHERE typeof(body) = 'blob'") ?? 0
            )
        }
        try before.close()
        try #require(oldVersion == "4" && zlibBlobs > 500 && pages > 0, "the fixture is a schema-4 store with zlib blobs (\(zlibBlobs)) and compressed pages (\(pages))")

        let reader = try EvidenceStore.open(path: directory.database, access: .readOnly)
        #expect(try await reader.schemaVersion() == 4, "a reader does not migrate")
        let oldRuns = try await reader.runs()
        #expect(oldRuns.count == 2)
        for run in oldRuns { #expect(try await reader.verifyIntegrity(run: run.id).isEmpty, "run \(run.id) verifies read-only") }

        let store = try EvidenceStore.open(path: directory.database)
        #expect(try await store.schemaVersion() == 5)
        var digests: [String: String] = [:]
        for run in try await store.runs() {
            #expect(try await store.verifyIntegrity(run: run.id).isEmpty, "run \(run.id) still verifies after the migration")
            for snapshot in try await store.snapshots(run: run.id) {
                let objects = try await store.objects(snapshot: snapshot.id)
                #expect(objects.count == snapshot.objectCount)
                #expect(objects.allSatisfy { $0.body?.digest == $0.digest })
                digests[snapshot.chainDigest] = snapshot.digest
            }
        }
        #expect(digests.count == 5, "five snapshots (a pod-restart run and a capture)")

        let run = try await store.beginRun(Fixtures.info)
        _ = try await store.writeSnapshot(run: run, label: "after-lz4", objects: [Fixtures.pod(1, padding: 4000), Fixtures.namespace("small")])
        try await store.finishRun(run, status: .passed, exitCode: 0)
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
        let kinds = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT hex(substr(body, 1, 1)) AS head, COUNT(*) AS n, SUM(json_valid(proof_body(body))) AS valid FROM objects WHERE typeof(body) = 'blob' GROUP BY head")
                .map { ($0["head"] as String, $0["n"] as Int, $0["valid"] as Int) }
        }
        #expect(kinds.contains { $0.0 == "04" && $0.1 >= 1 && $0.1 == $0.2 }, "the new body is an LZ4 frame, read by proof_body: \(kinds)")
        #expect(kinds.contains { $0.0 == "78" && $0.1 == zlibBlobs && $0.1 == $0.2 }, "every zlib body still reads through proof_body: \(kinds)")
    }

    /// A temporary folder whose `database` is a copy of `Tests/Fixtures/stores/<name>` (opening a store writes to
    /// it: a writer migrates, and even a reader leaves WAL files).
    static func copyOfCommittedStore(_ name: String) throws -> TemporaryDirectory {
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stores/\(name)").path
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: (directory.database as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: committed, toPath: directory.database)
        return directory
    }
}
