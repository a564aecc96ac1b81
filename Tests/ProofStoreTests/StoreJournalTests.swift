import Foundation
import GRDB
import ProofCore
import Testing

@testable import ProofStore

@Suite("Store journal modes")
struct StoreJournalTests {
    /// The journal mode SQLite reports for the file at `path`, read without changing it.
    static func journalMode(_ path: String) throws -> String {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
        }
    }

    /// A new store written as `proof capture` writes one: a run, finished, with `objects` in its snapshot.
    static func newCaptureStore(_ path: String, objects: [JSON]) async throws -> EvidenceStore {
        let store = try EvidenceStore.open(path: path, oneSnapshot: true)
        let run = try await store.beginRun(Fixtures.info)
        _ = try await store.writeSnapshot(run: run, label: "start", objects: objects, step: nil, takenAt: Fixtures.t0)
        try await store.finishRun(run, status: .passed, exitCode: 0)
        return store
    }

    @Test("a new store written by one capture uses a rollback journal, leaves one file, and turns to WAL when reopened")
    func newCaptureStoreUsesRollbackJournal() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.database
        do {
            let store = try await Self.newCaptureStore(path, objects: (0..<50).map { Fixtures.pod($0) })
            // The schema was written without syncs; evidence is not (1: NORMAL).
            #expect(try await store.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 1)
            #expect(try await store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "delete")
        }
        let folder = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["evidence.sqlite"])
        #expect(try Self.journalMode(path) == "delete")

        // Opened again for one snapshot, an existing file keeps the WAL its other writers use.
        let again = try EvidenceStore.open(path: path)
        #expect(try await again.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        let runs = try await again.runs()
        #expect(runs.count == 1)
        #expect(try await again.verifyIntegrity(run: runs[0].id).isEmpty)
        let single = try EvidenceStore.open(path: path, oneSnapshot: true)
        #expect(try await single.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test("a read-only open rolls back a write a killed process left in the rollback journal")
    func readOnlyOpenRollsBackInterruptedWrite() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.database
        _ = try await Self.newCaptureStore(path, objects: [])
        // A crash image: both files copied while a write transaction has spilled pages into the file.
        let copy = try TemporaryDirectory()
        let copied = copy.path + "/evidence.sqlite"
        let writer = try DatabaseQueue(path: path)
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = 2")
            try db.inTransaction {
                try db.execute(sql: "CREATE TABLE filler(x BLOB)")
                for _ in 0..<200 { try db.execute(sql: "INSERT INTO filler VALUES (randomblob(4000))") }
                try FileManager.default.copyItem(atPath: path, toPath: copied)
                try FileManager.default.copyItem(atPath: path + "-journal", toPath: copied + "-journal")
                return .rollback
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: copied)) != Data(contentsOf: URL(fileURLWithPath: path)))

        let reader = try EvidenceStore.open(path: copied, access: .readOnly)
        #expect(try await reader.runs().count == 1)
        #expect(try await reader.read { db in try db.tableExists("filler") } == false)
        #expect(!FileManager.default.fileExists(atPath: copied + "-journal"))
    }
}
