import Foundation
import GRDB
import GRDBSQLite
import ProofCore

extension EvidenceStore {
    /// Writes one snapshot of `run` and returns it with its counts and digests.
    ///
    /// Every object is normalised and redacted (``Redaction``) and then hashed; a body already in the store is
    /// not written again. Objects must carry `apiVersion`, `kind` and `metadata.name` (set list items' kind
    /// from the list); an exact duplicate is kept once, two different bodies for one identity are an error.
    /// Listing errors and Loki samples are scrubbed before they are written. The snapshot joins the run's hash
    /// chain. This is ``storeBodies(_:label:fromServer:)`` followed by ``writeSnapshot(run:label:members:errors:lokiSamples:step:takenAt:)``:
    /// on any error nothing of the snapshot is left in the file (bodies already stored may stay, unreferenced).
    public func writeSnapshot(
        run: RunID, label: String, objects: [JSON], errors: [ListingError] = [], lokiSamples: [LokiSample] = [],
        step: Int? = nil, takenAt: Date = .now
    ) async throws -> SnapshotWriteResult {
        let page = try await storeBodies(objects, label: label)
        return try await writeSnapshot(
            run: run, label: label, members: page, errors: errors, lokiSamples: lokiSamples, step: step, takenAt: takenAt)
    }

    /// Normalises, redacts and hashes `objects` off Swift's cooperative pool, writes the bodies the store does
    /// not hold yet in one short transaction, and returns what a snapshot needs to reference them.
    ///
    /// A capture calls this once per list page and lets the page go, so memory holds a page, not the cluster;
    /// the pages' members are then written with ``writeSnapshot(run:label:members:errors:lokiSamples:step:takenAt:)``.
    /// Bodies are content-addressed and immutable, so a body written for a snapshot that is never finished is
    /// harmless: nothing references it. Throws ``StoreError`` for an object without an identity (before
    /// anything is written).
    ///
    /// With `fromServer`, the objects are as a Kubernetes API server listed them, whose contract is that one
    /// uid and resourceVersion always carry the same content: a version this handle stored before is then not
    /// redacted, encoded or hashed again (``KnownVersions``). Objects from anywhere else are always encoded.
    public func storeBodies(_ objects: [JSON], label: String, fromServer: Bool = false) async throws -> SnapshotMembers {
        try await storeBodies(count: objects.count, label: label, fromServer: fromServer) { objects[$0] }
    }

    /// ``storeBodies(_:label:fromServer:)`` for `count` objects made on demand by `object` (decoded from a list
    /// page's bytes, say), each called once, from several threads at once, and let go as soon as it is encoded,
    /// so no more than a few decoded objects are in memory at a time. `object` returning `nil` leaves that one
    /// out (a filter). An error it throws is thrown (the first by index) and nothing is written.
    ///
    /// With `fromServer`, `version`, when given, reads an object's identity, uid and resourceVersion without
    /// making it (``ObjectVersion``): a version this handle stored before is then not even made. It must agree
    /// with `object` (the same identity, uid and resourceVersion as the object made), and is only for objects
    /// `object` would not leave out. `kind`, when given, is the kind of every object: while this handle has
    /// stored no version of it (a first capture), `version` is not called at all.
    ///
    /// `canonical`, when given, is asked first for each object (``CanonicalSource``): its version and the
    /// canonical JSON this store's normalising would give it, or `false` to have `object` made and normalised as
    /// usual. Like `version`, only for objects `object` would not leave out.
    ///
    /// With `batch`, the new bodies join it and are written when it is full (in a task of its own: this call
    /// returns once the batch before is written, not this one), the rest by the snapshot that references them
    /// (``writeSnapshot(run:label:members:errors:lokiSamples:step:takenAt:batch:)``, which waits for every batch
    /// first); the members returned then count no new bodies (the batch does).
    public func storeBodies(
        count: Int, label: String, fromServer: Bool = false, kind: String? = nil, batch: BodyBatch? = nil,
        version: (@Sendable (Int) -> ObjectVersion?)? = nil,
        canonical: CanonicalSource? = nil,
        object: @escaping @Sendable (Int) throws -> JSON?
    ) async throws -> SnapshotMembers {
        guard count > 0 else { return SnapshotMembers() }
        let redaction = redaction
        let path = path
        let known = fromServer ? knownVersions : nil
        // A kind this handle never stored (a first capture) has nothing to look up.
        let version: (@Sendable (Int) -> ObjectVersion?)? = if let kind, known?.holds(kind: kind) != true { nil } else { version }
        let (members, bodies) = try await Self.offCooperativePool {
            try Self.prepare(
                count: count, version: version, canonical: canonical, object: object, label: label, redaction: redaction, known: known,
                path: path)
        }
        var page = SnapshotMembers()
        page.members = members
        if let batch {
            if let full = batch.add(bodies) { try await write(full, for: batch, waitingForPrevious: true) }
        } else {
            (page.newBodies, page.newBytes) = try await write([bodies])
        }
        return page
    }

