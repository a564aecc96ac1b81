import Foundation
import GRDB
import ProofCore
import Synchronization
import Testing

@testable import ProofStore

/// Bodies of ``BodyCodec/compressionThreshold`` bytes or more are stored as zlib BLOBs: digests, reads,
/// integrity checks and stores written before compression must not notice.
@Suite("Body codec")
struct BodyCodecTests {
    @Test("a large body is a zlib BLOB smaller than its JSON, a small one stays text, and both read back")
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

    @Test("a damaged zlib body is an integrity problem, not a crash or a thrown error")
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

    /// libdeflate writes the streams and zlib reads them: bodies from 512 bytes to 600 KB round-trip through our
    /// inflate and through another zlib (Python's), and JSON compresses to less than half.
    @Test("bodies of every size round-trip, through our inflate and Python's zlib")
    func streamsOfEverySize() throws {
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
            // An RFC 1950 header: deflate, a window of at most 2^15, and a header checksum.
            let (cmf, flg) = (Int(data[data.startIndex]), Int(data[data.startIndex + 1]))
            #expect(cmf & 0x0f == 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 == 0, "zlib header \(cmf) \(flg) for \(json.count) bytes")
            #expect(data.count * 2 < json.count, "\(json.count) bytes of JSON compress to \(data.count)")
            #expect(try BodyCodec.inflate(Array(data), size: json.count) == json)
            let path = directory.path + "/body-\(json.count).z"
            try data.write(to: URL(fileURLWithPath: path))
            written.append((path, json))
        }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sys, zlib\nfor p in sys.argv[1:]:\n    open(p + '.json', 'wb').write(zlib.decompress(open(p, 'rb').read()))"]
            + written.map(\.path)
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        for (path, json) in written {
            #expect(FileManager.default.contents(atPath: path + ".json").map(Array.init) == json, "\(path)")
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
            #expect(try BodyCodec.inflate(Array(data), size: body.count) == body)
        }
        #expect(BodyCodec.compressors.idleCount <= 8)
    }

    @Test("inflating grows its buffer when the size is not known")
    func inflateWithoutSize() throws {
        let json = Array(String(repeating: #"{"a":"bbbbbbbbbbbbbbbb"},"#, count: 2000).utf8)
        guard case .blob(let data) = BodyCodec.encode(json).storage else {
            Issue.record("a \(json.count)-byte body is not compressed")
            return
        }
        #expect(data.count * 50 < json.count, "highly repetitive JSON compresses over 50x (\(data.count) bytes)")
        #expect(try BodyCodec.inflate(Array(data), size: nil) == json)
        #expect(throws: BodyCodecError.self) { try BodyCodec.inflate([0x78, 0x01, 0xff, 0x00], size: nil) }
    }

    @Test("a store written before compression (the schema-1 fixture) migrates, verifies and reads")
    func schemaOneStoreFromBeforeCompression() async throws {
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stores/schema1.sqlite").path
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: (directory.database as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: committed, toPath: directory.database)
        let before = try DatabaseQueue(path: directory.database)
        let oldVersion = try await before.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") }
        let blobs = try await before.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE typeof(body) = 'blob'") }
        try before.close()
        try #require(oldVersion == "1" && blobs == 0, "the fixture is a schema-1 store with text bodies")

        let store = try EvidenceStore.open(path: directory.database)
        #expect(try await store.schemaVersion() == 4)
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
}
