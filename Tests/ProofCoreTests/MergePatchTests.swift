import ProofCore
import Testing

@Suite("JSON Merge Patch (RFC 7386)")
struct MergePatchTests {
    /// Every row of RFC 7386 Appendix A: original, patch, result.
    static let appendixA: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test("RFC 7386 Appendix A", arguments: 0..<appendixA.count)
    func appendix(row: Int) {
        let (original, patch, result) = Self.appendixA[row]
        #expect(json(original).applyingMergePatch(json(patch)) == json(result))
    }

    @Test("RFC 7386 section 3 example")
    func sectionThree() {
        let target = json(#"{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}"#)
        let patch = json(#"{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}"#)
        let expected = json(#"{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}"#)
        #expect(target.applyingMergePatch(patch) == expected)
    }

    @Test("kubectl patch --type=merge of labels and replicas on a Deployment")
    func kubernetesStyle() {
        let deployment = json(#"{"metadata":{"name":"mlflow","labels":{"app":"mlflow","tier":"core"}},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"mlflow","image":"a:1"}]}}}}"#)
        let patched = deployment.applyingMergePatch(json(#"{"metadata":{"labels":{"tier":null,"team":"ml"}},"spec":{"replicas":3}}"#))
        #expect(patched[path: ["metadata", "labels"]] == json(#"{"app":"mlflow","team":"ml"}"#))
        #expect(patched[path: ["spec", "replicas"]] == 3)
        #expect(patched.value(atDottedPath: "spec.template.spec.containers.0.image") == "a:1")
    }
}
