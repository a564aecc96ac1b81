import ProofCore
import Testing

@Suite("JSON Patch (RFC 6902) and JSON Pointer (RFC 6901)")
struct JSONPatchTests {
    private func apply(_ patch: String, to target: String) throws(JSONPatchError) -> JSON {
        try JSONPatch(json(patch)).apply(to: json(target))
    }

    /// RFC 6902 Appendix A examples that succeed: document, patch, result.
    static let successes: [(String, String, String, String)] = [
        ("A.1 add an object member", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#),
        ("A.2 add an array element", #"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","qux","baz"]}"#),
        ("A.3 remove an object member", #"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
        ("A.4 remove an array element", #"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
        ("A.5 replace a value", #"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#),
        ("A.6 move a value", #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
         #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#, #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        ("A.7 move an array element", #"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
         #"{"foo":["all","cows","eat","grass"]}"#),
        ("A.8 test a value: success", #"{"baz":"qux","foo":["a",2,"c"]}"#,
         #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#, #"{"baz":"qux","foo":["a",2,"c"]}"#),
        ("A.10 add a nested member object", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
         #"{"foo":"bar","child":{"grandchild":{}}}"#),
        ("A.11 ignore unrecognized elements", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#),
        ("A.14 ~ escape ordering", #"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#),
        ("A.16 add an array value", #"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar",["abc","def"]]}"#),
        ("copy", #"{"a":{"b":1}}"#, #"[{"op":"copy","from":"/a","path":"/c"}]"#, #"{"a":{"b":1},"c":{"b":1}}"#),
        ("replace the root", #"{"a":1}"#, #"[{"op":"replace","path":"","value":[1]}]"#, #"[1]"#),
        ("add at array end by index", #"[1,2]"#, #"[{"op":"add","path":"/2","value":3}]"#, #"[1,2,3]"#),
        ("add null value", #"{}"#, #"[{"op":"add","path":"/a","value":null}]"#, #"{"a":null}"#),
        ("test numbers numerically", #"{"a":1}"#, #"[{"op":"test","path":"/a","value":1.0}]"#, #"{"a":1}"#),
        ("move to the same path", #"{"a":1}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#, #"{"a":1}"#),
        ("empty key", #"{"":{"x":1}}"#, #"[{"op":"replace","path":"//x","value":2}]"#, #"{"":{"x":2}}"#),
    ]

    @Test("RFC 6902 Appendix A and more: successes", arguments: 0..<successes.count)
    func success(row: Int) throws {
        let (_, document, patch, result) = Self.successes[row]
        #expect(try apply(patch, to: document) == json(result))
    }

    @Test("A.9 test a value: error names the operation and path")
    func testFails() {
        let error = #expect(throws: JSONPatchError.self) {
            try apply(#"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/baz","value":"bar"}]"#, to: #"{"baz":"qux"}"#)
        }
        #expect(error?.kind == .failed)
        #expect(error?.operationIndex == 1)
        #expect(error?.path == "/baz")
        #expect(error?.description.contains("json patch operation 1 (test /baz)") == true)
        #expect(error?.description.contains(#"expected "bar""#) == true)
    }

    @Test("A.12 add to a nonexistent target fails")
    func addToMissingParent() {
        let error = #expect(throws: JSONPatchError.self) {
            try apply(#"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, to: #"{"foo":"bar"}"#)
        }
        #expect(error?.operationIndex == 0)
        #expect(error?.path == "/baz/bat")
        #expect(error?.message.contains("/baz does not exist") == true)
    }

    @Test("A.15 strings and numbers differ")
    func stringVersusNumber() {
        #expect(throws: JSONPatchError.self) {
            try apply(#"[{"op":"test","path":"/~01","value":"10"}]"#, to: #"{"/":9,"~1":10}"#)
        }
    }

    @Test("failures of apply", arguments: [
        (#"[{"op":"remove","path":"/missing"}]"#, #"{"a":1}"#, "/missing"),
        (#"[{"op":"replace","path":"/missing","value":1}]"#, #"{"a":1}"#, "/missing"),
        (#"[{"op":"add","path":"/5","value":1}]"#, #"[1]"#, "/5"),
        (#"[{"op":"add","path":"/01","value":1}]"#, #"[1,2]"#, "/01"),
        (#"[{"op":"remove","path":"/-"}]"#, #"[1]"#, "/-"),
        (#"[{"op":"move","from":"/a","path":"/a/b"}]"#, #"{"a":{}}"#, "/a/b"),
        (#"[{"op":"copy","from":"/nope","path":"/b"}]"#, #"{"a":{}}"#, "/nope"),
        (#"[{"op":"remove","path":""}]"#, #"{"a":{}}"#, ""),
        (#"[{"op":"add","path":"/a/b","value":1}]"#, #"{"a":"text"}"#, "/a/b"),
    ])
    func applyFailure(patch: String, document: String, path: String) {
        let error = #expect(throws: JSONPatchError.self) { try apply(patch, to: document) }
        #expect(error?.kind == .failed)
        #expect(error?.operationIndex == 0)
        #expect(error?.path == path)
    }

    @Test("malformed patches", arguments: [
        (#"{"op":"add"}"#, "array of operations"),
        (#"[1]"#, "must be an object"),
        (#"[{"path":"/a"}]"#, "\"op\""),
        (#"[{"op":"frobnicate","path":"/a"}]"#, "unknown op"),
        (#"[{"op":"add","path":"/a"}]"#, "\"value\""),
        (#"[{"op":"move","path":"/a"}]"#, "\"from\""),
        (#"[{"op":"add","path":"a","value":1}]"#, "start with '/'"),
        (#"[{"op":"add","path":"/a~2","value":1}]"#, "'~' must be followed"),
    ])
    func malformed(patch: String, fragment: String) {
        let error = #expect(throws: JSONPatchError.self) { try JSONPatch(json(patch)) }
        #expect(error?.kind == .malformed)
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test("a failing operation leaves nothing half-applied")
    func atomic() throws {
        let target = json(#"{"a":1}"#)
        let patch = try JSONPatch(json(#"[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zzz"}]"#))
        #expect(throws: JSONPatchError.self) { try patch.apply(to: target) }
        #expect(target == json(#"{"a":1}"#))
    }

    @Test("patch round-trips through JSON")
    func roundTrip() throws {
        let text = #"[{"op":"add","path":"/a~1b","value":{"x":[1]}},{"op":"move","from":"/m~0n","path":"/q"},{"op":"remove","path":"/0"}]"#
        let patch = try JSONPatch(json(text))
        #expect(patch.json == json(text))
        #expect(try JSONPatch(patch.json) == patch)
    }

    @Test("RFC 6901 section 5 pointers")
    func pointers() throws {
        let document = json(#"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#)
        let cases: [(String, JSON)] = [
            ("", document), ("/foo", ["bar", "baz"]), ("/foo/0", "bar"), ("/", 0), ("/a~1b", 1), ("/c%d", 2),
            ("/e^f", 3), ("/g|h", 4), ("/i\\j", 5), ("/k\"l", 6), ("/ ", 7), ("/m~0n", 8),
        ]
        for (text, expected) in cases {
            let pointer = try JSONPointer(text)
            #expect(pointer.resolve(in: document) == expected, "\(text)")
            #expect(pointer.description == text)
        }
        #expect(try JSONPointer("/foo/2").resolve(in: document) == nil)
        #expect(try JSONPointer("/foo/-").resolve(in: document) == nil)
    }

    @Test("kubectl patch --type=json on a Deployment")
    func kubernetesStyle() throws {
        let deployment = json(#"{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"api","image":"ghcr.io/example/mlp-fastapi:1.0.0"}]}}}}"#)
        let result = try apply(
            #"[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"ghcr.io/example/mlp-fastapi:1.1.0"},{"op":"add","path":"/metadata","value":{"labels":{"a":"b"}}}]"#,
            to: deployment.canonicalString)
        #expect(result.value(atDottedPath: "spec.template.spec.containers.0.image") == "ghcr.io/example/mlp-fastapi:1.1.0")
        #expect(result.value(atDottedPath: "metadata.labels.a") == "b")
    }
}