    /// Starts writing what waits in `batch` now, in a task of its own after the batches before, rather than with
    /// the snapshot: a capture calls it as its lists end, so the last bodies commit while the members are joined,
    /// sorted and encoded. Returns at once; ``writeSnapshot(run:label:members:errors:lokiSamples:step:takenAt:batch:)``
    /// waits for it.
    public func writeWaitingBodies(of batch: BodyBatch) async throws {
        let waiting = batch.takeAll()
        guard !waiting.isEmpty else { return }
        try await write(waiting, for: batch, waitingForPrevious: false)
    }

    /// Writes `pages` (bodies taken out of `batch`) in a task of its own after the batch's earlier writes
    /// (``BodyBatch/writeInBackground(waitingForPrevious:_:)``) and counts what they added in `batch`.
    private func write(_ pages: BodyBatch.Pages, for batch: BodyBatch, waitingForPrevious: Bool) async throws {
        try await batch.writeInBackground(waitingForPrevious: waitingForPrevious) { [self] in
            let (newBodies, newBytes) = try await write(pages)
            batch.count(newBodies: newBodies, newBytes: newBytes)
        }
    }

    /// Writes the bodies of `pages` the store does not hold in one transaction and returns how many it wrote and
    /// their canonical bytes; then remembers the versions they carry (a server's) as stored.
    private func write(_ pages: BodyBatch.Pages) async throws -> (Int, Int) {
        // Written in digest order, the digest index's key: a transaction then touches the index's pages in one
        // sweep rather than at random (fewer pages written again). Sorted here, off the writer queue, and by
        // position: moving the bodies themselves would copy their references.
        let order = pages.indices.flatMap { page in pages[page].indices.map { Position(page: page, index: $0) } }
            .sorted { pages[$0.page][$0.index].digest < pages[$1.page][$1.index].digest }
        guard !order.isEmpty else { return (0, 0) }
        let writeback = walWriteback
        let written = try await write { db in
            // The pages earlier batches committed start for the disk now (see WALWriteback), on the writer queue.
            writeback?.start()
            var (newBodies, newBytes) = (0, 0)
            let insertBody = try db.cachedStatement(sql: "INSERT OR IGNORE INTO objects (digest, body, size) VALUES (?, ?, ?)")
            for position in order {
                // Read in place and bound for the statement only (SQLite's static binding): no arguments array,
                // no copy of the digest or of the compressed body.
                let added = try pages.withUnsafeBufferPointer { pages in
                    try pages[position.page].withUnsafeBufferPointer { page in
                        try Self.insert(page[position.index], with: insertBody, in: db) ? page[position.index].size : nil
                    }
                }
                if let added {
                    newBodies += 1
                    newBytes += added
                }
            }
            return (newBodies, newBytes)
        }
        knownVersions?.remember(pages.flatMap { $0.compactMap { body in body.version.map { ($0, body.digest) } } })
        return written
    }

