import Foundation
@testable import ProofCore
import ProofCScan
import Testing

/// `proof_skip_checked` (the canonical walk's way past `managedFields`) against the parser: whatever it vouches
/// for, the parser accepts and ends at the same place; it vouches for every plain value (ASCII strings without
/// `\u`, at most 64 levels).
@Suite("The checked skip over a dropped member")
struct CheckedSkipTests {
    /// Where the skip ends in `text` (from its start), or -1.
    static func skip(_ text: [UInt8], limit: Int32 = 64) -> Int {
        text.withUnsafeBufferPointer { proof_skip_checked($0.baseAddress!, $0.count, 0, limit) }
    }

    /// Whether the parser takes `text` as one value.
    static func parses(_ text: [UInt8]) -> Bool { (try? JSON(parsing: text)) != nil }

    @Test("generated values, whole and damaged: vouched for only when the parser takes them, ending where they end")
    func againstTheParser() throws {
        var generator = JSONTextGenerator(random: SplitMix64(seed: 31))
        var (vouched, plain) = (0, 0)
        for round in 0..<6_000 {
            var bytes = Array(generator.value(depth: 0).utf8)
            if round % 2 == 1, !bytes.isEmpty {
                // Damaged as the list generator damages answers.
                let position = Int.random(in: 0..<bytes.count, using: &generator.random)
                switch Int.random(in: 0..<3, using: &generator.random) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(bytes[position], at: position)
                default: bytes[position] = Array(#"{}[],:"\ 0a-e.u"#.utf8).randomElement(using: &generator.random)!
                }
            }
            let end = Self.skip(bytes + Array(" ,]".utf8))
            if end >= 0 {
                vouched += 1
                // The text up to where the skip ends is one value the parser takes (a damaged text may hold a whole
                // value followed by more, which its container then refuses); a whole one ends where it ends.
                #expect(end <= bytes.count && Self.parses(Array(bytes[..<end])), "\(String(decoding: bytes, as: UTF8.self)) ends at \(end)")
                if round % 2 == 0 {
                    #expect(bytes[end...].allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }, "\(String(decoding: bytes, as: UTF8.self)) ends at \(end)")
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if round % 2 == 0, !text.contains("\\u"), text.utf8.allSatisfy({ $0 < 0x80 }) {
                plain += 1
                #expect(end >= 0, "a plain valid value is vouched for: \(text)")
            }
        }
        #expect(vouched > 2_000 && plain > 1_000)
    }

    @Test("what it does not vouch for: \\u escapes, bytes outside printable ASCII, control bytes, depth past the limit, bad grammar")
    func refusals() {
        for text in [
            #"{"a":"\u0041"}"#, "{\"a\":\"\u{e9}\"}", "{\"a\":\"x\u{7F}\"}", "[\"a\tb\"]", #"{"a":1,}"#, #"[1 2]"#, #"{"a" 1}"#,
            #"{1:2}"#, #"[01]"#, #"[1.]"#, #"[1e]"#, #"[-]"#, #"[tru]"#, #"[nul"#, #"{"a":"x"#, #"{"a":[1,2}"#, "",
        ] {
            #expect(Self.skip(Array(text.utf8)) == -1, "\(text)")
        }
        let deep = Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)
        #expect(Self.skip(deep) == deep.count)
        #expect(Self.skip(deep, limit: 63) == -1)
        let managed = Array(#"  [{"manager":"kubectl","fieldsV1":{"f:metadata":{"k:{\"type\":\"Ready\"}":{".":{},"f:a\/b":{}}}},"n":[-1.5e+3,0,true,false,null]}] ,"x":1"#.utf8)
        #expect(Self.skip(managed) == managed.count - Array(#" ,"x":1"#.utf8).count, "the value ends before what follows it")
    }
}
