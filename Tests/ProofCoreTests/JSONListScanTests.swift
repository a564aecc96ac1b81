import Testing

@testable import ProofCore

/// Random JSON texts shaped like list answers: nested objects and arrays, escapes, surrogate pairs, numbers of
/// every form, whitespace anywhere, and now and then a duplicated member.
struct JSONTextGenerator {
    var random: SplitMix64

    mutating func whitespace() -> String {
        [" ", "", "", "\n  ", "\t", ""].randomElement(using: &random)!
    }

    mutating func string() -> String {
        let pieces = ["a", "name", "metadata", "items", "é", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "kind: Secret", "{", "[", " ", "x"]
        var text = "\""
        for _ in 0..<Int.random(in: 0...4, using: &random) { text += pieces.randomElement(using: &random)! }
        return text + "\""
    }

    mutating func number() -> String {
        ["0", "-1", "42", "9007199254740993", "-9223372036854775808", "3.25", "1e3", "-2.5E-3", "1e400", "0.0"].randomElement(using: &random)!
    }

    mutating func value(depth: Int) -> String {
        let choice = depth > 4 ? Int.random(in: 0..<4, using: &random) : Int.random(in: 0..<7, using: &random)
        switch choice {
        case 0: return string()
        case 1: return number()
        case 2: return ["true", "false", "null"].randomElement(using: &random)!
        case 3: return string()
        case 4, 5: return object(depth: depth + 1)
        default:
            let count = Int.random(in: 0...4, using: &random)
            return "[" + (0..<count).map { _ in whitespace() + value(depth: depth + 1) + whitespace() }.joined(separator: ",") + "]"
        }
    }

    mutating func object(depth: Int) -> String {
        let count = Int.random(in: 0...5, using: &random)
        var members = (0..<count).map { _ in whitespace() + string() + whitespace() + ":" + whitespace() + value(depth: depth + 1) }
        if let first = members.first, Bool.random(using: &random) { members.append(first) }  // a duplicated member
        return "{" + members.joined(separator: ",") + whitespace() + "}"
    }

    /// A ``list()`` with one byte deleted, duplicated or replaced by a character of JSON's grammar.
    mutating func damagedList() -> [UInt8] {
        var bytes = Array(list().utf8)
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<3, using: &random) {
        case 0: bytes.remove(at: position)
        case 1: bytes.insert(bytes[position], at: position)
        default: bytes[position] = Array(#"{}[],:"\ 0a-e.u"#.utf8).randomElement(using: &random)!
        }
        return bytes
    }

    /// A list answer: `kind`, `metadata`, `items`, in a random order, sometimes with `items` twice or not an array.
    mutating func list() -> String {
        var members: [String] = []
        members.append(#""kind":"PodList""#)
        members.append(#""metadata":{"resourceVersion":"17","continue":"#  + string() + "}")
        let items = (0..<Int.random(in: 0...6, using: &random)).map { _ in whitespace() + (Bool.random(using: &random) ? object(depth: 2) : value(depth: 2)) + whitespace() }
        members.append(#""items":"# + whitespace() + "[" + items.joined(separator: ",") + "]")
        switch Int.random(in: 0..<8, using: &random) {
        case 0: members.append(#""items":null"#)
        case 1: members.append(#""items":"# + value(depth: 1))
        case 2: members.append(#""metadata":"# + value(depth: 1))
        default: break
        }
        members.shuffle(using: &random)
        return whitespace() + "{" + members.map { whitespace() + $0 }.joined(separator: ",") + "}" + whitespace()
    }
}

@Suite("JSON list scanning")
struct JSONListScanTests {
    /// What the slow path (parse the whole answer) gives: `metadata` and `items`.
    static func parsed(_ bytes: [UInt8]) throws -> (metadata: JSON?, items: [JSON]?, malformed: Bool) {
        let whole = try JSON(parsing: bytes)
        let metadata: JSON? = if case .object? = whole["metadata"] { whole["metadata"] } else { nil }
        switch whole["items"] {
        case .array(let items)?: return (metadata, items, false)
        case nil, .null?: return (metadata, nil, false)
        default: return (metadata, nil, true)
        }
    }

    @Test("a generated corpus of list answers: the items decoded one by one from their ranges equal the whole parse")
    func scanMatchesParse() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 13))
        var itemsSeen = 0
        for _ in 0..<2_000 {
            let bytes = Array(generator.list().utf8)
            let expected = try Self.parsed(bytes)
            let scan = try JSON.scanList(bytes)
            #expect(scan.metadata == expected.metadata)
            #expect(scan.itemsMalformed == expected.malformed)
            let items = try scan.items?.map { try JSON(parsing: bytes, range: $0) }
            #expect(items == expected.items)
            // Canonical bytes, what digests are made of, are the same too.
            #expect(items?.map(\.canonicalData) == expected.items?.map(\.canonicalData))
            itemsSeen += items?.count ?? 0
        }
        #expect(itemsSeen > 2_000)
    }

    @Test("a damaged list answer is refused by the scan exactly when the parser refuses it")
    func scanRefusesWhatParseRefuses() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 7))
        var refused = 0
        for _ in 0..<2_000 {
            let bytes = generator.damagedList()
            let parseError: JSONParseError?
            do { _ = try JSON(parsing: bytes); parseError = nil } catch { parseError = error }
            let scanError: JSONParseError?
            do { _ = try JSON.scanList(bytes); scanError = nil } catch { scanError = error }
            #expect(scanError == parseError, "\(String(decoding: bytes, as: UTF8.self))")
            if parseError != nil { refused += 1 }
        }
        #expect(refused > 500)
    }

