import Foundation
import ProofCore

/// A deterministic input generator for the fuzz target: mutations of a seed corpus (byte flips, inserts,
/// deletions, splices, YAML tokens from a dictionary) plus crafted hostile shapes (alias bombs, deep nesting,
/// absurd durations, long scalars), all from one 64-bit seed, so any input is reproducible from
/// `(seed, index)`.
///
/// Used instead of libFuzzer: linking the package's modules into an `-sanitize=fuzzer` binary needs an
/// instrumented build of the whole dependency graph (docs/reliability.md).
public struct SeededGenerator: Sendable {
    /// The seed corpus (file contents).
    public let corpus: [[UInt8]]
    /// Longest input produced.
    public let maxLength: Int
    private var random: SplitMix64
    /// When set, ``next()`` returns corpus files as they are, in turn (replaying findings).
    public var verbatim = false

    /// Creates a generator over `corpus` (must not be empty) from `seed`.
    public init(corpus: [[UInt8]], seed: UInt64, maxLength: Int = 8192) {
        precondition(!corpus.isEmpty, "the seed corpus is empty")
        self.corpus = corpus
        self.maxLength = maxLength
        self.random = SplitMix64(seed: seed)
    }

    /// YAML and scenario tokens mutations insert.
    static let dictionary: [String] = [
        "&a ", "*a", "<<: *a", "[", "]", "{", "}", ": ", "- ", "---\n", "...\n", "? ", "!!binary ", "!!str ", "!!int ",
        "!!map ", "!!seq ", "'", "\"", "|\n", ">-\n", "#", "\n  ", "\t", "~", "null", "true", "0x1F", "1e400", "-0",
        ".inf", ".nan", "{{run}}", "{{", "}}", "10000000000000h", "0s", "-5s", "1h30m", "999999999999999999999",
        "*-prod", "feast-[abc", "[z-a]", "\\", "apiVersion: proof.gitops/v1alpha1\n", "kind: Scenario\n",
        "environment: prod\n", "steps:\n", "finally:\n", "include: [/dev/zero]\n", "- wait: {absent: {kind: Pod}}\n",
        "- capture: {label: a}\n", "timeout: 0\n", "clusters:\n", "users:\n", "contexts:\n", "current-context: x\n",
        "server: https://api.prod.example.com\n", "exec: {apiVersion: client.authentication.k8s.io/v1, command: x}\n",
        "certificate-authority: /dev/zero\n", "certificate-authority-data: LS0tLS1CRUdJTiBY\n", "tokenFile: /dev/zero\n",
        "\u{FEFF}", "\u{0}", "é", "😀",
    ]

    /// The next input.
    public mutating func next() -> [UInt8] {
        if verbatim { return corpus[below(corpus.count)] }
        switch below(100) {
        case 0..<3: return aliasBomb()
        case 3..<5: return deepNesting()
        case 5..<6: return Array(String(repeating: "x", count: below(maxLength)).utf8)
        default:
            var input = corpus[below(corpus.count)]
            for _ in 0...below(8) { mutate(&input) }
            return Array(input.prefix(maxLength))
        }
    }

    private mutating func mutate(_ input: inout [UInt8]) {
        let position = input.isEmpty ? 0 : below(input.count + 1)
        switch below(9) {
        case 0 where !input.isEmpty:  // flip a bit
            let index = below(input.count)
            input[index] ^= UInt8(1) << UInt8(below(8))
        case 1:  // insert a random byte
            input.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
        case 2 where !input.isEmpty:  // delete a range
            let end = min(input.count, position + 1 + below(32))
            if position < end { input.removeSubrange(position..<end) }
        case 3 where !input.isEmpty:  // duplicate a range
            let start = below(input.count)
            let end = min(input.count, start + 1 + below(64))
            input.insert(contentsOf: input[start..<end], at: position)
        case 4, 5:  // insert a dictionary token
            input.insert(contentsOf: Array(Self.dictionary[below(Self.dictionary.count)].utf8), at: position)
        case 6:  // splice in part of another corpus file
            let other = corpus[below(corpus.count)]
            guard !other.isEmpty else { return }
            let start = below(other.count)
            let end = min(other.count, start + 1 + below(256))
            input.insert(contentsOf: other[start..<end], at: position)
        case 7 where !input.isEmpty:  // truncate
            input.removeSubrange(position..<input.count)
        default:  // replace a byte with a YAML indicator
            let indicators = Array("-:?,[]{}#&*!|>'\"%@` \n".utf8)
            if input.isEmpty { input.append(indicators[below(indicators.count)]) } else { input[below(input.count)] = indicators[below(indicators.count)] }
        }
    }

    /// `levels` anchors of `width` aliases each, inside a scenario or a kubeconfig.
    private mutating func aliasBomb() -> [UInt8] {
        let levels = 2 + below(8)
        let width = 2 + below(9)
        var text = below(2) == 0
            ? "apiVersion: proof.gitops/v1alpha1\nkind: Scenario\nmetadata: {name: b, description: d}\nx0: &x0 [lol, lol]\n"
            : "apiVersion: v1\nkind: Config\nx0: &x0 [lol, lol]\n"
        for level in 1...levels {
            text += "x\(level): &x\(level) [" + Array(repeating: "*x\(level - 1)", count: width).joined(separator: ", ") + "]\n"
        }
        text += "spec: {environment: dev, steps: [{apply: {manifests: [{apiVersion: v1, kind: ConfigMap, metadata: {name: b}, data: *x\(levels)}]}}]}\n"
        return Array(text.utf8)
    }

    /// Flow or block nesting, 10 to 2000 levels deep.
    private mutating func deepNesting() -> [UInt8] {
        let depth = 10 + below(1990)
        if below(2) == 0 { return Array((String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)).utf8) }
        var text = ""
        for level in 0..<min(depth, 400) { text += String(repeating: " ", count: level) + "k\(level):\n" }
        return Array(text.utf8.prefix(maxLength))
    }

    /// A uniform-enough number in `0..<bound` (`bound` > 0).
    private mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
}
