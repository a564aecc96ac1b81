import Foundation
import GRDB
import ProofCore

#if canImport(Glibc)
    import Glibc
#endif

/// The SQLite evidence store: append-only runs, steps, snapshots with content-addressed object bodies, watch
/// events, Loki samples, findings, diagnostics and HTTP exchanges (see `docs/evidence-schema.md`).
///
/// One store is one file, opened in WAL mode with foreign keys on, migrated to the current schema on open —
/// or opened ``Access/readOnly``, never written, for the commands that only read evidence. A new file written
/// by one capture uses SQLite's rollback journal until the next read-write open (see ``open(path:access:oneSnapshot:)``).
/// Every write is one transaction (a snapshot is written whole or not at all) and runs on GRDB's writer
/// queue, never on Swift's cooperative pool; reads run on GRDB's reader pool and do not wait for writes.
/// Everything is normalised and redacted with the store's ``Redaction`` before it is hashed or written.
public final class EvidenceStore: Sendable {
    /// The database file.
    public let path: String
    /// The normaliser, keyed with this store's salt.
    public let redaction: Redaction
    /// A random id given to the file when it was created.
    public let storeID: String
    /// How the file was opened.
    public let access: Access
    /// This handle's session, recorded as the owner of the runs it begins.
    let session: String
    let pool: any DatabaseWriter
    /// Object versions this handle stored already (a later capture skips re-encoding them); `nil` for a
    /// handle that writes one snapshot (``open(path:access:oneSnapshot:)``).
    let knownVersions: KnownVersions?
    /// Membership pages this handle encoded already (a later snapshot re-uses the unchanged ones); `nil` for a
    /// handle that writes one snapshot.
    let pageMemo: EncodedPageMemo?
    /// The membership of the snapshot this handle wrote last (the next one re-uses its unchanged pages); `nil`
    /// for a handle that writes one snapshot.
    let lastMembership: LastMembership?
    /// Starts the WAL's writeback after each batch of bodies; `nil` for a read-only handle.
    let walWriteback: WALWriteback?

    /// How a store is opened.
    public enum Access: Sendable {
        /// Created when missing, migrated, runs closed whose process is gone: what `run`, `capture` and `merge` use.
        case readWrite
        /// Never written, never migrated, never created: what `show`, `replay`, `diff` and `verify` use, so a
        /// downloaded store, a read-only CI artifact or a store in a read-only folder can be read, and reading
        /// leaves the file byte for byte as it was — but for a write a killed process left half done, which is
        /// rolled back first, as SQLite requires. A run whose process is gone reads as `aborted` (derived).
        case readOnly
    }

    private init(
        path: String, pool: any DatabaseWriter, redaction: Redaction, storeID: String, session: String, access: Access, oneSnapshot: Bool
    ) {
        self.knownVersions = oneSnapshot ? nil : KnownVersions()
        self.pageMemo = oneSnapshot ? nil : EncodedPageMemo(capacity: MembershipPage.memoCapacity)
        self.lastMembership = oneSnapshot ? nil : LastMembership()
        self.walWriteback = pool is DatabasePool ? WALWriteback(databasePath: path) : nil
        self.path = path
        self.pool = pool
        self.redaction = redaction
        self.storeID = storeID
        self.session = session
        self.access = access
    }

    deinit {
        let session = session
        RunOwner.liveSessions.withLock { _ = $0.remove(session) }
    }