    /// Runs `statement` (`INSERT OR IGNORE INTO objects (digest, body, size) VALUES (?, ?, ?)`) for `body`, its
    /// values bound where they lie for the step only; whether it added a row.
    private static func insert(_ body: borrowing BodyBatch.Body, with statement: Statement, in db: Database) throws -> Bool {
        let handle = statement.sqliteStatement
        // Reset first as well: GRDB leaves a statement it ran as it ended (it resets before its next run), and
        // binding one that is not reset is a misuse.
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        sqlite3_bind_int64(handle, 3, Int64(body.size))
        // Each value stays bound, without a copy, only while the calls nested in its binding run: the step last.
        let code = bind(body.digest, at: 1, of: handle) {
            switch body.stored.storage {
            case .blob(let data): data.withUnsafeBytes { bind($0, asText: false, at: 2, of: handle) { sqlite3_step(handle) } }
            case .string(let text): bind(text, at: 2, of: handle) { sqlite3_step(handle) }
            default: SQLITE_MISUSE
            }
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    /// Binds `text`'s UTF-8 bytes as parameter `index` of `handle` for as long as `then` runs, and returns what
    /// `then` returns (or the binding's error code).
    private static func bind(_ text: String, at index: Int32, of handle: OpaquePointer?, _ then: () -> Int32) -> Int32 {
        text.utf8.withContiguousStorageIfAvailable { bind(UnsafeRawBufferPointer($0), asText: true, at: index, of: handle, then) }
            ?? SQLITE_MISUSE
    }

    /// Binds `bytes` (text or a blob) as parameter `index` of `handle` for as long as `then` runs, not copied
    /// (a nil destructor is SQLITE_STATIC), and returns what `then` returns (or the binding's error code).
    private static func bind(
        _ bytes: UnsafeRawBufferPointer, asText: Bool, at index: Int32, of handle: OpaquePointer?, _ then: () -> Int32
    ) -> Int32 {
        // Never a null pointer: that would bind NULL, not an empty value.
        let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        let code =
            asText
            ? sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
            : sqlite3_bind_blob(handle, index, base, Int32(bytes.count), nil)
        return code == SQLITE_OK ? then() : code
    }

    /// Asked for object `index` of a ``storeBodies(count:label:fromServer:kind:batch:version:canonical:object:)``
    /// call: when it can write the object's canonical JSON without making the object (as
    /// ``Redaction/canonicalVersionIfUnchanged(_:apiVersion:kind:scratch:_:)`` does, with the `Redaction` passed
    /// in), it writes it in `scratch`, hands it with the object's version to the last argument (the bytes valid
    /// only during that call) and answers `true`; otherwise it answers `false` without calling it. Each worker
    /// passes a scratch of its own.
    public typealias CanonicalSource = @Sendable (
        _ index: Int, _ redaction: Redaction, _ scratch: CanonicalScratch, _ body: (ObjectVersion, UnsafeBufferPointer<UInt8>) -> Void
    ) -> Bool

    /// Where a body lies in ``BodyBatch/Pages``.
    private struct Position {
        var page: Int
        var index: Int
    }

    /// Drops `value` on a utility thread: freeing a large membership (a few allocations a member) is work the
    /// caller need not wait for.
    static func release<T: Sendable>(_ value: consuming T) {
        let owned = value
        DispatchQueue.global(qos: .utility).async { [owned] in withExtendedLifetime(owned) {} }
    }

    /// Writes one snapshot of `run` referencing `members` (bodies stored by ``storeBodies(_:label:fromServer:)``, in any
    /// order, from any number of pages) in one transaction: sorts them by identity, keeps exact duplicates
    /// once, and throws on two different bodies for one identity. Listing errors and Loki samples are scrubbed
    /// before they are written; the snapshot joins the run's hash chain. On any error nothing of the snapshot
    /// is left in the file.
    ///
    /// `batch`: the bodies still waiting in it (``BodyBatch``) are written in a transaction of their own while
    /// the membership is sorted, cut into pages and hashed on the other cores (at the end of a capture the
    /// store's one writer would otherwise wait for that work, and that work for the writer), committed before
    /// the snapshot's; the result counts every body the batch wrote.
    public func writeSnapshot(
        run: RunID, label: String, members page: consuming SnapshotMembers, errors: [ListingError] = [],
        lokiSamples: [LokiSample] = [], step: Int? = nil, takenAt: Date = .now, batch: BodyBatch? = nil
    ) async throws -> SnapshotWriteResult {
        let redaction = redaction
        let path = path
        let errors = errors.map { error in
            ListingError(apiVersion: error.apiVersion, kind: error.kind, namespace: error.namespace, message: redaction.redactor.scrub(error.message))
        }
        let samples = lokiSamples.map { sample in
            LokiSample(
                name: sample.name, query: sample.query, start: sample.start, end: sample.end,
                result: sample.result.map(redaction.normalizeDocument), error: sample.error.map(redaction.redactor.scrub))
        }
        let taken = Timestamp.format(takenAt)
        let (newBodies, newBytes) = (page.newBodies, page.newBytes)
        // Every page was stored before this call: what waits in the batch (if a capture did not hand it over as
        // its lists ended) is all it will hold. Written (and their versions remembered) on the writer while the
        // work below runs here; a body nothing references yet is harmless if the snapshot then fails.
        if let batch { try await writeWaitingBodies(of: batch) }
        // Take the array out of `page` so the sort below works on the only reference (no copy of the membership).
        var all: [SnapshotMember] = []
        swap(&all, &page.members)
        let (members, duplicates) = try Self.unique(consume all, label: label, path: path)
        // Encoded and hashed before the transaction: the write holds only inserts.
        let (pages, digest, _) = MembershipPage.encode(members, memo: pageMemo, last: lastMembership)
        let objectCount = members.count
        // Tens of thousands of members, no longer needed here, are let go on another core while the transaction runs.
        Self.release(consume members)
        // Every batch's transaction commits before the snapshot that references its bodies.
        try await batch?.waitForWrites()
        // What the batch's transactions wrote.
        let earlier = batch?.written ?? (newBodies: 0, newBytes: 0)
        return try await write { db in
            try Self.requireOpenRun(db, run, path: path)
            let errorsDigest = EvidenceDigest.errors(errors)
            let lokiDigest = EvidenceDigest.loki(samples)
            let sequence = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM snapshots WHERE run_id = ?", arguments: [run.rawValue]) ?? 1
            let previous: String
            if sequence == 1 {
                previous = try String.fetchOne(db, sql: "SELECT genesis_digest FROM runs WHERE id = ?", arguments: [run.rawValue]) ?? ""
            } else {
                previous = try String.fetchOne(db, sql: "SELECT chain_digest FROM snapshots WHERE run_id = ? AND seq = ?", arguments: [run.rawValue, sequence - 1]) ?? ""
            }
            let chain = EvidenceDigest.chain(
                run: run, sequence: sequence, label: label, step: step, takenAt: taken, objectCount: objectCount,
                objects: digest, errors: errorsDigest, loki: lokiDigest, previous: previous)
            try db.execute(
                sql: """
                    INSERT INTO snapshots (run_id, seq, label, step_seq, taken_at, object_count, error_count, loki_count,
                      digest, errors_digest, loki_digest, previous_digest, chain_digest)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.rawValue, sequence, label, step, taken, objectCount, errors.count, samples.count, digest,
                    errorsDigest, lokiDigest, previous, chain,
                ])
            let snapshotID = db.lastInsertedRowID
            try Self.writeMembership(db, snapshot: snapshotID, pages: pages)
            for (index, error) in errors.enumerated() {
                try db.execute(
                    sql: "INSERT INTO snapshot_errors (snapshot_id, seq, api_version, kind, namespace, message) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [snapshotID, index + 1, error.apiVersion, error.kind, error.namespace, error.message])
            }
            for (index, sample) in samples.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO loki_samples (snapshot_id, seq, name, query, range_start, range_end, status, result, error)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        snapshotID, index + 1, sample.name, sample.query, sample.start.map(Timestamp.format),
                        sample.end.map(Timestamp.format), sample.error == nil ? "ok" : "error",
                        sample.result?.canonicalString, sample.error,
                    ])
            }
            let record = SnapshotRecord(
                id: SnapshotID(snapshotID), run: run, sequence: sequence, label: label, step: step,
                takenAt: Timestamp.parse(taken) ?? takenAt, objectCount: objectCount, errorCount: errors.count,
                lokiCount: samples.count, digest: digest, errorsDigest: errorsDigest, lokiDigest: lokiDigest,
                previousDigest: previous, chainDigest: chain)
            return SnapshotWriteResult(
                snapshot: record, newBodies: newBodies + earlier.newBodies,
                newBytes: newBytes + earlier.newBytes, duplicatesDropped: duplicates)
        }
    }

    /// Runs CPU-heavy `work` on a Dispatch thread, not on Swift's cooperative pool.
    private static func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// A member with its normalised body as stored (``BodyCodec``), between hashing and writing.
    private struct PreparedMember: Sendable {
        var member: SnapshotMember
        /// The body as `objects.body` keeps it; `nil` for a version this handle stored before.
        var stored: DatabaseValue?
        /// The canonical JSON's length (0 when `stored` is `nil`).
        var size: Int
        /// The version's key, when the object has a uid and resourceVersion.
        var version: KnownVersions.Key?
        var digest: String { member.digest }

        /// The member, moved out and an empty one left in its place: a copy would retain each of its references,
        /// and dropping this value would release them again.
        mutating func takeMember() -> SnapshotMember {
            var member = SnapshotMember(
                key: [], identity: ObjectIdentity(apiVersion: "", kind: "", namespace: "", name: ""), uid: nil, resourceVersion: nil, digest: "")
            swap(&member, &self.member)
            return member
        }
    }

    /// Normalises, encodes, hashes and compresses every object once (spread over the cores: this is most of a
    /// capture's CPU time). `object(index)` is called once per index, on the worker that encodes it. Returns
    /// the members in order and the bodies to write (with their versions only when `known` is given: only a
    /// server's versions are remembered).
    private static func prepare(
        count: Int, version: (@Sendable (Int) -> ObjectVersion?)?,
        canonical: CanonicalSource?, object: @Sendable (Int) throws -> JSON?,
        label: String, redaction: Redaction, known: KnownVersions?, path: String
    ) throws -> (members: [SnapshotMember], bodies: [BodyBatch.Body]) {
        let peek = known == nil ? nil : version
        var slots = [Result<PreparedMember?, any Error>?](repeating: nil, count: count)
        let chunk = 64
        let chunks = (count + chunk - 1) / chunk
        slots.withUnsafeMutableBufferPointer { buffer in
            // Safe without a lock: every iteration writes only the slots of its own chunk, no slot is read
            // until concurrentPerform has returned, and `buffer` outlives the call.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { part in
                // One scratch a chunk: its items are walked into the same memory, one after the other.
                let scratch = canonical == nil ? nil : CanonicalScratch()
                for index in (part * chunk)..<min(count, (part + 1) * chunk) {
                    if let peek, let known, let version = peek(index) {
                        let key = KnownVersions.key(version)
                        if let digest = known.digest(for: key) {
                            slots[index] = .success(knownMember(version.identity, key, digest: digest))
                            continue
                        }
                    }
                    if let canonical, let scratch {
                        var prepared: PreparedMember?
                        if canonical(index, redaction, scratch, { version, body in prepared = Self.prepared(body, version: version, known: known) }) {
                            slots[index] = .success(prepared)
                            continue
                        }
                    }
                    slots[index] = Result { try object(index).map { try prepare($0, index: index, label: label, redaction: redaction, known: known, path: path) } }
                }
            }
        }
        // Each slot taken out, and its parts moved on, not copied: a member holds a few references, and a page
        // has hundreds of members.
        var members: [SnapshotMember] = []
        members.reserveCapacity(count)
        var bodies: [BodyBatch.Body] = []
        for index in slots.indices {
            guard var prepared = try slots[index].take()!.get() else { continue }
            if let stored = prepared.stored.take() {
                bodies.append(
                    BodyBatch.Body(
                        digest: prepared.digest, stored: stored, size: prepared.size, version: known == nil ? nil : prepared.version.take()))
            }
            members.append(prepared.takeMember())
        }
        return (members, bodies)
    }

    /// The member of a version this handle stored before: nothing to encode or write.
    private static func knownMember(_ identity: ObjectIdentity, _ key: KnownVersions.Key, digest: String) -> PreparedMember {
        PreparedMember(
            member: SnapshotMember(
                key: EvidenceDigest.memberKey(identity), identity: identity, uid: key.uid, resourceVersion: key.resourceVersion,
                digest: digest),
            stored: nil, size: 0, version: key)
    }

    /// One object whose canonical JSON `body` came straight from its bytes: hashed and compressed (or found in
    /// `known`), as ``prepare(_:index:label:redaction:known:path:)`` does with the object made.
    private static func prepared(_ body: UnsafeBufferPointer<UInt8>, version: ObjectVersion, known: KnownVersions?) -> PreparedMember {
        let key = KnownVersions.key(version)
        if let digest = known?.digest(for: key) { return knownMember(version.identity, key, digest: digest) }
        return encoded(body, identity: version.identity, uid: version.uid, resourceVersion: version.resourceVersion, version: key)
    }

    /// The member of canonical JSON `body`, hashed, with the body compressed for writing.
    private static func encoded(
        _ body: UnsafeBufferPointer<UInt8>, identity: ObjectIdentity, uid: String?, resourceVersion: String?, version: KnownVersions.Key?
    ) -> PreparedMember {
        PreparedMember(
            member: SnapshotMember(
                key: EvidenceDigest.memberKey(identity), identity: identity, uid: uid, resourceVersion: resourceVersion,
                digest: Digest.sha256Hex(UnsafeRawBufferPointer(body))),
            stored: BodyCodec.encode(body), size: body.count, version: version)
    }

    /// One object normalised, encoded, hashed and compressed (or found in `known`).
    private static func prepare(
        _ object: JSON, index: Int, label: String, redaction: Redaction, known: KnownVersions?, path: String
    ) throws -> PreparedMember {
        guard let identity = ObjectIdentity(object: object) else {
            throw StoreError(
                .objectWithoutIdentity,
                "evidence store \(path): object #\(index + 1) of snapshot '\(label)' lacks apiVersion, kind or metadata.name; set apiVersion and kind on list items before storing them")
        }
        let version = KnownVersions.key(of: object, identity: identity)
        if let version, let digest = known?.digest(for: version) { return knownMember(identity, version, digest: digest) }
        let normalized = redaction.normalize(object)
        return normalized.canonicalData.withUnsafeBufferPointer { body in
            encoded(
                body, identity: identity, uid: normalized[path: ["metadata", "uid"]]?.stringValue,
                resourceVersion: normalized[path: ["metadata", "resourceVersion"]]?.stringValue, version: version)
        }
    }

    /// `members` ordered by identity with exact duplicates dropped (and counted); two different bodies for one
    /// identity are an error.
    private static func unique(_ members: consuming [SnapshotMember], label: String, path: String) throws -> ([SnapshotMember], Int) {
        // Sorted and compacted in place: at 40,000 members every extra copy of the array is megabytes.
        members.sort { ByteOrder.precedes($0.key, $1.key) }
        var kept = 0
        for index in members.indices {
            if kept > 0, members[kept - 1].key == members[index].key {
                guard members[kept - 1].digest == members[index].digest else {
                    let identity = members[index].identity
                    throw StoreError(
                        .duplicateObject,
                        "evidence store \(path): snapshot '\(label)' holds two different bodies for \(identity) (\(identity.apiVersion)); list each kind once")
                }
                continue
            }
            if kept != index { members.swapAt(kept, index) }
            kept += 1
        }
        let duplicates = members.count - kept
        members.removeSubrange(kept...)
        return (members, duplicates)
    }

    // MARK: - Reading

    /// The snapshots of a run, in order.
    public func snapshots(run: RunID) async throws -> [SnapshotRecord] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM snapshots WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue])
                .map { try Self.snapshotRecord($0, path: path) }
        }
    }

    /// Every snapshot with `label`, across runs, oldest run first (for comparing one capture between runs).
    public func snapshots(label: String) async throws -> [SnapshotRecord] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM snapshots WHERE label = ? ORDER BY run_id, seq", arguments: [label])
                .map { try Self.snapshotRecord($0, path: path) }
        }
    }

    /// One snapshot by its store-local id.
    public func snapshot(_ id: SnapshotID) async throws -> SnapshotRecord? {
        let path = path
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM snapshots WHERE id = ?", arguments: [id.rawValue]).map { try Self.snapshotRecord($0, path: path) }
        }
    }

    /// The members of a snapshot ordered by apiVersion, kind, namespace and name, with their decoded bodies
    /// (or without, when `bodies` is false — the cheap way to compare membership and digests).
    public func objects(snapshot: SnapshotID, bodies: Bool = true) async throws -> [StoredObject] {
        let path = path
        return try await read { db in
            var members = try Self.members(db, snapshot: snapshot.rawValue, cache: MembershipPageCache(), path: path)
            guard bodies else { return members }
            let stored = try Self.bodies(db, digests: Array(Set(members.map(\.digest))), path: path)
            // A member whose body is missing is left out, as the schema-3 join did (`proof verify` reports it).
            members.removeAll { stored[$0.digest] == nil }
            for index in members.indices { members[index].body = stored[members[index].digest] }
            return members
        }
    }

    /// How many members a snapshot holds per kind and namespace (`""` for cluster-scoped), for summaries.
    public func memberCounts(snapshot: SnapshotID) async throws -> [String: [String: Int]] {
        try await read { db in try Self.memberCounts(db, snapshot: snapshot.rawValue) }
    }

    /// A stored body by its digest.
    public func object(digest: String) async throws -> JSON? {
        let path = path
        return try await read { db in
            try Self.decodeJSON(try String.fetchOne(db, sql: "SELECT proof_body(body) FROM objects WHERE digest = ?", arguments: [digest]), path: path, what: "object \(digest)")
        }
    }

    /// The kinds a snapshot could not list.
    public func listingErrors(snapshot: SnapshotID) async throws -> [ListingError] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM snapshot_errors WHERE snapshot_id = ? ORDER BY seq", arguments: [snapshot.rawValue]).map {
                ListingError(apiVersion: $0["api_version"], kind: $0["kind"], namespace: $0["namespace"], message: $0["message"])
            }
        }
    }

    /// The Loki samples of a snapshot.
    public func lokiSamples(snapshot: SnapshotID) async throws -> [LokiSample] {
        let path = path
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM loki_samples WHERE snapshot_id = ? ORDER BY seq", arguments: [snapshot.rawValue]).map { row in
                try Self.lokiSample(row, snapshot: snapshot, path: path)
            }
        }
    }

    static func snapshotRecord(_ row: Row, path: String) throws -> SnapshotRecord {
        let id = SnapshotID(row["id"])
        return SnapshotRecord(
            id: id, run: RunID(row["run_id"]), sequence: row["seq"], label: row["label"], step: row["step_seq"],
            takenAt: try date(row["taken_at"], path: path, what: "snapshot \(id)"), objectCount: row["object_count"],
            errorCount: row["error_count"], lokiCount: row["loki_count"], digest: row["digest"],
            errorsDigest: row["errors_digest"], lokiDigest: row["loki_digest"], previousDigest: row["previous_digest"],
            chainDigest: row["chain_digest"])
    }
}
