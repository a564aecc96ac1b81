import ProofCore
import Testing

@Suite("Glob")
struct GlobTests {
    @Test("matching", arguments: [
        ("feast-*", "feast-dev", true), ("feast-*", "feast-", true), ("feast-*", "feas", false),
        ("*-dev", "airflow-dev", true), ("*-dev", "airflow-prod", false), ("*", "", true), ("", "", true), ("", "a", false),
        ("loki-?", "loki-0", true), ("loki-?", "loki-10", false), ("*a*b*", "xxaxxbxx", true), ("*a*b", "ab ab c", false),
        ("[abc]x", "bx", true), ("[abc]x", "dx", false), ("[a-c]*", "cat", true), ("[!a-c]*", "cat", false), ("[^a-c]*", "dog", true),
        ("[]]", "]", true), ("a[", "a[", true), (#"a\*"#, "a*", true), (#"a\*"#, "ab", false), ("**x", "x", true),
        ("optional-envs-*", "optional-envs-prod", true), ("*/*", "ns/name", true), ("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
    ])
    func matches(pattern: String, name: String, expected: Bool) {
        #expect(Glob(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
    }

    @Test("wildcard detection and literals")
    func literal() {
        #expect(!Glob("root-optional").hasWildcards)
        #expect(Glob("root-*").hasWildcards)
        let glob: Glob = "x?"
        #expect(glob.description == "x?")
        #expect(glob == Glob("x?"))
    }
}
