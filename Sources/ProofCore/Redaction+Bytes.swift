import Foundation
import ProofCScan

/// The capture's fast path: the canonical JSON of a list item straight from the bytes the server sent, without
/// building the object, for the items that normalising leaves as they are apart from dropping
/// `metadata.managedFields` (most of a cluster: pods, ReplicaSets, Events).
///
/// ``Redaction/canonicalIfUnchanged(_:apiVersion:kind:)`` gives exactly the bytes of
/// `normalize(typed(JSON(parsing: item))).canonicalData`, or `nil` whenever it cannot be sure of that, and the
/// caller takes the slow path. It is sure only of what it checks, each check a superset of a rule of
/// ``Redaction``'s, so anything a rule might touch goes the slow way:
///
/// - strings: printable ASCII with no escape but `\" \\ \b \f \n \r \t` (which canonical JSON writes the same
///   way); none that mentions `Secret` or holds what the ``Redactor`` would replace; one that holds a JSON
///   document (`last-applied-configuration`) passes only when the document passes these same checks and has
///   no `managedFields`; no credential flag (`--token`) in an array;
/// - members: no string under a credential-like name (`password: …`), no `name: <credential-like>` in an object
///   of at most three members (an environment variable), no repeated name, and names of printable ASCII only;
/// - numbers: integers of at most 18 digits, not `-0`, not with a leading zero (canonical JSON writes them as
///   they are);
/// - the object: not a Secret (by its own `kind` or the listed one), at most 64 levels deep.
///
/// Members are written in the canonical order (by their UTF-8 bytes); an item without `apiVersion` or `kind`
/// gets both from the listed type, as ``KubernetesClient.typed`` does. The differential tests hold it to the
/// slow path over generated Kubernetes-like items (`FastCanonicalTests`) and every object of the simulated
/// platform (`EncodeFromBytesTests`).
extension Redaction {
    /// The canonical JSON of the normalised `item` (one list item, typed as `apiVersion`/`kind` when it lacks
    /// either), or `nil` when normalising might change more than `metadata.managedFields`.
    public func canonicalIfUnchanged(_ item: UnsafeBufferPointer<UInt8>, apiVersion: String, kind: String) -> [UInt8]? {
        walk(item, apiVersion: apiVersion, kind: kind, scratch: CanonicalScratch()) { _, out in Array(out) }
    }

    /// ``canonicalIfUnchanged(_:apiVersion:kind:)`` with the item's version, read on the way (the same identity,
    /// uid and resourceVersion decoding the typed item gives); `nil` also when the item has no name, uid or
    /// resourceVersion.
    public func canonicalVersionIfUnchanged(_ item: UnsafeBufferPointer<UInt8>, apiVersion: String, kind: String)
        -> (version: ObjectVersion, body: [UInt8])?
    {
        canonicalVersionIfUnchanged(item, apiVersion: apiVersion, kind: kind, scratch: CanonicalScratch()) { version, body in
            (version, Array(body))
        }
    }

