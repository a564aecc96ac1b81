import Testing

@testable import ProofCore

@Suite("JSON values")
struct JSONTests {
    @Test("parses every JSON type and keeps integers exact")
    func parsesAllTypes() throws {
        let value = try JSON(parsing: #"{"a":[1,-2,3.5,1e3,true,false,null],"b":"x\u00e9\n","big":9007199254740993}"#)
        #expect(value["a"] == [1, -2, 3.5, 1000.0, true, false, nil])
        #expect(value["b"] == "xé\n")
        #expect(value["big"]?.intValue == 9_007_199_254_740_993)
    }

    @Test("canonical encoding sorts keys and drops whitespace, whatever the input order")
    func canonicalIsOrderIndependent() throws {
        let first = try JSON(parsing: #"{ "b": 1, "a": { "d": [1, 2], "c": "x" } }"#)
        let second = try JSON(parsing: #"{"a":{"c":"x","d":[1,2]},"b":1}"#)
        #expect(first.canonicalString == #"{"a":{"c":"x","d":[1,2]},"b":1}"#)
        #expect(first.digest == second.digest)
        #expect(first.digest.count == 64)
    }

    @Test("a changed value changes the digest")
    func digestChanges() throws {
        let before: JSON = ["spec": ["replicas": 1]]
        let after: JSON = ["spec": ["replicas": 2]]
        #expect(before.digest != after.digest)
    }

    @Test("strings are escaped minimally and round-trip", arguments: [
        "plain", "quote\"back\\slash", "tab\tnewline\ncr\r", "\u{01}ctl", "ünïcødé 😀", "",
    ])
    func stringRoundTrip(text: String) throws {
        let encoded = JSON.string(text).canonicalString
        #expect(try JSON(parsing: encoded) == .string(text))
        #expect(!encoded.contains("\n"))
    }

    @Test("surrogate pair escapes decode to one scalar")
    func surrogatePairs() throws {
        #expect(try JSON(parsing: #""\ud83d\ude00""#) == "😀")
        #expect(throws: JSONParseError.self) { try JSON(parsing: #""\ud83d""#) }
    }

    @Test("integral doubles encode as integers; others in shortest form")
    func doubles() {
        #expect(JSON.double(2.0).canonicalString == "2")
        #expect(JSON.double(0.1).canonicalString == "0.1")
        #expect(JSON.double(.nan).canonicalString == "null")
    }

    @Test("errors name line and column", arguments: [
        ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7),
        ("[1, 2", 1, 6),
        ("{\"a\":1} x", 1, 9),
    ])
    func errorsAreLocated(input: String, line: Int, column: Int) {
        do {
            _ = try JSON(parsing: input)
            Issue.record("expected a parse error for \(input)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test("rejects malformed documents", arguments: ["", "01", "[1,]", "{\"a\"}", "tru", "\"\u{01}\"", "1.", "-", "[1 2]"])
    func rejectsMalformed(input: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: input) }
    }

    @Test("deep nesting is refused, not a crash")
    func deepNesting() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: JSONParseError.self) { try JSON(parsing: deep) }
    }

    @Test("dotted paths reach into objects and arrays; set creates intermediate objects")
    func paths() {
        var pod: JSON = ["spec": ["containers": [["name": "app", "image": "a:1"]]]]
        #expect(pod.value(atDottedPath: "spec.containers.0.image") == "a:1")
        #expect(pod.value(atDottedPath: "spec.containers.1.image") == nil)
        pod.set("b", at: ["metadata", "labels", "app"])
        #expect(pod[path: ["metadata", "labels", "app"]] == "b")
    }

    @Test("pretty output parses back to the same value")
    func pretty() throws {
        let value: JSON = ["a": [1, ["b": nil]], "c": [:], "d": []]
        #expect(try JSON(parsing: value.prettyString()) == value)
    }

    @Test("object identity reads apiVersion, kind, namespace and name")
    func identity() throws {
        let object: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "fastapi-dev"]]
        let identity = try #require(ObjectIdentity(object: object))
        #expect(identity.description == "Deployment/fastapi-dev/web")
        #expect(identity.group == "apps")
        #expect(ObjectIdentity(object: ["kind": "Pod"]) == nil)
    }
}
