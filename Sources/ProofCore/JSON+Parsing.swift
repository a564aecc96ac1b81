import ProofCScan

/// A JSON text that could not be parsed, with the byte offset, line and column where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, such as "expected ',' or '}'".
    public var message: String
    /// Zero-based byte offset into the input.
    public var offset: Int
    /// One-based line.
    public var line: Int
    /// One-based column (in bytes).
    public var column: Int

    public var description: String { "invalid JSON at line \(line), column \(column): \(message)" }
}

extension JSON {
    /// Parses one JSON document (RFC 8259) from UTF-8 bytes; trailing whitespace is allowed, anything else is not.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        let array = Array(bytes)
        let result: Result<JSON, JSONParseError> = array.withUnsafeBufferPointer { buffer in
            var parser = JSONByteParser(buffer)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Parses one JSON document from a string.
    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses the JSON document at `range` of `bytes` in place (no copy of the bytes): one item of a list
    /// page found by ``scanList(_:)``. Offsets in an error are relative to `range.lowerBound`.
    public init(parsing bytes: [UInt8], range: Range<Int>) throws(JSONParseError) {
        let result: Result<JSON, JSONParseError> = bytes.withUnsafeBufferPointer { whole in
            var parser = JSONByteParser(UnsafeBufferPointer(rebasing: whole[range]))
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Reads a Kubernetes list answer (`{"metadata": …, "items": [ … ]}`) without building its items: the
    /// whole text is checked exactly as ``init(parsing:)-([UInt8])`` checks it (same grammar, same depth limit),
    /// `metadata` is parsed, and each element of `items` is returned as its byte range, to be parsed one at a
    /// time (``init(parsing:range:)``) and let go. A duplicated member counts once, the last one, as when parsing.
    public static func scanList(_ bytes: [UInt8]) throws(JSONParseError) -> JSONListScan {
        try scanList(bytes, checkingItems: true)
    }

    /// ``scanList(_:)`` checking less: each element of `items` that is an object or an array is found by its
    /// brackets and quotes alone, and what it holds is not checked; everything else is checked as
    /// ``scanList(_:)`` checks it, the depth limit included. A capture's pages take this, and each item is then
    /// checked once, by whatever reads it (the canonical walk, or parsing), instead of twice.
    ///
    /// For a valid answer the result is exactly ``scanList(_:)``'s. For an invalid one it may throw another
    /// error than the parser's, or return ranges of which one is not a valid JSON value; so every item must be
    /// checked before it is used, and the error to report, wherever it shows, is ``scanList(_:)``'s (as the
    /// client's ``ListPage`` does).
    public static func splitList(_ bytes: [UInt8]) throws(JSONParseError) -> JSONListScan {
        try scanList(bytes, checkingItems: false)
    }

    /// ``scanList(_:)`` (`checkingItems`) or ``splitList(_:)``.
    private static func scanList(_ bytes: [UInt8], checkingItems: Bool) throws(JSONParseError) -> JSONListScan {
        let result: Result<JSONListScan, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONByteParser(buffer)
            do throws(JSONParseError) {
                return .success(try parser.scanListDocument(checkingItems: checkingItems))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension JSON {
    /// What the first bytes of a list answer say of its `continue` token, read before the rest has arrived:
    /// the API server writes `kind`, `apiVersion` and `metadata` before `items`, so a client can ask for the
    /// next page while this one is still on its way. Only a hint: the whole answer's ``scanList(_:)`` is what
    /// counts (a repeated `metadata`, say, replaces this one).
    public enum ListHead: Sendable, Equatable {
        /// More bytes are needed (or what came so far is not JSON: reading more will not change that, so a
        /// caller bounds how long it keeps trying).
        case incomplete
        /// `metadata` came first, whole: its `continue` token (`nil` when absent, empty or not a string).
        case metadata(continueToken: String?)
        /// `items` (or something that is not an object) comes before `metadata`: the token is at the end.
        case itemsFirst
    }

    /// Reads ``ListHead`` from `prefix`, the start of a list answer.
    public static func listHead(_ prefix: UnsafeBufferPointer<UInt8>) -> ListHead {
        var parser = JSONByteParser(prefix)
        return parser.listHead()
    }

    /// The `continue` token of a list's `metadata`: `nil` when it is absent, empty or not a string (the last page).
    public static func continueToken(inListMetadata metadata: JSON?) -> String? {
        guard let token = metadata?["continue"]?.stringValue, !token.isEmpty else { return nil }
        return token
    }
}

extension JSON {
    /// The members of the object at `range` of `bytes` that identify it and its version (`apiVersion`, `kind`,
    /// `metadata.name`, `namespace`, `uid`, `resourceVersion`) without building anything else, exactly as
    /// parsing the object and reading them would give (the last of a repeated member counts; a member that is
    /// not a string reads as `nil`). `nil` when the text there is not a valid JSON object.
    public static func scanHead(_ bytes: [UInt8], range: Range<Int>) -> JSONObjectHead? {
        bytes.withUnsafeBufferPointer { whole in
            var parser = JSONByteParser(UnsafeBufferPointer(rebasing: whole[range]))
            return try? parser.scanHeadDocument()
        }
    }
}

/// What ``JSON/scanHead(_:range:)`` read from an object.
public struct JSONObjectHead: Sendable, Equatable {
    /// Whether the object has an `apiVersion` member (of any type).
    public var hasAPIVersion = false
    /// Whether the object has a `kind` member (of any type).
    public var hasKind = false
    /// `apiVersion`, when it is a string.
    public var apiVersion: String?
    /// `kind`, when it is a string.
    public var kind: String?
    /// `metadata.name`, when it is a string.
    public var name: String?
    /// `metadata.namespace`, when it is a string.
    public var namespace: String?
    /// `metadata.uid`, when it is a string.
    public var uid: String?
    /// `metadata.resourceVersion`, when it is a string.
    public var resourceVersion: String?

    /// A head with the given members (all absent by default).
    public init(
        hasAPIVersion: Bool = false, hasKind: Bool = false, apiVersion: String? = nil, kind: String? = nil, name: String? = nil,
        namespace: String? = nil, uid: String? = nil, resourceVersion: String? = nil
    ) {
        self.hasAPIVersion = hasAPIVersion
        self.hasKind = hasKind
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}

/// What ``JSON/scanList(_:)`` found in a list answer.
public struct JSONListScan: Sendable, Equatable {
    /// The list's `metadata` (`resourceVersion`, `continue`), or `nil` when it has none or is not an object.
    public var metadata: JSON?
    /// The byte range of each element of `items`, in order; `nil` when `items` is missing, `null` or not an array.
    public var items: [Range<Int>]?
    /// Whether `items` is present but neither an array nor `null` (a protocol violation for a list).
    public var itemsMalformed = false
}

/// A recursive-descent parser over a byte buffer; kept small and allocation-light because captures parse
/// tens of thousands of objects.
struct JSONByteParser {
    fileprivate let bytes: UnsafeBufferPointer<UInt8>
    fileprivate var index = 0
    private var depth = 0
    private static let maxDepth = 512
    /// The members of the objects being parsed, innermost last (see `parseObject`).
    private var pending: [(String, JSON)] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index != bytes.count { throw error("unexpected data after the JSON value") }
        return value
    }

    /// ``JSON/scanList(_:)``: the top-level object's `items` as ranges, its `metadata` parsed, the rest skipped;
    /// without `checkingItems`, ``JSON/splitList(_:)``.
    mutating func scanListDocument(checkingItems: Bool = true) throws(JSONParseError) -> JSONListScan {
        var scan = JSONListScan()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else {
            try skipValue()
            skipWhitespace()
            if index != bytes.count { throw error("unexpected data after the JSON value") }
            return scan
        }
        try members { parser, key throws(JSONParseError) in
            switch key {
            case "items":
                // A repeated `items` replaces the earlier one, whose unchecked items would then never be read.
                if !checkingItems, let earlier = scan.items { try parser.check(earlier) }
                guard parser.index < parser.bytes.count else { throw parser.error("unexpected end of input") }
                if parser.bytes[parser.index] == UInt8(ascii: "[") {
                    scan.items = try parser.itemRanges(checking: checkingItems)
                    scan.itemsMalformed = false
                } else {
                    let start = parser.index
                    try parser.skipValue()
                    let isNull = parser.index - start == 4 && parser.bytes[start] == UInt8(ascii: "n")
                    scan.items = nil
                    scan.itemsMalformed = !isNull
                }
            case "metadata":
                let value = try parser.parseValue()
                if case .object = value { scan.metadata = value } else { scan.metadata = nil }
            default:
                try parser.skipValue()
            }
        }
        skipWhitespace()
        if index != bytes.count { throw error("unexpected data after the JSON value") }
        return scan
    }

    /// ``JSON/listHead(_:)``: the top-level object's members up to `metadata` (parsed) or `items`.
    mutating func listHead() -> JSON.ListHead {
        skipWhitespace()
        guard index < bytes.count else { return .incomplete }
        guard bytes[index] == UInt8(ascii: "{") else { return .itemsFirst }
        index += 1
        while true {
            skipWhitespace()
            guard index < bytes.count else { return .incomplete }
            guard bytes[index] == UInt8(ascii: "\"") else { return .itemsFirst }
            guard let key = try? parseString() else { return .incomplete }
            skipWhitespace()
            guard index < bytes.count else { return .incomplete }
            guard bytes[index] == UInt8(ascii: ":") else { return .itemsFirst }
            index += 1
            skipWhitespace()
            switch key {
            case "metadata":
                guard let metadata = try? parseValue() else { return .incomplete }
                return .metadata(continueToken: JSON.continueToken(inListMetadata: metadata))
            case "items":
                return .itemsFirst
            default:
                guard (try? skipValue()) != nil else { return .incomplete }
            }
            skipWhitespace()
            guard index < bytes.count else { return .incomplete }
            guard bytes[index] == UInt8(ascii: ",") else { return .itemsFirst }
            index += 1
        }
    }

    /// ``JSON/scanHead(_:range:)``: a whole object document, reading only its identifying members.
    mutating func scanHeadDocument() throws(JSONParseError) -> JSONObjectHead {
        var head = JSONObjectHead()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw error("not an object") }
        try members { parser, key throws(JSONParseError) in
            switch key {
            case "apiVersion":
                head.hasAPIVersion = true
                head.apiVersion = try parser.stringOrSkip()
            case "kind":
                head.hasKind = true
                head.kind = try parser.stringOrSkip()
            case "metadata":
                // A later `metadata` replaces an earlier one whole.
                (head.name, head.namespace, head.uid, head.resourceVersion) = (nil, nil, nil, nil)
                guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "{") else {
                    try parser.skipValue()
                    return
                }
                try parser.members { parser, key throws(JSONParseError) in
                    switch key {
                    case "name": head.name = try parser.stringOrSkip()
                    case "namespace": head.namespace = try parser.stringOrSkip()
                    case "uid": head.uid = try parser.stringOrSkip()
                    case "resourceVersion": head.resourceVersion = try parser.stringOrSkip()
                    default: try parser.skipValue()
                    }
                }
            default:
                try parser.skipValue()
            }
        }
        skipWhitespace()
        if index != bytes.count { throw error("unexpected data after the JSON value") }
        return head
    }

    /// Walks the object at `index`, handing each member's key to `member`, which must consume the value; with
    /// `decodingKeys` false keys are only checked, and `member` gets `""`.
    private mutating func members(
        decodingKeys: Bool = true, _ member: (inout JSONByteParser, String) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key: String
            if decodingKeys {
                key = try parseString()
            } else {
                try skipString()
                key = ""
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            } else {
                throw error("expected ',' or '}'")
            }
        }
    }

    /// The string value at `index`, or `nil` after skipping a value of another type.
    private mutating func stringOrSkip() throws(JSONParseError) -> String? {
        guard index < bytes.count else { throw error("unexpected end of input") }
        if bytes[index] == UInt8(ascii: "\"") { return try parseString() }
        try skipValue()
        return nil
    }

    /// The byte ranges of an array's elements (each checked, none built); without `checking`, an element that is
    /// an object or an array is only measured (``skipExtent()``).
    private mutating func itemRanges(checking: Bool) throws(JSONParseError) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        try elements { parser throws(JSONParseError) in
            let start = parser.index
            if !checking, parser.index < parser.bytes.count, parser.bytes[parser.index] | 0x20 == UInt8(ascii: "{") {
                try parser.skipExtent()  // `{` or `[` (0x5B | 0x20 is 0x7B)
            } else {
                try parser.skipValue()
            }
            ranges.append(start..<parser.index)
        }
        return ranges
    }

    /// Checks the elements at `ranges` of an array inside the value being walked, as parsing checks them.
    private mutating func check(_ ranges: [Range<Int>]) throws(JSONParseError) {
        let resume = index
        depth += 1
        defer {
            depth -= 1
            index = resume
        }
        for range in ranges {
            index = range.lowerBound
            try skipValue()
        }
    }

    /// Moves past the object or array at `index` by its brackets alone, strings passed over by their quotes, what
    /// it holds unchecked: for a valid value exactly where ``skipValue()`` ends. Throws when brackets nest deeper
    /// than parsing allows or the input ends first (the message is then not necessarily the parser's). Runs in C,
    /// 64 bytes at a time (`proof_skip_extent`): splitting a capture's pages into items reads every byte.
    private mutating func skipExtent() throws(JSONParseError) {
        guard let base = bytes.baseAddress else { throw error("unexpected end of input") }
        let end = proof_skip_extent(base, bytes.count, index, Int32(Self.maxDepth - depth))
        guard end < 0 else {
            index = end
            return
        }
        switch end {
        case PROOF_SCAN_TOO_DEEP: throw error("nesting deeper than \(Self.maxDepth)")
        case PROOF_SCAN_UNTERMINATED_STRING: throw error("unterminated string")
        default: throw error("unexpected end of input")
        }
    }

    /// Walks the array at `index`, calling `element` at each element (whitespace skipped), which must consume it.
    private mutating func elements(_ element: (inout JSONByteParser) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            } else {
                throw error("expected ',' or ']'")
            }
        }
    }

