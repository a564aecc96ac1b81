import Foundation
import GRDB
import ProofCore

/// The SQLite evidence store: append-only runs, steps, snapshots with content-addressed object bodies, watch
/// events, Loki samples, findings, diagnostics and HTTP exchanges (see `docs/evidence-schema.md`).
///
/// One store is one file, opened in WAL mode with foreign keys on, migrated to the current schema on open.
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
    /// This handle's session, recorded as the owner of the runs it begins.
    let session: String
    let pool: DatabasePool
    /// Object versions this handle stored already (a later capture skips re-encoding them).
    let knownVersions = KnownVersions()

    private init(path: String, pool: DatabasePool, redaction: Redaction, storeID: String, session: String) {
        self.path = path
        self.pool = pool
        self.redaction = redaction
        self.storeID = storeID
        self.session = session
    }

    deinit {
        let session = session
        RunOwner.liveSessions.withLock { _ = $0.remove(session) }
    }

    /// Opens the store at `path`, creating the file (and its directories) when missing, and migrating it to the
    /// current schema. Throws ``StoreError`` when the file cannot be opened or was written by a newer harness.
    public static func open(path: String) throws(StoreError) -> EvidenceStore {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot create its directory (\(error.localizedDescription)); check the path and permissions")
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(30)
        configuration.label = "evidence"
        configuration.prepareDatabase { db in
            // WAL is what DatabasePool sets; NORMAL keeps every committed transaction across a process crash.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            db.add(function: BodyCodec.sqlFunction)
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot open (\(describe(error))); is it an SQLite file?")
        }
        let migrator = Schema.migrator
        let meta: [String: String]
        do {
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw StoreError(.newerSchema, "evidence store \(path) was written by a newer proof (schema newer than \(Schema.version)); upgrade proof to read it")
            }
            try migrator.migrate(pool)
            meta = try pool.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0["key"] as String, $0["value"] as String) })
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotOpen, "evidence store \(path): cannot prepare the schema (\(describe(error)))")
        }
        guard let saltHex = meta["salt"], let salt = hexBytes(saltHex), salt.count >= 16, let storeID = meta["store_id"] else {
            throw StoreError(.corrupt, "evidence store \(path): the meta table lacks its salt or store id; the file was edited or damaged")
        }
        let session = RunID.generate().rawValue
        RunOwner.liveSessions.withLock { _ = $0.insert(session) }
        return EvidenceStore(path: path, pool: pool, redaction: Redaction(salt: salt), storeID: storeID, session: session)
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
