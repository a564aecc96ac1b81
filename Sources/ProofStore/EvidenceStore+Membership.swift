import Foundation
import GRDB
import ProofCore
import Synchronization

/// One membership page (schema 4): a run of the sorted members of one kind in one namespace of a snapshot,
/// stored once under the SHA-256 of its bytes in `membership_pages`, however many snapshots reference it.
///
/// A kind in a namespace is one page, or several (`part` 0, 1, … in `snapshot_pages`) when it is large: the
/// sorted members are cut after each member whose name hashes to a boundary (``isBoundary(_:)``, about one in
/// ``averagePart``, and at most ``maxPart`` members a page). The cuts depend only on the names, so one changed,
/// added or removed object rewrites only its own page (a few KB), not its kind's whole namespace.
///
/// The page's bytes are the canonical JSON
/// `{"v":1, "apiVersion", "kind", "namespace", "members": [[name, uid|null, resourceVersion|null, objectDigest], …]}`
/// with the members ordered by the UTF-8 bytes of their names; they are kept as ``BodyCodec`` keeps object
/// bodies (text below its threshold, a zlib BLOB above). A snapshot references its pages in `snapshot_pages`
/// (one row per kind and namespace), so a snapshot of an unchanged cluster costs one small row per page. The
/// snapshot digest and the chain are computed from the members exactly as before: pages change how membership
/// is stored, never what it hashes to. This file is the only encoder and decoder of pages.
struct MembershipPage: Sendable {
    /// apiVersion, kind and namespace (`""` when cluster-scoped) shared by every member of the page.
    struct Group: Sendable, Hashable {
        var apiVersion: String
        var kind: String
        var namespace: String

        /// Byte order of (apiVersion, kind, namespace), as SQLite's BINARY collation orders those columns.
        static func precedes(_ left: Group, _ right: Group) -> Bool {
            if left.apiVersion != right.apiVersion { return left.apiVersion.utf8.lexicographicallyPrecedes(right.apiVersion.utf8) }
            if left.kind != right.kind { return left.kind.utf8.lexicographicallyPrecedes(right.kind.utf8) }
            return left.namespace.utf8.lexicographicallyPrecedes(right.namespace.utf8)
        }
    }

    /// About how many members a page holds when its kind in its namespace needs several.
    static let averagePart: UInt64 = 64
    /// The most members one page holds.
    static let maxPart = 512