    /// Checks one value exactly as ``parseValue()`` would and moves past it, building nothing.
    private mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try members(decodingKeys: false) { parser, _ throws(JSONParseError) in try parser.skipValue() }
        case UInt8(ascii: "["): try elements { parser throws(JSONParseError) in try parser.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    /// Checks one string exactly as ``parseString()`` would (escapes, surrogate pairs, control characters)
    /// and moves past it.
    private mutating func skipString() throws(JSONParseError) {
        index += 1  // opening quote
        while index < bytes.count {
            index = StringRun.end(in: bytes, from: index, asciiOnly: false)
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    try checkUnicodeEscape()
                default:
                    throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in string") }
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// Checks one number exactly as ``parseNumber()`` would (its grammar; any such text is a valid Double) and
    /// moves past it.
    private mutating func skipNumber() throws(JSONParseError) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
            throw error("invalid number")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            if index == digitsStart { throw error("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            if index == digitsStart { throw error("invalid number") }
        }
    }

    fileprivate func error(_ message: String) -> JSONParseError {
        var line = 1
        var column = 1
        for position in 0..<min(index, bytes.count) {
            if bytes[position] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return JSONParseError(message: message, offset: index, line: line, column: column)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSON {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSON {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        // Members gather on a stack shared by every nesting level, then go into a dictionary made at its final
        // size: no rehashing as it grows. Inserted in order, so a repeated key keeps its last value.
        let base = pending.count
        defer { pending.removeSubrange(base...) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            pending.append((key, value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                var members = [String: JSON](minimumCapacity: pending.count - base)
                for position in base..<pending.count { members[pending[position].0] = pending[position].1 }
                return .object(members)
            } else {
                throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSON {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [JSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            } else {
                throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in string") }
            index += 1
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    let unicode = try checkUnicodeEscape()
                    scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in string") }
                // The run up to the next quote, backslash or control character, appended at once.
                let end = StringRun.end(in: bytes, from: index + 1, asciiOnly: false)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                index = end
            }
        }
        throw error("unterminated string")
    }

    /// The scalar of a `\\u` escape (after the `u`), with its low surrogate when it is a high one.
    @discardableResult
    private mutating func checkUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        var scalar = try parseHex4()
        if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate") }
            index += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw error("unpaired surrogate")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid unicode escape") }
        return unicode
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
            throw error("invalid number")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            if index == digitsStart { throw error("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            if index == digitsStart { throw error("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw error("invalid number") }
        return .double(value)
    }
}