    @Test("the split gives exactly the scan's result for every valid answer")
    func splitMatchesScan() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 21))
        for _ in 0..<2_000 {
            let bytes = Array(generator.list().utf8)
            #expect(try JSON.splitList(bytes) == JSON.scanList(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("a damaged answer the parser refuses is refused by the split, or one of the items it finds does not parse")
    func splitLeavesNoDamageUnfound() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 7))
        var (refusedBySplit, foundInAnItem) = (0, 0)
        for _ in 0..<4_000 {
            let bytes = generator.damagedList()
            let text = String(decoding: bytes, as: UTF8.self)
            guard (try? JSON(parsing: bytes)) == nil else {
                #expect(try JSON.splitList(bytes) == JSON.scanList(bytes), "\(text)")
                continue
            }
            guard let split = try? JSON.splitList(bytes) else {
                refusedBySplit += 1
                continue
            }
            let unparsed = (split.items ?? []).filter { (try? JSON(parsing: bytes, range: $0)) == nil }
            #expect(!unparsed.isEmpty, "the split passed a damaged answer whose items all parse: \(text)")
            if !unparsed.isEmpty { foundInAnItem += 1 }
        }
        // Both ways of finding damage are exercised.
        #expect(refusedBySplit > 300)
        #expect(foundInAnItem > 300)
    }

    @Test("the split keeps the parser's depth limit and passes over brackets and escaped quotes inside strings")
    func splitDepthAndStrings() throws {
        func list(_ item: String) -> [UInt8] { Array(("{\"items\":[" + item + "]}").utf8) }
        // 510 levels inside the list's two: the deepest the parser takes, then one too many.
        let deepest = list(String(repeating: "[", count: 510) + String(repeating: "]", count: 510))
        #expect(try JSON.splitList(deepest) == JSON.scanList(deepest))
        let tooDeep = list(String(repeating: "[", count: 511) + String(repeating: "]", count: 511))
        #expect(throws: JSONParseError.self) { try JSON.scanList(tooDeep) }
        #expect(throws: JSONParseError.self) { try JSON.splitList(tooDeep) }
        let tricky = list(#"{"a":"}]\"\\","b":["\\\"{"]},{"c":"x"}"#)
        #expect(try JSON.splitList(tricky) == JSON.scanList(tricky))
        #expect(try JSON.splitList(tricky).items?.count == 2)
        #expect(throws: JSONParseError.self) { try JSON.splitList(list(#"{"a":"unterminated}"#)) }
    }

    @Test("the split reads 64 bytes at a time: runs of backslashes, quotes and brackets at every place across a block's edge")
    func splitAcrossBlocks() throws {
        var lists = 0
        for run in 0...9 {
            // `run` backslashes then a quote: an odd run escapes the quote (the string goes on), an even one not.
            let backslashes = String(repeating: #"\\"#, count: run / 2) + (run % 2 == 1 ? #"\""# : "")
            for offset in 0..<70 {
                let pad = String(repeating: "x", count: offset)
                for item in [
                    #"{"a":"\#(pad)\#(backslashes)]}{[","b":[1,{"c":"\#(backslashes)"}]}"#,
                    #"["\#(pad)","\#(backslashes)}",[[["\#(backslashes)"]]],{}]"#,
                    #"{"\#(pad)\#(backslashes)":{"k\#(backslashes)":"]"}}"#,
                ] {
                    let bytes = Array((#"{"metadata":{},"items":["# + item + "," + item + "]}").utf8)
                    #expect(try JSON.splitList(bytes) == JSON.scanList(bytes), "\(String(decoding: bytes, as: UTF8.self))")
                    #expect(try JSON.splitList(bytes).items?.count == 2)
                    lists += 1
                }
            }
        }
        #expect(lists == 10 * 70 * 3)
        // An item that ends inside a string, or before its brackets close, at each place of a block.
        for offset in 0..<70 {
            let pad = String(repeating: "y", count: offset)
            #expect(throws: JSONParseError.self) { try JSON.splitList(Array(#"{"items":[{"a":"\#(pad)"#.utf8)) }
            #expect(throws: JSONParseError.self) { try JSON.splitList(Array(#"{"items":[{"a":[\#(pad.isEmpty ? "" : "1")"#.utf8)) }
        }
    }

    @Test("no items, null items, items that are not an array, a top level that is not an object")
    func edgeCases() throws {
        #expect(try JSON.scanList(Array(#"{"metadata":{"continue":"t"}}"#.utf8)) == JSONListScan(metadata: ["continue": "t"], items: nil))
        #expect(try JSON.scanList(Array(#"{"items":null}"#.utf8)) == JSONListScan(metadata: nil, items: nil))
        #expect(try JSON.scanList(Array(#"{"items":{}}"#.utf8)) == JSONListScan(metadata: nil, items: nil, itemsMalformed: true))
        #expect(try JSON.scanList(Array(#"{"items":[1],"items":null}"#.utf8)) == JSONListScan(metadata: nil, items: nil))
        #expect(try JSON.scanList(Array(#"[1,2]"#.utf8)) == JSONListScan(metadata: nil, items: nil))
        #expect(try JSON.scanList(Array(#"{"items":[ {"a":1} , 2 ]}"#.utf8)) == JSONListScan(metadata: nil, items: [11..<18, 21..<22]))
        let deep = Array(("{\"items\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}").utf8)
        #expect(throws: JSONParseError.self) { try JSON.scanList(deep) }
    }
}

@Suite("A list answer's head, read before the rest arrives")
struct JSONListHeadTests {
    func head(_ text: some Collection<UInt8>) -> JSON.ListHead {
        Array(text).withUnsafeBufferPointer { JSON.listHead($0) }
    }

    @Test("every prefix of an answer in the API server's order: incomplete until metadata is whole, then its token")
    func everyPrefix() {
        let answer = Array(#"{"kind":"Event\"List","apiVersion":"v1","metadata":{"continue":"eyJ2Ijoi\u0041","resourceVersion":"7","remainingItemCount":3},"items":[{"metadata":{"name":"a"}}]}"#.utf8)
        let end = answer.firstIndex(of: UInt8(ascii: "3"))! + 2  // just past metadata's closing brace
        for length in 0...answer.count {
            let expected: JSON.ListHead = length < end ? .incomplete : .metadata(continueToken: "eyJ2IjoiA")
            #expect(head(answer[..<length]) == expected, "prefix of \(length) bytes")
        }
        // Whitespace anywhere between the members.
        #expect(head(Array(" {\n \"kind\" : \"PodList\" ,\t\"metadata\" : { \"continue\" : \"t\" } ,".utf8)) == .metadata(continueToken: "t"))
    }

    @Test("no token, an empty one, one that is not a string, metadata that is not an object: the last page")
    func noToken() {
        #expect(head(Array(#"{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":["#.utf8)) == .metadata(continueToken: nil))
        #expect(head(Array(#"{"metadata":{"continue":""}"#.utf8)) == .metadata(continueToken: nil))
        #expect(head(Array(#"{"metadata":{"continue":7}"#.utf8)) == .metadata(continueToken: nil))
        #expect(head(Array(#"{"metadata":null,"#.utf8)) == .metadata(continueToken: nil))
    }

    @Test("items first (sorted keys, as kubectl prints), or not an object, or not JSON: the token is read at the end")
    func itemsFirst() {
        #expect(head(Array(#"{"apiVersion":"v1","items":[{"metadata":{"continue":"no"}}"#.utf8)) == .itemsFirst)
        #expect(head(Array(#"[{"metadata":{}}"#.utf8)) == .itemsFirst)
        #expect(head(Array(#"{}"#.utf8)) == .itemsFirst)
        #expect(head(Array(#"{"kind" "x"}"#.utf8)) == .itemsFirst)
        #expect(head(Array(#"{"kind":"x";"metadata":{}}"#.utf8)) == .itemsFirst)
        #expect(head(Array(#"{"kind":"x","metadata":{"continue":"t""#.utf8)) == .incomplete)
        #expect(head(Array(#"{"kind":"x","metadata":{"continue":"t"x"#.utf8)) == .incomplete)  // a caller bounds its tries
    }
}

@Suite("Canonical encoding and parsing fast paths")
struct CanonicalFastPathTests {
    /// The canonical encoding written the plain way (keys sorted with `lexicographicallyPrecedes`, looked up
    /// again, every string escaped byte by byte): what the fast paths must reproduce byte for byte.
    static func reference(_ value: JSON, into out: inout [UInt8]) {
        switch value {
        case .string(let text): JSON.writeEscapedString(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                reference(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (position, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeEscapedString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                reference(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        default: value.writeCanonical(into: &out)
        }
    }

    @Test("a generated corpus encodes to the same bytes as the plain encoder, non-ASCII and escaped keys included")
    func canonicalMatchesReference() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 2026))
        for _ in 0..<2_000 {
            let value = try JSON(parsing: generator.object(depth: 0))
            var expected: [UInt8] = []
            Self.reference(value, into: &expected)
            #expect(value.canonicalData == expected)
        }
        // Keys whose UTF-8 order differs from String's order, a bridged (non-contiguous) string, escapes.
        let keys = ["é", "z", "e\u{301}", "Z", "a\"b", "a\\b", "a\nb", "", "\u{7f}", "😀", "ﬀ"]
        var object: [String: JSON] = [:]
        for (index, key) in keys.enumerated() { object[key] = .string(key + String(index)) }
        var expected: [UInt8] = []
        Self.reference(.object(object), into: &expected)
        #expect(JSON.object(object).canonicalData == expected)
    }

    @Test("a repeated member keeps its last value, nested objects parse whole, and errors inside objects unwind")
    func objectParsing() throws {
        let parsed = try JSON(parsing: #"{"a":1,"b":{"c":[{"d":2,"d":3}],"e":{}},"a":4}"#)
        #expect(parsed == ["a": 4, "b": ["c": [["d": 3]], "e": [:]]])
        #expect(try JSON(parsing: #"{"x":{"y":1},"z":[{},{"w":null,"v":[]}],"u":"t"}"#) == ["x": ["y": 1], "z": [[:], ["w": nil, "v": []]], "u": "t"])
        #expect(throws: JSONParseError.self) { try JSON(parsing: #"{"a":{"b":1,"c":}}"#) }
    }
}

@Suite("Object heads read without decoding")
struct JSONObjectHeadTests {
    /// The slow path: parse the object and read the members.
    static func parsedHead(_ object: JSON) -> JSONObjectHead? {
        guard case .object(let members) = object else { return nil }
        return JSONObjectHead(
            hasAPIVersion: members["apiVersion"] != nil, hasKind: members["kind"] != nil,
            apiVersion: object["apiVersion"]?.stringValue, kind: object["kind"]?.stringValue,
            name: object[path: ["metadata", "name"]]?.stringValue, namespace: object[path: ["metadata", "namespace"]]?.stringValue,
            uid: object[path: ["metadata", "uid"]]?.stringValue, resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue)
    }

    @Test("a generated corpus of objects: the head read from bytes equals the members of the parsed object")
    func headMatchesParse() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 99))
        let heads = [
            #""apiVersion":"v1""#, #""apiVersion":1"#, #""kind":"Pod""#, #""kind":null"#, #""kind":"Secret""#,
            #""metadata":{"name":"a","namespace":"n","uid":"u1","resourceVersion":"7"}"#, #""metadata":{"name":"b","uid":"","resourceVersion":"8"}"#,
            #""metadata":{"name":2,"uid":"u2","resourceVersion":"9","managedFields":[{"a":1}]}"#, #""metadata":[]"#,
            #""metadata":{"name":"c","name":"d","namespace":"x\u0041"}"#,
        ]
        var withUID = 0
        for _ in 0..<3_000 {
            var members: [String] = []
            for _ in 0..<Int.random(in: 0...5, using: &generator.random) { members.append(heads.randomElement(using: &generator.random)!) }
            for _ in 0..<Int.random(in: 0...3, using: &generator.random) { members.append(generator.string() + ":" + generator.value(depth: 1)) }
            members.shuffle(using: &generator.random)
            let bytes = Array(("  {" + members.joined(separator: ",") + "} ").utf8)
            let parsed = try JSON(parsing: bytes)
            let head = JSON.scanHead(bytes, range: 0..<bytes.count)
            #expect(head == Self.parsedHead(parsed), "\(String(decoding: bytes, as: UTF8.self))")
            if head?.uid?.isEmpty == false { withUID += 1 }
        }
        #expect(withUID > 500)
        #expect(JSON.scanHead(Array("[1]".utf8), range: 0..<3) == nil)
        #expect(JSON.scanHead(Array(#"{"kind":"Pod""#.utf8), range: 0..<12) == nil)
    }
}