    /// Whether a page ends after the member named `name`: FNV-1a (64 bit) of the name's bytes is a multiple
    /// of ``averagePart``. Fixed forever: a different rule would give unchanged clusters new pages.
    static func isBoundary(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            return hash % averagePart == 0
        }
    }

    /// Whose members these are.
    var group: Group
    /// The members, ordered by the bytes of their names.
    var members: [StoredObject]

    /// The page's canonical bytes (what its digest hashes): the canonical JSON of the object the type's
    /// documentation describes (what ``decode(_:)`` parses), written straight from the members without building
    /// a JSON value for each (a first capture at scale 150 writes 800 pages of 41,000 members at its serial end).
    /// The keys in canonical order: `apiVersion`, `kind`, `members`, `namespace`, `v`.
    var canonicalData: [UInt8] { Self.canonicalData(group: group, members: members) }

    /// ``canonicalData`` of the page `members` (in name order) of `group` make, written from them as they are
    /// (the members of a snapshot being written are not copied into ``StoredObject``s first).
    static func canonicalData(group: Group, members: some Collection<some MembershipRow>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + group.apiVersion.utf8.count + group.kind.utf8.count + group.namespace.utf8.count + members.count * 160)
        func field(_ text: String?) {
            if let text { JSON.writeString(text, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        out.append(contentsOf: #"{"apiVersion":"#.utf8)
        field(group.apiVersion)
        out.append(contentsOf: #","kind":"#.utf8)
        field(group.kind)
        out.append(contentsOf: #","members":["#.utf8)
        // By index, each field read in place: a member taken out whole would retain all its references.
        for index in members.indices {
            out.append(contentsOf: index == members.startIndex ? "[".utf8 : ",[".utf8)
            field(members[index].identity.name)
            out.append(UInt8(ascii: ","))
            field(members[index].uid)
            out.append(UInt8(ascii: ","))
            field(members[index].resourceVersion)
            out.append(UInt8(ascii: ","))
            field(members[index].digest)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"],"namespace":"#.utf8)
        field(group.namespace)
        out.append(contentsOf: #","v":1}"#.utf8)
        return out
    }

    /// A page ready to write: its digest, its stored value and its canonical length.
    struct Encoded: Sendable {
        /// Whose members the page holds.
        var group: Group
        /// The page's place among its group's pages (0 when the group fits in one).
        var part: Int
        /// SHA-256 of the page's canonical bytes: its address in `membership_pages`.
        var digest: String
        /// The bytes as `membership_pages.body` keeps them (``BodyCodec``).
        var stored: DatabaseValue
        /// Length of the canonical bytes.
        var size: Int
        /// Members in the page.
        var count: Int
    }

    /// `members` (sorted by key, duplicates dropped) cut into encoded pages, one or more per kind and
    /// namespace, in group and part order. With `memo`, a page holding exactly the members of a page encoded
    /// before is taken from it (same bytes, so the same digest) instead of being encoded, hashed and
    /// compressed again.
    static func pages(of members: [SnapshotMember], memo: EncodedPageMemo? = nil) -> [Encoded] {
        groups(of: members).flatMap { pages(of: members[$0.range], group: $0.group, memo: memo) }
    }

    /// The runs of `members` (sorted by key) that share a kind and namespace, in order. Sorting by key puts each
    /// group's members together, since they share the key's prefix `apiVersion⇥kind⇥namespace⇥`; the groups then
    /// come in ``Group/precedes(_:_:)`` order for any names without control characters (the tab sorts below
    /// every other character they hold). Page order is only the order of insertion: readers order references
    /// by group and part.
    static func groups(of members: [SnapshotMember]) -> [(group: Group, range: Range<Int>)] {
        var groups: [(group: Group, range: Range<Int>)] = []
        var start = members.startIndex
        while start < members.endIndex {
            let first = members[start].identity
            var end = start + 1
            while end < members.endIndex {
                let identity = members[end].identity
                guard identity.namespace == first.namespace, identity.kind == first.kind, identity.apiVersion == first.apiVersion else { break }
                end += 1
            }
            groups.append((Group(apiVersion: first.apiVersion, kind: first.kind, namespace: first.namespace), start..<end))
            start = end
        }
        return groups
    }

    /// One group's members (in name order) cut into encoded pages.
    static func pages(of members: ArraySlice<SnapshotMember>, group: Group, memo: EncodedPageMemo?) -> [Encoded] {
        var pages: [Encoded] = []
        var start = members.startIndex
        for index in members.indices {
            let end = index + 1
            guard end == members.endIndex || end - start == maxPart || isBoundary(members[index].identity.name) else { continue }
            let slice = members[start..<end]
            func encode() -> EncodedContent {
                let bytes = canonicalData(group: group, members: slice)
                return EncodedContent(digest: Digest.sha256Hex(bytes), stored: BodyCodec.encode(bytes), size: bytes.count)
            }
            let content = memo?.value(for: contentKey(group, slice), orMake: encode) ?? encode()
            pages.append(Encoded(group: group, part: pages.count, digest: content.digest, stored: content.stored, size: content.size, count: slice.count))
            start = end
        }
        return pages
    }

    /// The pages of `members` (sorted by key, duplicates dropped) and the snapshot digest over them
    /// (``EvidenceDigest/members(sortedKeys:)``). With `last`, a kind in a namespace whose members are exactly
    /// those of the snapshot this handle wrote last takes that snapshot's pages, and when every one does (and
    /// no group is gone) the digest is that snapshot's too: a capture of an unchanged cluster then neither
    /// cuts, keys nor hashes its thousands of members. The result is the same either way; `reused` counts the
    /// groups taken from `last`.
    static func encode(_ members: [SnapshotMember], memo: EncodedPageMemo?, last: LastMembership?) -> (pages: [Encoded], digest: String, reused: Int) {
        let previous = last?.take()
        let groups = groups(of: members)
        // A group equal, member by member, to the last snapshot's takes its pages; the others are encoded, and the
        // member digest computed, on every core (a first capture encodes hundreds of pages).
        var grouped: [[Encoded]] = groups.map { group, range in
            guard let previous, let old = previous.groups[group], old.range.count == range.count,
                previous.members[old.range].elementsEqual(members[range])
            else { return [] }
            return old.pages
        }
        // A group has at least one member, so at least one page: an empty slot is a group to encode.
        let toEncode = grouped.indices.filter { grouped[$0].isEmpty }
        let reused = groups.count - toEncode.count
        var digest = ""
        if let previous, toEncode.isEmpty, previous.groups.count == groups.count { digest = previous.digest }
        let needsDigest = digest.isEmpty
        grouped.withUnsafeMutableBufferPointer { buffer in
            withUnsafeMutablePointer(to: &digest) { digestSlot in
                // Safe without a lock: each iteration writes one slot of its own (a fresh group's pages, or the
                // digest), nothing is read until concurrentPerform has returned, and both outlive the call.
                nonisolated(unsafe) let slots = buffer
                nonisolated(unsafe) let digestSlot = digestSlot
                // The digest, one long iteration over every member, goes first: last, it ran alone at the end.
                let first = needsDigest ? 1 : 0
                DispatchQueue.concurrentPerform(iterations: toEncode.count + first) { item in
                    guard item >= first else {
                        digestSlot.pointee = EvidenceDigest.members(sorted: members)
                        return
                    }
                    let (group, range) = groups[toEncode[item - first]]
                    slots[toEncode[item - first]] = Self.pages(of: members[range], group: group, memo: memo)
                }
            }
        }
        var pages: [Encoded] = []
        var written: [Group: LastMembership.Pages] = [:]
        for (index, (group, range)) in groups.enumerated() {
            pages += grouped[index]
            if last != nil { written[group] = LastMembership.Pages(range: range, pages: grouped[index]) }
        }
        last?.keep(LastMembership.Written(members: members, groups: written, digest: digest))
        return (pages, digest, reused)
    }

    /// Decodes a page's canonical bytes; `nil` when they are not a page.
    static func decode(_ bytes: [UInt8]) -> MembershipPage? {
        guard case .object(let top)? = try? JSON(parsing: bytes), top["v"] == 1,
            let apiVersion = top["apiVersion"]?.stringValue, let kind = top["kind"]?.stringValue,
            let namespace = top["namespace"]?.stringValue, let rows = top["members"]?.arrayValue
        else { return nil }
        var members: [StoredObject] = []
        members.reserveCapacity(rows.count)
        for row in rows {
            guard case .array(let fields) = row, fields.count == 4, let name = fields[0].stringValue,
                let digest = fields[3].stringValue
            else { return nil }
            func optional(_ value: JSON) -> String?? {
                if value == .null { return .some(nil) }
                return value.stringValue.map { .some($0) }
            }
            guard let uid = optional(fields[1]), let resourceVersion = optional(fields[2]) else { return nil }
            members.append(
                StoredObject(
                    identity: ObjectIdentity(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name), uid: uid,
                    resourceVersion: resourceVersion, digest: digest))
        }
        return MembershipPage(group: Group(apiVersion: apiVersion, kind: kind, namespace: namespace), members: members)
    }
}

/// What a membership page holds of each member: a member of a snapshot being written, or one read back.
protocol MembershipRow {
    var identity: ObjectIdentity { get }
    var uid: String? { get }
    var resourceVersion: String? { get }
    var digest: String { get }
}

extension SnapshotMember: MembershipRow {}
extension StoredObject: MembershipRow {}

/// Pages this store handle encoded before, by ``MembershipPage/contentKey(_:_:)``: a later snapshot whose page
/// holds exactly those members takes the digest and stored bytes from here (a capture of an unchanged cluster
/// re-uses nearly every page, and building, encoding, hashing and compressing thousands of members was most of
/// its write).
typealias EncodedPageMemo = BoundedMemo<String, MembershipPage.EncodedContent>

extension MembershipPage {
    /// How many pages an ``EncodedPageMemo`` remembers (a few KB each: the stored page).
    static let memoCapacity = 20_000

    /// What encoding a page's content gave: its digest, its stored value and its canonical length.
    struct EncodedContent: Sendable {
        var digest: String
        var stored: DatabaseValue
        var size: Int
    }

    /// What identifies a page's content, which costs far less than making the page: SHA-256 over its group and
    /// every member's name, uid, resourceVersion and digest, each field written as its length (4 bytes;
    /// `0xFFFFFFFF` for a missing uid or version) and its bytes, so no two different pages give the same input.
    static func contentKey(_ group: Group, _ members: some Collection<some MembershipRow>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + members.count * 130)
        func append(_ field: String?) {
            guard let field else {
                bytes.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF])
                return
            }
            let count = UInt32(truncatingIfNeeded: field.utf8.count)
            bytes.append(contentsOf: [UInt8(count & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 24)])
            bytes.append(contentsOf: field.utf8)
        }
        append(group.apiVersion)
        append(group.kind)
        append(group.namespace)
        // By index, each field read in place, as ``canonicalData(group:members:)`` reads them.
        for index in members.indices {
            append(members[index].identity.name)
            append(members[index].uid)
            append(members[index].resourceVersion)
            append(members[index].digest)
        }
        return Digest.sha256Hex(bytes)
    }
}

/// The membership of the snapshot a store handle wrote last, with its pages by kind and namespace and its
/// digest, so the next snapshot re-uses what did not change (``MembershipPage/encode(_:memo:last:)``).
///
/// Concurrency: one `Mutex` around the value, held only to take it out or put one in (no I/O, no suspension,
/// no callback under it). A snapshot takes it, compares outside the lock and puts its own back; two snapshots
/// written at once just find nothing to re-use, since every re-use is checked member by member.
final class LastMembership: Sendable {
    /// One group's place in ``Written/members`` and the pages it was cut into.
    struct Pages: Sendable {
        var range: Range<Int>
        var pages: [MembershipPage.Encoded]
    }

    /// What one snapshot's membership gave.
    struct Written: Sendable {
        var members: [SnapshotMember]
        var groups: [MembershipPage.Group: Pages]
        var digest: String
    }

    private let value = Mutex<Written?>(nil)

    /// The last snapshot's membership, taken out (the next `take` gives `nil` until ``keep(_:)``).
    func take() -> Written? { value.withLock { $0.take() } }

    /// Remembers a snapshot's membership for the next one.
    func keep(_ written: Written) { value.withLock { $0 = written } }
}

/// Decoded pages by digest, kept for the length of one read (consecutive snapshots of a run share most pages,
/// so each is inflated and parsed once). Used inside one `read` closure only, never shared between threads.
final class MembershipPageCache {
    /// Pages decoded so far, by digest (each one checked against its digest when it was read).
    var pages: [String: MembershipPage] = [:]
}

extension EvidenceStore {
    // MARK: - Writing

    /// Writes the membership of snapshot `snapshotID`: the pages the store lacks, then one `snapshot_pages` row
    /// per page. Runs inside the snapshot's write transaction; the pages were encoded before it.
    static func writeMembership(_ db: Database, snapshot snapshotID: Int64, pages: [MembershipPage.Encoded]) throws {
        let insertPage = try db.cachedStatement(sql: "INSERT OR IGNORE INTO membership_pages (digest, body, size) VALUES (?, ?, ?)")
        let insertReference = try db.cachedStatement(
            sql: """
                INSERT INTO snapshot_pages (snapshot_id, api_version, kind, namespace, part, page_digest, member_count)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for page in pages {
            insertPage.setUncheckedArguments([page.digest, page.stored, page.size])
            try insertPage.execute()
            insertReference.setUncheckedArguments([
                snapshotID, page.group.apiVersion, page.group.kind, page.group.namespace, page.part, page.digest, page.count,
            ])
            try insertReference.execute()
        }
    }

    // MARK: - Reading (every reader of membership goes through here)

    /// The members of one snapshot, without bodies, ordered by apiVersion, kind, namespace and name: the
    /// `snapshot_objects` rows of a schema-3 snapshot and the pages of a schema-4 one. Throws
    /// ``StoreError`` (`corrupt`) for a referenced page that is missing or does not decode.
    static func members(_ db: Database, snapshot: Int64, cache: MembershipPageCache, path: String) throws -> [StoredObject] {
        var rows: [StoredObject] = []
        let legacy = try Row.fetchCursor(
            db,
            sql: """
                SELECT api_version, kind, namespace, name, uid, resource_version, object_digest
                FROM snapshot_objects WHERE snapshot_id = ? ORDER BY api_version, kind, namespace, name
                """,
            arguments: [snapshot])
        while let row = try legacy.next() {
            rows.append(
                StoredObject(
                    identity: ObjectIdentity(apiVersion: row[0], kind: row[1], namespace: row[2], name: row[3]), uid: row[4],
                    resourceVersion: row[5], digest: row[6]))
        }
        var pages: [MembershipPage] = []
        for reference in try pageReferences(db, snapshot: snapshot) {
            switch try page(db, digest: reference.digest, cache: cache) {
            case .page(let page): pages.append(page)
            case .missing:
                throw StoreError(.corrupt, "evidence store \(path): snapshot \(snapshot) references membership page \(reference.digest), which is not in the store; the file was edited or damaged")
            case .unreadable(let why):
                throw StoreError(.corrupt, "evidence store \(path): membership page \(reference.digest) of snapshot \(snapshot) \(why); the file was edited or damaged")
            }
        }
        guard !pages.isEmpty else { return rows }
        // References come in (group, part) order, so this is identity order unless the file was edited (or holds
        // both forms in one snapshot, which only a hand-made file has): then sort.
        var all = rows + pages.flatMap(\.members)
        if !all.indices.dropFirst().allSatisfy({ !identityPrecedes(all[$0], all[$0 - 1]) }) {
            all.sort(by: identityPrecedes)
        }
        return all
    }

    /// Identity order as the schema-3 reader's `ORDER BY api_version, kind, namespace, name` (bytes).
    private static func identityPrecedes(_ left: StoredObject, _ right: StoredObject) -> Bool {
        let l = MembershipPage.Group(apiVersion: left.identity.apiVersion, kind: left.identity.kind, namespace: left.identity.namespace)
        let r = MembershipPage.Group(apiVersion: right.identity.apiVersion, kind: right.identity.kind, namespace: right.identity.namespace)
        if l != r { return MembershipPage.Group.precedes(l, r) }
        return left.identity.name.utf8.lexicographicallyPrecedes(right.identity.name.utf8)
    }

    /// One `snapshot_pages` row.
    struct PageReference: Sendable {
        /// The kind and namespace the reference claims.
        var group: MembershipPage.Group
        /// `page_digest`.
        var digest: String
        /// `member_count`.
        var count: Int
    }

    /// The page references of a snapshot (none for a schema-3 snapshot, or a store from before schema 4).
    static func pageReferences(_ db: Database, snapshot: Int64) throws -> [PageReference] {
        guard try db.tableExists("snapshot_pages") else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT api_version, kind, namespace, page_digest, member_count FROM snapshot_pages WHERE snapshot_id = ? ORDER BY api_version, kind, namespace, part",
            arguments: [snapshot]
        ).map { row in
            PageReference(group: MembershipPage.Group(apiVersion: row[0], kind: row[1], namespace: row[2]), digest: row[3], count: row[4])
        }
    }

    /// A page as read.
    enum PageRead {
        /// Read, hashed to its digest and decoded.
        case page(MembershipPage)
        /// No `membership_pages` row under the digest.
        case missing
        /// Present but not a page this store wrote (why, as a sentence fragment).
        case unreadable(String)
    }

    /// The page stored under `digest`, decoded (once per `cache`). A page whose bytes do not hash to its
    /// digest is `unreadable`: the reader never trusts a page it cannot check.
    static func page(_ db: Database, digest: String, cache: MembershipPageCache) throws -> PageRead {
        if let page = cache.pages[digest] { return .page(page) }
        guard let row = try Row.fetchOne(db, sql: "SELECT body, size FROM membership_pages WHERE digest = ?", arguments: [digest]) else {
            return .missing
        }
        let bytes: [UInt8]
        switch BodyCodec.checked(row[0], size: row[1], digest: digest) {
        case .undecodable(let why): return .unreadable("cannot be read (\(why))")
        case .mismatch(let actual): return .unreadable("hashes to \(actual)")
        case .bytes(let checked): bytes = checked
        }
        guard let page = MembershipPage.decode(bytes) else { return .unreadable("is not a membership page") }
        cache.pages[digest] = page
        return .page(page)
    }

    /// How many members a snapshot holds per kind and namespace, from the `snapshot_objects` rows and the page
    /// references' counts (``verifyMembership(_:snapshot:cache:)`` checks those counts against the pages).
    static func memberCounts(_ db: Database, snapshot: Int64) throws -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        var queries = ["SELECT kind, namespace, COUNT(*) FROM snapshot_objects WHERE snapshot_id = ? GROUP BY kind, namespace"]
        if try db.tableExists("snapshot_pages") {
            queries.append("SELECT kind, namespace, SUM(member_count) FROM snapshot_pages WHERE snapshot_id = ? GROUP BY kind, namespace")
        }
        for sql in queries {
            for row in try Row.fetchAll(db, sql: sql, arguments: [snapshot]) {
                counts[row[0], default: [:]][row[1], default: 0] += row[2] as Int
            }
        }
        return counts
    }

    /// Every problem with the page references of one snapshot: a page missing, unreadable, not hashing to its
    /// address, or disagreeing with its reference row (kind, namespace, member count). Empty for a schema-3
    /// snapshot. `proof verify --db` reports these before comparing the member digest.
    static func verifyMembership(_ db: Database, snapshot: Int64, cache: MembershipPageCache) throws -> [String] {
        var problems: [String] = []
        for reference in try pageReferences(db, snapshot: snapshot) {
            let name = "membership page \(reference.digest) (\(reference.group.kind) in '\(reference.group.namespace)')"
            switch try page(db, digest: reference.digest, cache: cache) {
            case .missing:
                problems.append("\(name) is referenced but missing from membership_pages")
            case .unreadable(let why):
                problems.append("\(name) \(why): the page was edited")
            case .page(let page):
                if page.group != reference.group {
                    problems.append(
                        "\(name) holds \(page.group.kind) \(page.group.apiVersion) in '\(page.group.namespace)' but its reference says \(reference.group.kind) \(reference.group.apiVersion) in '\(reference.group.namespace)': the reference was edited")
                }
                if page.members.count != reference.count {
                    problems.append("\(name) holds \(page.members.count) members but its reference counts \(reference.count): the reference was edited")
                }
            }
        }
        return problems
    }

    /// The stored bodies of `digests` (unknown digests are absent from the answer), read in batches of 500.
    static func bodies(_ db: Database, digests: [String], path: String) throws -> [String: JSON] {
        var result: [String: JSON] = [:]
        result.reserveCapacity(digests.count)
        try inBatches(digests) { marks, batch in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT digest, proof_body(body) FROM objects WHERE digest IN (\(marks))", arguments: StatementArguments(batch))
            while let row = try cursor.next() {
                let digest: String = row[0]
                result[digest] = try Self.decodeJSON(row[1], path: path, what: "object \(digest)")
            }
        }
        return result
    }

    /// Calls `body` for each run of at most 500 of `digests`, with that many `?` placeholders (`?,?,…`).
    static func inBatches(_ digests: [String], _ body: (_ marks: String, _ batch: [String]) throws -> Void) rethrows {
        var start = 0
        while start < digests.count {
            let batch = Array(digests[start..<min(start + 500, digests.count)])
            start += batch.count
            try body(Array(repeating: "?", count: batch.count).joined(separator: ","), batch)
        }
    }

    // MARK: - Merging

    /// Copies the membership of the snapshots in `temp.merge_snapshots` (old id → new id) from the attached
    /// `source` store: `snapshot_objects` rows as they are, pages the target lacks, and the page references.
    /// Both sides are at this build's schema (opening migrates them).
    static func mergeMembership(_ db: Database) throws {
        let remapped = "(SELECT new FROM temp.merge_snapshots WHERE old = snapshot_id)"
        let selected = "snapshot_id IN (SELECT old FROM temp.merge_snapshots)"
        let columns = "api_version, kind, namespace, name, uid, resource_version, object_digest"
        try db.execute(
            sql: "INSERT INTO main.snapshot_objects (snapshot_id, \(columns)) SELECT \(remapped), \(columns) FROM source.snapshot_objects WHERE \(selected)")
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO main.membership_pages (digest, body, size)
                SELECT digest, body, size FROM source.membership_pages
                WHERE digest IN (SELECT page_digest FROM source.snapshot_pages WHERE \(selected))
                """)
        let references = "api_version, kind, namespace, part, page_digest, member_count"
        try db.execute(
            sql: "INSERT INTO main.snapshot_pages (snapshot_id, \(references)) SELECT \(remapped), \(references) FROM source.snapshot_pages WHERE \(selected)")
    }
}
