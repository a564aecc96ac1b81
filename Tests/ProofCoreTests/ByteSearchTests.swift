import Testing

@testable import ProofCore

/// The byte search behind the redactor's scanners and the diff's noise rules.
@Suite("Byte search")
struct ByteSearchTests {
    @Test func aLiteralIsFoundAnywhereAndOnlyThere() {
        #expect(ByteSearch.contains("kube-api-access-", in: "kube-api-access-x7k2p"))
        #expect(ByteSearch.contains("x7k2p", in: "prefix-x7k2p-suffix"))
        #expect(ByteSearch.contains("p", in: "x7k2p"))
        #expect(ByteSearch.contains("", in: "anything") && ByteSearch.contains("", in: ""))
        #expect(!ByteSearch.contains("x7k2q", in: "prefix-x7k2p-suffix"))
        #expect(!ByteSearch.contains("longer than the text", in: "short"))
        #expect(!ByteSearch.contains("a", in: ""))
        #expect(ByteSearch.contains("é-7f9c", in: "pod-é-7f9c") && !ByteSearch.contains("e-7f9c", in: "pod-é-7f9c"))
    }

    @Test func theSearchStartsWhereItIsTold() {
        let bytes = Array("-----END A-----END B-----".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let dashes = Array("-----".utf8)
            #expect(ByteSearch.firstIndex(of: dashes, in: buffer) == 0)
            #expect(ByteSearch.firstIndex(of: dashes, in: buffer, from: 1) == 10)
            #expect(ByteSearch.firstIndex(of: dashes, in: buffer, from: 11) == 20)
            #expect(ByteSearch.firstIndex(of: dashes, in: buffer, from: 21) == nil)
            #expect(ByteSearch.firstIndex(of: dashes, in: buffer, from: bytes.count + 1) == nil)
            #expect(ByteSearch.firstIndex(of: [], in: buffer, from: 3) == 3)
        }
    }

    /// The word-at-a-time scan of a JSON string's ordinary bytes finds exactly the byte a byte-by-byte loop
    /// finds, wherever it sits in a word, for every byte value, from every start.
    @Test func aStringRunEndsWhereTheFirstSpecialByteIs() {
        func reference(_ bytes: [UInt8], _ start: Int, _ asciiOnly: Bool) -> Int {
            for index in start..<bytes.count {
                let byte = bytes[index]
                if byte == 0x22 || byte == 0x5C || byte < 0x20 || (asciiOnly && byte >= 0x7F) { return index }
            }
            return bytes.count
        }
        var random = SplitMix64(seed: 7)
        var cases: [[UInt8]] = []
        for special in 0...255 {
            for position in 0..<19 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 19)
                bytes[position] = UInt8(special)
                cases.append(bytes)
            }
        }
        for _ in 0..<2_000 {
            let count = Int(random.next() % 40)
            cases.append((0..<count).map { _ in
                // Mostly ordinary bytes, with now and then a quote, backslash, control, DEL or non-ASCII byte.
                let roll = random.next() % 16
                return roll == 0 ? [0x22, 0x5C, 0x01, 0x1F, 0x7F, 0x80, 0xC3, 0xFF][Int(random.next() % 8)] : UInt8(0x20 + random.next() % 0x5F)
            })
        }
        for bytes in cases {
            bytes.withUnsafeBufferPointer { buffer in
                for start in 0...bytes.count {
                    for asciiOnly in [false, true] {
                        let found = StringRun.end(in: buffer, from: start, asciiOnly: asciiOnly)
                        if found != reference(bytes, start, asciiOnly) {
                            Issue.record("\(bytes) from \(start), asciiOnly \(asciiOnly): \(found) instead of \(reference(bytes, start, asciiOnly))")
                        }
                    }
                }
            }
        }
    }
}