    /// ``canonicalVersionIfUnchanged(_:apiVersion:kind:)`` written into `scratch`'s memory and handed to `body`
    /// (valid only during the call): what a capture uses, one scratch for many items, so that no item allocates
    /// its output.
    public func canonicalVersionIfUnchanged<Result>(
        _ item: UnsafeBufferPointer<UInt8>, apiVersion: String, kind: String, scratch: CanonicalScratch,
        _ body: (ObjectVersion, UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        walk(item, apiVersion: apiVersion, kind: kind, scratch: scratch) { head, out in
            guard let name = head.name, let uid = head.uid, !uid.isEmpty, let resourceVersion = head.resourceVersion,
                !resourceVersion.isEmpty
            else { return nil }
            let typed = head.apiVersion == nil || head.kind == nil
            let identity = ObjectIdentity(
                apiVersion: typed ? apiVersion : head.apiVersion!, kind: typed ? kind : head.kind!, namespace: head.namespace ?? "",
                name: name)
            return body(ObjectVersion(identity: identity, uid: uid, resourceVersion: resourceVersion), out)
        } ?? nil
    }

    private func walk<Result>(
        _ item: UnsafeBufferPointer<UInt8>, apiVersion: String, kind: String, scratch: CanonicalScratch,
        _ body: (CanonicalBytesWriter.Head, UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        guard kind != "Secret" else { return nil }
        return CanonicalBytesWriter.walking(
            item, redactor: redactor, apiVersion: apiVersion, kind: kind, scratch: scratch,
            { writer throws(CanonicalBytesWriter.Unsure) in
                guard writer.peek == UInt8(ascii: "{") else { throw CanonicalBytesWriter.Unsure() }
                try writer.object(depth: 0, place: .top)
            }, body: body)
    }
}

/// Memory the canonical walk writes into and keeps its bookkeeping in, reused from item to item: a capture
/// walks tens of thousands of items, and allocating (and faulting in) an output buffer and a members array for
/// each was a few per cent of its CPU time.
///
/// Not `Sendable`, and used by one walk at a time: each worker of a capture makes its own (a chunk of items at
/// a time) and no walk hands it on.
public final class CanonicalScratch {
    /// The output buffer: `capacity` bytes, grown (never shrunk) to what an item needs.
    fileprivate var out: UnsafeMutablePointer<UInt8>
    fileprivate var capacity: Int
    fileprivate var members: [CanonicalBytesWriter.Member] = []
    fileprivate var sorting: [UInt8] = []

    /// Scratch with room for items of up to `capacity` bytes at first.
    public init(capacity: Int = 16 * 1024) {
        self.capacity = capacity
        out = .allocate(capacity: capacity)
        // A Kubernetes object nests a few levels of a dozen members or so: room for them all from the start.
        members.reserveCapacity(64)
    }

    deinit { out.deallocate() }

    /// The scratch a walk inside this one uses (a document held in a string), made when first needed.
    fileprivate var nested: CanonicalScratch {
        if let inner { return inner }
        let made = CanonicalScratch(capacity: 1024)
        inner = made
        return made
    }

    private var inner: CanonicalScratch?

    /// At least `count` bytes of output memory.
    fileprivate func reserve(_ count: Int) {
        guard count > capacity else { return }
        out.deallocate()
        capacity = max(count, 2 * capacity)
        out = .allocate(capacity: capacity)
    }
}

/// The byte walker behind ``Redaction/canonicalIfUnchanged(_:apiVersion:kind:)``: reads one value, checks it
/// and writes it canonically to `out`; throws ``Unsure`` at the first thing it does not vouch for.
struct CanonicalBytesWriter {
    struct Unsure: Error {}

    /// Where an object sits: the item itself, its top-level `metadata`, or anywhere else.
    enum Place {
        case top
        case topMetadata
        case inner
    }

    /// One member written to `out`: where its name's bytes are, and its `"name":value` in `out` (offsets).
    struct Member {
        /// The name's bytes in the input, or (`nil`) one of ``typeNames`` (`synthetic`).
        var name: Range<Int>?
        var synthetic = 0
        var written: Range<Int>
    }

    /// The names of the members typing adds.
    static let typeNames: [StaticString] = ["apiVersion", "kind"]

    let bytes: UnsafeBufferPointer<UInt8>
    let redactor: Redactor
    let apiVersion: String
    let kind: String
    /// What the item says of itself, read on the way: the top level's `apiVersion` and `kind`, and
    /// `metadata`'s `name`, `namespace`, `uid` and `resourceVersion` (each only when a string).
    struct Head {
        var apiVersion: String?
        var kind: String?
        var name: String?
        var namespace: String?
        var uid: String?
        var resourceVersion: String?

        mutating func set(_ field: HeadField, _ value: String) {
            switch field {
            case .apiVersion: apiVersion = value
            case .kind: kind = value
            case .name: name = value
            case .namespace: namespace = value
            case .uid: uid = value
            case .resourceVersion: resourceVersion = value
            }
        }
    }

    /// A member of ``Head``, named without a key path (reading one at run time costs a lookup and a retain).
    enum HeadField {
        case apiVersion, kind, name, namespace, uid, resourceVersion
    }

    var head = Head()
    /// Whether this walks a document held in a string (checking only: the string is kept as it is when
    /// normalising the document changes nothing); there, a `managedFields` anywhere is not vouched for.
    var embedded = false
    var index = 0
    /// The output: `written` bytes of `capacity` at `out`, memory the caller of ``walking`` owns. Writing past
    /// `capacity` throws ``Unsure`` (canonical output is never longer than the input and the typed members, so
    /// it does not happen).
    let out: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var written = 0
    /// The members of the objects being written, innermost last: each object's start where it began.
    var members: [Member] = []
    /// Where ``writeSorted(from:start:)`` keeps an object's members while it writes them back in order; reused
    /// by every object of the walk and lent by ``workspace`` (no allocation for an item, once it has grown).
    var sorting: [UInt8] = []
    /// The memory this walk writes into; a document held in a string is walked in its ``CanonicalScratch/nested``.
    let workspace: CanonicalScratch

    /// A writer into `workspace`'s output memory, of which `capacity` bytes are reserved.
    init(bytes: UnsafeBufferPointer<UInt8>, redactor: Redactor, apiVersion: String, kind: String, workspace: CanonicalScratch, capacity: Int) {
        self.bytes = bytes
        self.redactor = redactor
        self.apiVersion = apiVersion
        self.kind = kind
        self.workspace = workspace
        self.out = workspace.out
        self.capacity = capacity
    }

    /// Walks all of `bytes` as one document with `walk`, whitespace around it allowed, into `scratch`'s memory:
    /// hands `body` what the walker read of the item and the canonical bytes (valid during that call) when it
    /// vouched for everything; `nil`, without calling `body`, when it was unsure or something follows the document.
    static func walking<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>, redactor: Redactor, apiVersion: String = "", kind: String = "", embedded: Bool = false,
        scratch: CanonicalScratch, _ walk: (inout CanonicalBytesWriter) throws(Unsure) -> Void,
        body: (Head, UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        // Room for the input and the two typed members (whose values JSON escapes at most six to a byte).
        let capacity = bytes.count + 64 + 6 * (apiVersion.utf8.count + kind.utf8.count)
        scratch.reserve(capacity)
        var writer = CanonicalBytesWriter(
            bytes: bytes, redactor: redactor, apiVersion: apiVersion, kind: kind, workspace: scratch, capacity: capacity)
        writer.embedded = embedded
        // The scratch's arrays lent to the writer and taken back (swapped: no copy, no count of references).
        swap(&writer.members, &scratch.members)
        swap(&writer.sorting, &scratch.sorting)
        defer {
            writer.members.removeAll(keepingCapacity: true)
            swap(&writer.members, &scratch.members)
            swap(&writer.sorting, &scratch.sorting)
        }
        do throws(Unsure) {
            writer.skipWhitespace()
            try walk(&writer)
            writer.skipWhitespace()
        } catch {
            return nil
        }
        guard writer.index == bytes.count else { return nil }
        return body(writer.head, UnsafeBufferPointer(start: scratch.out, count: writer.written))
    }

    // MARK: Output

    @inline(__always)
    mutating func emit(_ byte: UInt8) throws(Unsure) {
        guard written < capacity else { throw Unsure() }
        out[written] = byte
        written += 1
    }

    /// The input's bytes in `range`, as they are.
    @inline(__always)
    mutating func emit(_ range: Range<Int>) throws(Unsure) {
        try emit(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    @inline(__always)
    mutating func emit(_ source: UnsafeBufferPointer<UInt8>) throws(Unsure) {
        guard source.count <= capacity - written else { throw Unsure() }
        if let base = source.baseAddress { (out + written).update(from: base, count: source.count) }
        written += source.count
    }

    /// `text` as a canonical JSON string, as ``JSON/writeString(_:into:)`` writes it: straight into the output
    /// when nothing in it is escaped (a type's `apiVersion` and `kind`).
    mutating func emitString(_ text: String) throws(Unsure) {
        var text = text
        if text.withUTF8(JSON.writesAsItIs) {
            try emit(UInt8(ascii: "\""))
            // `withUTF8` rethrows untyped: the closure answers whether its bytes fit instead.
            guard text.withUTF8({ utf8 in (try? emit(utf8)) != nil }) else { throw Unsure() }
            try emit(UInt8(ascii: "\""))
            return
        }
        var escaped: [UInt8] = []
        JSON.writeString(text, into: &escaped)
        try escaped.withUnsafeBufferPointer { buffer throws(Unsure) in try emit(buffer) }
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8) throws(Unsure) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { throw Unsure() }
        index += 1
    }

    // MARK: Values

    /// One value, written to `out`.
    mutating func value(depth: Int) throws(Unsure) {
        skipWhitespace()
        guard let first = peek else { throw Unsure() }
        switch first {
        case UInt8(ascii: "{"): try object(depth: depth + 1, place: .inner)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""):
            let string = try string()
            try checkValue(string)
            try emit(string.quoted)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(Unsure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Unsure() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Unsure() }
        try emit(index..<(index + count))
        index += count
    }

    /// An integer canonical JSON writes as it is.
    mutating func number() throws(Unsure) {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        let digits = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        let count = index - digits
        guard count >= 1, count <= 18 else { throw Unsure() }
        if bytes[digits] == 0x30, count > 1 || digits > start { throw Unsure() }  // 007, -0
        if let next = peek, next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { throw Unsure() }
        try emit(start..<index)
    }

    mutating func array(depth: Int) throws(Unsure) {
        guard depth <= 64 else { throw Unsure() }
        index += 1
        try emit(UInt8(ascii: "["))
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            try emit(UInt8(ascii: "]"))
            return
        }
        var first = true
        while true {
            if !first { try emit(UInt8(ascii: ",")) }
            first = false
            skipWhitespace()
            if peek == UInt8(ascii: "\"") {
                // `["--token", "VALUE"]`: the slow path replaces the argument after a credential flag.
                let string = try string()
                try checkValue(string)
                if try isCredentialFlag(string) { throw Unsure() }
                try emit(string.quoted)
            } else {
                try value(depth: depth)
            }
            skipWhitespace()
            guard let next = peek else { throw Unsure() }
            index += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else { throw Unsure() }
        }
        try emit(UInt8(ascii: "]"))
    }

    mutating func object(depth: Int, place: Place) throws(Unsure) {
        guard depth <= 64 else { throw Unsure() }
        index += 1
        try emit(UInt8(ascii: "{"))
        let start = written
        let first = members.count
        defer { members.removeLast(members.count - first) }
        var nameIsCredential = false
        var valueIsText = false
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw Unsure() }
                let name = try string()
                guard !name.escaped else { throw Unsure() }
                let nameBytes = bytes[name.content]
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                if embedded, Self.equals(nameBytes, "managedFields") { throw Unsure() }
                if place == .topMetadata, Self.equals(nameBytes, "managedFields") {
                    try skipValue()  // dropped by normalising
                } else {
                    let field = Self.headField(nameBytes, place)
                    let memberStart = written
                    try emit(name.quoted)
                    try emit(UInt8(ascii: ":"))
                    if peek == UInt8(ascii: "\"") {
                        let string = try string()
                        try checkValue(string)
                        let empty = string.content.isEmpty
                        // `password: "…"`: a string under a credential-like name is replaced.
                        if !empty, RedactionRules.isCredentialName(nameBytes) { throw Unsure() }
                        if Self.equals(nameBytes, "name"), !empty {
                            nameIsCredential = RedactionRules.isCredentialName(UnsafeBufferPointer(rebasing: bytes[string.content])[...])
                        } else if Self.equals(nameBytes, "value") {
                            valueIsText = !empty
                        }
                        if field == .kind, Self.equals(bytes[string.content], "Secret") { throw Unsure() }
                        if let field { head.set(field, try text(of: string)) }
                        try emit(string.quoted)
                    } else {
                        // `kind` or `apiVersion` that is not a string: the slow path's typing would keep it; an
                        // identifying member of metadata that is not a string: no version to read.
                        if field != nil { throw Unsure() }
                        if place == .top, Self.equals(nameBytes, "metadata"), peek == UInt8(ascii: "{") {
                            try object(depth: depth + 1, place: .topMetadata)
                        } else {
                            try value(depth: depth)
                        }
                    }
                    members.append(Member(name: name.content, written: (memberStart - start)..<(written - start)))
                    try emit(UInt8(ascii: ","))
                }
                skipWhitespace()
                guard let next = peek else { throw Unsure() }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw Unsure() }
            }
        }
        // An environment variable named like a credential carries one in `value`.
        if nameIsCredential, valueIsText, members.count - first <= 3 { throw Unsure() }
        if place == .top, head.apiVersion == nil || head.kind == nil {
            // Typed from the listed type: both set, whatever one of them said.
            guard head.apiVersion == nil, head.kind == nil else { throw Unsure() }
            for position in 0..<2 {
                let (name, text) = (Self.typeNames[position], position == 0 ? apiVersion : kind)
                let memberStart = written
                try emit(UInt8(ascii: "\""))
                try emit(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                try emit(UInt8(ascii: "\""))
                try emit(UInt8(ascii: ":"))
                try emitString(text)
                members.append(Member(name: nil, synthetic: position, written: (memberStart - start)..<(written - start)))
                try emit(UInt8(ascii: ","))
            }
        }
        try writeSorted(from: first, start: start)
        try emit(UInt8(ascii: "}"))
    }

    /// Puts the members from `members[first...]`, written since `start` (each followed by a comma), in
    /// canonical order, separated by commas; throws on a repeated name (parsing keeps the last, which this
    /// walker does not follow).
    mutating func writeSorted(from first: Int, start: Int) throws(Unsure) {
        guard first < members.count else { return }
        let input = bytes
        if (first + 1..<members.count).allSatisfy({ Self.compare(members[$0 - 1], members[$0], input) < 0 }) {
            written -= 1  // the last member's comma; the usual case for a server's output
            return
        }
        members[first...].sort { Self.compare($0, $1, input) < 0 }
        for position in (first + 1)..<members.count where Self.compare(members[position - 1], members[position], input) == 0 {
            throw Unsure()
        }
        // The members as written go to the scratch buffer, then come back in order (taken out of `self` while
        // they do, so writing to `out` does not overlap the access to it).
        var unsorted: [UInt8] = []
        swap(&unsorted, &sorting)
        defer { swap(&unsorted, &sorting) }
        unsorted.removeAll(keepingCapacity: true)
        unsorted.append(contentsOf: UnsafeBufferPointer(start: out + start, count: written - start))
        written = start
        try unsorted.withUnsafeBufferPointer { unsorted throws(Unsure) in
            for position in first..<members.count {
                if position > first { try emit(UInt8(ascii: ",")) }
                try emit(UnsafeBufferPointer(rebasing: unsorted[members[position].written]))
            }
        }
    }

    /// The order of two members' names by their UTF-8 bytes (negative, zero, positive).
    static func compare(_ a: Member, _ b: Member, _ input: UnsafeBufferPointer<UInt8>) -> Int {
        func withName<T>(_ member: Member, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
            if let range = member.name { return body(UnsafeBufferPointer(rebasing: input[range])) }
            let name = typeNames[member.synthetic]
            return body(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        return withName(a) { left in withName(b) { right in ByteOrder.compare(left, right) } }
    }

    // MARK: Strings

    /// A string's place in the input: with its quotes, and between them.
    struct StringRange {
        var quoted: Range<Int>
        var content: Range<Int>
        var escaped: Bool
    }

    /// Reads a string (at its opening quote); throws on bytes or escapes canonical JSON would write otherwise.
    mutating func string() throws(Unsure) -> StringRange {
        let open = index
        index += 1
        var escaped = false
        while index < bytes.count {
            index = StringRun.end(in: bytes, from: index, asciiOnly: true)
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return StringRange(quoted: open..<index, content: (open + 1)..<(index - 1), escaped: escaped)
            }
            guard byte >= 0x20, byte < 0x7F else { throw Unsure() }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { throw Unsure() }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    escaped = true
                    index += 2
                default:
                    throw Unsure()  // `\/` and `\u…` are written otherwise
                }
                continue
            }
            index += 1
        }
        throw Unsure()
    }

    /// Runs `body` on the text of a string: its bytes, or (when it has escapes) its bytes unescaped.
    func withText<T>(_ string: StringRange, _ body: (UnsafeBufferPointer<UInt8>) -> T) throws(Unsure) -> T {
        let content = UnsafeBufferPointer(rebasing: bytes[string.content])
        guard string.escaped else { return body(content) }
        return Self.unescaped(content).withUnsafeBufferPointer(body)
    }

    /// The text of a string's content that ``string()`` read: only `\" \\ \b \f \n \r \t` escapes, each a
    /// backslash and one byte. The runs between backslashes are copied whole (a `last-applied-configuration`
    /// holds a document with hundreds of escaped quotes).
    static func unescaped(_ content: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(content.count)
        guard let base = content.baseAddress else { return text }
        var index = 0
        while index < content.count {
            guard let found = memchr(base + index, 0x5C, content.count - index) else {
                text.append(contentsOf: UnsafeBufferPointer(rebasing: content[index...]))
                break
            }
            let backslash = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
            text.append(contentsOf: UnsafeBufferPointer(rebasing: content[index..<backslash]))
            switch content[backslash + 1] {
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case let escaped: text.append(escaped)  // `\"` and `\\`
            }
            index = backslash + 2
        }
        return text
    }

    /// A string's text as a `String`.
    func text(of string: StringRange) throws(Unsure) -> String {
        try withText(string) { String(decoding: $0, as: UTF8.self) }
    }

    private static let secretWord = Array("Secret".utf8)

    /// Throws when a string value is one the slow path might change: a Secret manifest's text, a credential the
    /// ``Redactor`` finds, or a document in a string (`last-applied-configuration`) that normalising would
    /// change. Such a document is kept as it is when normalising it changes nothing (``Redaction``'s
    /// `embeddedDocument`): it is walked with the same checks, and a `managedFields` anywhere in it refused.
    func checkValue(_ string: StringRange) throws(Unsure) {
        let redactor = redactor
        let workspace = workspace
        let untouched = try withText(string) { text -> Bool in
            if let first = text.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
                first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
            {
                if ByteSearch.firstIndex(of: Self.secretWord, in: text) != nil { return false }
                // Walked in memory of its own: the item's is in use.
                return Self.walking(text, redactor: redactor, embedded: true, scratch: workspace.nested) { writer throws(Unsure) in
                    try writer.value(depth: 0)
                } body: { _, _ in true } ?? false
            }
            // One pass for both: `Secret` anywhere, or anything the redactor would replace.
            return !redactor.wouldScrub(text, orHold: "Secret")
        }
        if !untouched { throw Unsure() }
    }

    /// Whether a string in an array is a credential flag (`--password`), whose next argument the slow path
    /// replaces.
    func isCredentialFlag(_ string: StringRange) throws(Unsure) -> Bool {
        guard !string.content.isEmpty, bytes[string.content.lowerBound] == UInt8(ascii: "-") else { return false }
        return Redaction.isCredentialFlag(try text(of: string))
    }

    // MARK: Skipping

    /// Skips a value (a dropped `managedFields`), checking its grammar as parsing would (`proof_skip_checked`, in
    /// C: it vouches for a strict subset of JSON, and anything else, such as a `\u` escape, is not vouched for
    /// here either). At most 64 levels inside it, as the walk allows.
    mutating func skipValue() throws(Unsure) {
        guard let base = bytes.baseAddress else { throw Unsure() }
        let end = proof_skip_checked(base, bytes.count, index, 64)
        guard end >= 0 else { throw Unsure() }
        index = end
    }

    // MARK: Bytes

    /// The ``Head`` field a member named `name` fills at `place`: `apiVersion` and `kind` at the top, `name`,
    /// `namespace`, `uid` and `resourceVersion` in the top-level metadata; `nil` for any other member.
    static func headField(_ name: Slice<UnsafeBufferPointer<UInt8>>, _ place: Place) -> HeadField? {
        switch place {
        case .top:
            if equals(name, "apiVersion") { return .apiVersion }
            if equals(name, "kind") { return .kind }
        case .topMetadata:
            if equals(name, "name") { return .name }
            if equals(name, "namespace") { return .namespace }
            if equals(name, "uid") { return .uid }
            if equals(name, "resourceVersion") { return .resourceVersion }
        case .inner:
            break
        }
        return nil
    }

    static func equals(_ slice: Slice<UnsafeBufferPointer<UInt8>>, _ word: StaticString) -> Bool {
        guard slice.count == word.utf8CodeUnitCount else { return false }
        var offset = 0
        for byte in slice {
            if byte != word.utf8Start[offset] { return false }
            offset += 1
        }
        return true
    }
}
