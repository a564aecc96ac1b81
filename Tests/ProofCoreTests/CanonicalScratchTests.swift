import Foundation
@testable import ProofCore
import Testing

/// The canonical walk's reused memory (``CanonicalScratch``) and its unescaping of strings that hold escapes: the
/// same answers as a walk in fresh memory and as the parser's reading of the string.
@Suite("The canonical walk's scratch and unescaping")
struct CanonicalScratchTests {
    static let redaction = Redaction(salt: Array(repeating: 7, count: 32))

    /// A listed item with `padding` bytes in one label and a last-applied document (escapes) in an annotation.
    static func item(_ index: Int, padding: Int) -> [UInt8] {
        let applied = #"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\#(index)\",\"namespace\":\"ns\"},\"data\":{\"a\":\"x\\ty\"}}\n"#
        return Array(
            #"{"metadata":{"name":"c\#(index)","namespace":"ns","uid":"u-\#(index)","resourceVersion":"\#(index + 1)","labels":{"pad":"\#(String(repeating: "p", count: padding))"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"\#(applied)"}},"data":{"b":"2","a":"1"}}"#
                .utf8)
    }

    @Test("one scratch for items that grow past its memory, and for items after them: each the bytes of a fresh walk")
    func reusedAcrossItems() throws {
        let scratch = CanonicalScratch(capacity: 64)
        for (index, padding) in [0, 10, 5_000, 3, 40_000, 1].enumerated() {
            let bytes = Self.item(index, padding: padding)
            let fresh = try #require(bytes.withUnsafeBufferPointer { Self.redaction.canonicalVersionIfUnchanged($0, apiVersion: "v1", kind: "ConfigMap") })
            let reused = bytes.withUnsafeBufferPointer { item in
                Self.redaction.canonicalVersionIfUnchanged(item, apiVersion: "v1", kind: "ConfigMap", scratch: scratch) { version, body in
                    (version: version, body: Array(body))
                }
            }
            #expect(reused?.version == fresh.version && reused?.body == fresh.body, "item \(index) (\(padding) bytes of padding)")
            var object = try JSON(parsing: bytes)
            object.set("v1", at: ["apiVersion"])
            object.set("ConfigMap", at: ["kind"])
            #expect(fresh.body == Self.redaction.normalize(object).canonicalData)
        }
        // An item the walk is not sure of calls nothing and leaves the scratch fit for the next.
        let secret = Array(#"{"metadata":{"name":"s","uid":"u","resourceVersion":"1"},"data":{"password":"aGk="}}"#.utf8)
        let refused = secret.withUnsafeBufferPointer { item in
            Self.redaction.canonicalVersionIfUnchanged(item, apiVersion: "v1", kind: "ConfigMap", scratch: scratch) { _, _ in Issue.record("called") }
        }
        #expect(refused == nil)
        let after = Self.item(9, padding: 2)
        let again = after.withUnsafeBufferPointer { item in
            Self.redaction.canonicalVersionIfUnchanged(item, apiVersion: "v1", kind: "ConfigMap", scratch: scratch) { _, body in Array(body) }
        }
        #expect(again == after.withUnsafeBufferPointer { Self.redaction.canonicalIfUnchanged($0, apiVersion: "v1", kind: "ConfigMap") })
    }

    @Test("a string's escapes undone as the parser undoes them", arguments: [
        #"plain"#, #"a\"b"#, #"\\"#, #"x\\\"y"#, #"\b\f\n\r\t"#, #"{\"k\":\"v\\n\"}"#, #"end\""#, #"\"start"#,
        String(repeating: #"ab\"cd"#, count: 300),
    ])
    func unescaped(content: String) throws {
        let quoted = Array("\"\(content)\"".utf8)
        let parsed = try JSON(parsing: quoted).stringValue
        let bytes = Array(content.utf8)
        let undone = bytes.withUnsafeBufferPointer { CanonicalBytesWriter.unescaped($0) }
        #expect(String(decoding: undone, as: UTF8.self) == parsed)
    }
}