    /// Opens the store at `path`. Read-write (the default) creates the file (and its directories) when missing,
    /// migrates it to the current schema and closes as `aborted` every run whose process is gone (see
    /// ``closeAbandonedRuns(at:)``); read-only does none of that (see ``Access/readOnly``). Throws
    /// ``StoreError`` when the file cannot be opened or was written by a newer harness.
    ///
    /// `oneSnapshot`: the handle will write one snapshot (`proof capture`), so it keeps no memory of the versions
    /// and pages it wrote for later snapshots to re-use (at 40,000 objects that memory is several megabytes); a
    /// file it creates is written with a rollback journal, not the WAL (one write per page instead of two), and
    /// its reads wait for its writes.
    public static func open(path: String, access: Access = .readWrite, oneSnapshot: Bool = false) throws(StoreError) -> EvidenceStore {
        if access == .readOnly { return try openReadOnly(path: path) }
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot create its directory (\(error.localizedDescription)); check the path and permissions")
        }
        // A new file for one snapshot (`proof capture` into a store that does not exist yet) is written with
        // SQLite's rollback journal rather than the WAL: nothing reads it while the capture writes, and through a
        // WAL every page is written twice, to the log and then into the file by the checkpoint at the close, at
        // the very end of the capture (12 MB copied and synced at scale 34, docs/capture.md). Any later
        // read-write open turns the file to WAL (`DatabasePool`); read-only opens read both modes.
        let isNewSnapshotFile = oneSnapshot && !FileManager.default.fileExists(atPath: path)
        let pool: any DatabaseWriter
        do {
            if isNewSnapshotFile {
                pool = try DatabaseQueue(path: path, configuration: configuration(readOnly: false))
            } else {
                pool = try DatabasePool(path: path, configuration: configuration(readOnly: false))
            }
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot open (\(describe(error))); is it an SQLite file?")
        }
        let migrator = Schema.migrator
        do {
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw StoreError(.newerSchema, "evidence store \(path) was written by a newer proof (schema newer than \(Schema.version)); upgrade proof to read it")
            }
            // The new file's schema holds no evidence yet: its transactions (one per migration) are committed
            // without syncs, which with a rollback journal are three per commit (10–25 ms before a capture could
            // begin its run). The first run's transaction syncs the journal and the file again (below).
            if isNewSnapshotFile { try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = OFF") } }
            try migrator.migrate(pool)
            if isNewSnapshotFile { try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot prepare the schema (\(describe(error)))")
        }
        let store = try make(path: path, pool: pool, access: .readWrite, oneSnapshot: oneSnapshot)
        do {
            _ = try pool.write { db in try closeAbandonedRuns(db, path: path, at: .now) }
        } catch {
            throw StoreError(.database, "evidence store \(path): cannot close the runs whose process is gone (\(describe(error)))")
        }
        return store
    }

