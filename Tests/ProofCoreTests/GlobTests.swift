@testable import ProofCore
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

    /// Names and patterns the ASCII fast paths (`*`, literal, `prefix*`, `*suffix`, `prefix*suffix`, the byte
    /// loop) and the `Character` fallback (non-ASCII names, CR LF, non-ASCII patterns) must agree on.
    static let edgeCases: [(String, String, Bool)] = [
        ("*", "", true), ("*", "anything/at all", true), ("*", "café", true), ("*", "e\u{301}", true),
        ("redis", "redis", true), ("redis", "redis2", false), ("redis", "redi", false), ("redis", "", false), ("redis", "Redis", false),
        ("feast-*", "feast-café", true), ("feast-*", "fe", false), ("*-dev", "-dev", true), ("*-dev", "dev", false),
        ("*-dev", "café-dev", true), ("*-dev", "airflow-devx", false), ("a*b", "ab", true), ("a*b", "a", false), ("a*b", "aXYb", true),
        ("ab*ba", "aba", false), ("ab*ba", "abba", true), ("ab*ba", "ab-ba", true),
        ("?", "a", true), ("?", "", false), ("?", "ab", false), ("?", "é", true), ("?", "e\u{301}", true), ("??", "e\u{301}", false),
        ("?", "\r\n", true), ("??", "\r\n", false), ("a?b", "a\r\nb", true), ("*\n", "a\r\n", false), ("*\r\n", "a\r\n", true),
        ("[abc]", "a", true), ("[abc]", "d", false), ("[abc]", "é", false), ("[!abc]", "é", true), ("[!abc]", "d", true),
        ("[a-z]*", "é", false), ("[a-é]", "b", true), ("[a-é]", "é", true), ("[a-é]", "z", true), ("[é]", "e\u{301}", true),
        ("caf[é]", "café", true), ("café", "cafe\u{301}", true), ("café", "café", true), ("cafe", "café", false), ("caf?", "café", true),
        ("caf*", "café", true), ("*é", "café", true), ("e*", "e\u{301}x", false), ("e?", "e\u{301}", false),
        ("[0-9]*", "0abc", true), ("[*]", "*", true), ("[?]", "a", false), (#"\?"#, "?", true), (#"\?"#, "a", false),
        ("a[", "a[", true), ("a[", "ab", false), ("[!]]x", "ax", true), ("[!]]x", "]x", false), ("a*b*c", "abcabc", true), ("a*b*c", "acb", false),
    ]

    @Test("fast paths agree with the Character matcher", arguments: edgeCases)
    func fastPaths(pattern: String, name: String, expected: Bool) {
        let glob = Glob(pattern)
        #expect(glob.matches(name) == expected, "\(pattern) ~ \(name.debugDescription)")
        #expect(glob.matchesCharacters(name) == expected, "reference: \(pattern) ~ \(name.debugDescription)")
    }

    @Test("every pattern of the edge cases against every name: fast path == Character matcher")
    func crossCheck() {
        let patterns = Set(Self.edgeCases.map(\.0)).union(["*-prod", "feature-store-*", "loki-?", "[a-c]?*x", "**", "*?*"])
        let names = Set(Self.edgeCases.map(\.1)).union(["feature-store-dev", "loki-0", "b-x", "x", "", "\r", "a\rb", "日本-dev"])
        var compared = 0
        for pattern in patterns {
            let glob = Glob(pattern)
            for name in names {
                #expect(glob.matches(name) == glob.matchesCharacters(name), "\(pattern) ~ \(name.debugDescription)")
                compared += 1
            }
        }
        #expect(compared == patterns.count * names.count)
    }

    @Test("equality and hashing follow the pattern text")
    func hashing() {
        #expect(Glob("feast-*") == Glob("feast-*"))
        #expect(Glob("feast-*") != Glob("feast-?"))
        #expect(Set([Glob("a*"), Glob("a*"), Glob("é*")]).count == 2)
    }
}
