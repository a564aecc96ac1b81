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
}