    /// Read-only: a plain read-only connection when SQLite can share the file with a writer (a non-empty `-wal`
    /// file is there, or the folder is writable so SQLite can make one); otherwise — a read-only folder holding the
    /// file alone, as a downloaded artifact is — `immutable=1`, which takes no locks and makes no side files
    /// (nothing can be writing a file that has no WAL in a folder nobody can write). A write a killed process
    /// left unfinished is rolled back first (``rollBackInterruptedWrite(path:folderWritable:)``).
    private static func openReadOnly(path: String) throws(StoreError) -> EvidenceStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.cannotOpen, "no evidence store at \(path): pass --db FILE (written by `proof run` or `proof capture`)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StoreError(.cannotOpen, "evidence store \(path): not readable by this user; check its permissions")
        }
        let url = URL(fileURLWithPath: path)
        // An empty -wal (left by a clean close, or copied along with the file) holds nothing to read.
        let hasWAL = isNonEmptyFile(path + "-wal")
        let folderWritable = Glibc.access(url.deletingLastPathComponent().path, W_OK) == 0
        try rollBackInterruptedWrite(path: path, folderWritable: folderWritable)
        let location = hasWAL || folderWritable ? path : url.absoluteString + "?immutable=1"
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: location, configuration: configuration(readOnly: true))
            if try queue.read({ db in try Schema.migrator.hasBeenSuperseded(db) }) {
                throw StoreError(.newerSchema, "evidence store \(path) was written by a newer proof (schema newer than \(Schema.version)); upgrade proof to read it")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot open read-only (\(describe(error))); is it an SQLite file? (a store whose -wal file sits in a read-only folder can be read from a writable copy of both)")
        }
        return try make(path: path, pool: queue, access: .readOnly, oneSnapshot: true)
    }

    /// A `-journal` beside the file is a write that a killed process left unfinished (SQLite's hot journal; only
    /// a store that one capture created is written with a rollback journal) or one going on now. A read-only
    /// connection cannot roll the former back (`SQLITE_READONLY_ROLLBACK`), and `immutable=1` would read the
    /// half-written pages, so a read-write connection reads the file once first: SQLite rolls the write back, or
    /// waits for the live one to finish. The file then holds exactly what was committed.
    private static func rollBackInterruptedWrite(path: String, folderWritable: Bool) throws(StoreError) {
        let journal = path + "-journal"
        guard isNonEmptyFile(journal) else { return }
        guard folderWritable else {
            throw StoreError(.cannotOpen, "evidence store \(path): a write to it was interrupted (\(journal) holds what it changed) and its folder is read-only, so it cannot be rolled back here; copy both files to a writable folder to read it")
        }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot roll back the interrupted write in \(journal) (\(describe(error)))")
        }
    }

    /// Whether a file is at `path` and holds at least one byte (a side file SQLite left).
    private static func isNonEmptyFile(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0) > 0
    }

    private static func configuration(readOnly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(30)
        configuration.label = "evidence"
        configuration.prepareDatabase { db in
            // WAL is what DatabasePool sets; NORMAL keeps every committed transaction across a process crash.
            if !readOnly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            // A new file gets 16 KiB pages (SQLite's default is 4 KiB): most of a store is compressed bodies of
            // 0.3–3 KB, which larger pages hold with less overflow and fewer WAL frames and writes (a first capture
            // of 41,000 objects: about a tenth less CPU, and an 11 % smaller file). A no-op on an existing file.
            if !readOnly { try db.execute(sql: "PRAGMA page_size = 16384") }
            db.add(function: BodyCodec.sqlFunction)
        }
        return configuration
    }

    /// The handle over an opened and (read-write) migrated file: reads its salt and id from `meta`.
    private static func make(path: String, pool: any DatabaseWriter, access: Access, oneSnapshot: Bool) throws(StoreError) -> EvidenceStore {
        let meta: [String: String]
        do {
            meta = try pool.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0["key"] as String, $0["value"] as String) })
            }
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot read its meta table (\(describe(error))); is it an evidence store?")
        }
        guard let saltHex = meta["salt"], let salt = hexBytes(saltHex), salt.count >= 16, let storeID = meta["store_id"] else {
            throw StoreError(.corrupt, "evidence store \(path): the meta table lacks its salt or store id; the file was edited or damaged")
        }
        let session = RunID.generate().rawValue
        if access == .readWrite { RunOwner.liveSessions.withLock { _ = $0.insert(session) } }
        return EvidenceStore(
            path: path, pool: pool, redaction: Redaction(salt: salt), storeID: storeID, session: session, access: access, oneSnapshot: oneSnapshot)
    }

    /// The schema version of the file.
    public func schemaVersion() async throws -> Int {
        try await read { db in Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") ?? "0") ?? 0 }
    }

    /// The owner recorded on runs this handle begins.
    public var currentOwner: RunOwner { RunOwner.current(session: session) }

    // MARK: - Plumbing

    /// Runs `body` in one write transaction on GRDB's writer queue, mapping SQLite errors to ``StoreError``.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "evidence store \(path): \(Self.describe(error))")
        }
    }

    /// Runs `body` on a reader connection (a consistent view), mapping SQLite errors to ``StoreError``.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "evidence store \(path): \(Self.describe(error))")
        }
    }

    /// SQLite's message, without statement arguments (which may hold evidence).
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.message ?? "SQLite error") (SQLite code \(error.extendedResultCode.rawValue))"
        }
        return String(describing: error)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// The next sequence number of `table` for a run.
    static func nextSequence(_ db: Database, table: String, run: RunID) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM \(table) WHERE run_id = ?", arguments: [run.rawValue]) ?? 1
    }

    /// Inserts `items` into a run's sequenced table, numbered from the table's next sequence, and returns the
    /// numbers given (`insert` writes one item under one number).
    static func appendSequenced<Item>(
        _ db: Database, table: String, run: RunID, _ items: [Item], insert: (Item, Int) throws -> Void
    ) throws -> [Int] {
        let first = try nextSequence(db, table: table, run: run)
        for (offset, item) in items.enumerated() { try insert(item, first + offset) }
        return Array(first..<(first + items.count))
    }

    /// Throws unless `run` exists and is still running.
    static func requireOpenRun(_ db: Database, _ run: RunID, path: String) throws {
        guard let status = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [run.rawValue]) else {
            throw StoreError(.unknownRun, "evidence store \(path): no run \(run); list runs with `proof show`")
        }
        guard status == RunStatus.running.rawValue else {
            throw StoreError(.runClosed, "evidence store \(path): run \(run) is closed (\(status)) and takes no more evidence; begin a new run")
        }
    }

    /// JSON text of a value normalised and redacted by this store.
    func storedJSON(_ value: JSON?) -> String? {
        value.map { redaction.normalizeDocument($0).canonicalString }
    }

    /// Decodes stored JSON text.
    static func decodeJSON(_ text: String?, path: String, what: String) throws -> JSON? {
        guard let text else { return nil }
        do {
            return try JSON(parsing: text)
        } catch {
            throw StoreError(.corrupt, "evidence store \(path): \(what) is not valid JSON (\(error)); the file was edited or damaged")
        }
    }

    /// Parses stored timestamp text.
    static func date(_ text: String, path: String, what: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw StoreError(.corrupt, "evidence store \(path): \(what) has the timestamp '\(text)', not one this store writes; the file was edited or damaged")
        }
        return date
    }
}
