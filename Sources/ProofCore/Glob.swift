/// A shell-style name pattern: `*` (any run of characters, `/` included), `?` (one character), `[abc]`,
/// `[a-z]` and `[!abc]`/`[^abc]` (one character of / not of a set), `\x` (a literal `x`).
///
/// An unclosed `[` is a literal `[`. The whole name must match. Used to name objects, apps and namespaces
/// in invariants and fault switches (`feast-*`, `*-dev`, `loki-?`).
public struct Glob: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    enum Element: Sendable, Hashable {
        case literal(Character)
        case any
        case star
        case set(negated: Bool, items: [ClosedRange<Character>])

        func matches(_ character: Character) -> Bool {
            switch self {
            case .literal(let expected): return character == expected
            case .any: return true
            case .star: return false
            case .set(let negated, let items): return items.contains { $0.contains(character) } != negated
            }
        }
    }

    /// The pattern as written.
    public let pattern: String
    let elements: [Element]

    /// The same pattern over ASCII bytes, when every literal and set of the pattern can be decided byte by byte
    /// (see `Glob+ASCII.swift`); `nil` otherwise, and then only the `Character` path is used.
    private let ascii: ASCIIMatcher?

    /// Compiles `pattern`.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.elements = Self.compile(Array(pattern))
        self.ascii = ASCIIMatcher(elements: elements)
    }

    /// Two globs are equal when written the same (everything else is compiled from the text).
    public static func == (lhs: Glob, rhs: Glob) -> Bool { lhs.pattern == rhs.pattern }

    /// Hashes the pattern as written.
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    /// A glob from a literal, as in `let apps: Glob = "feast-*"`.
    public init(stringLiteral value: String) { self.init(value) }

    /// What is wrong with `pattern` as a glob, or `nil` when it is well formed: an unclosed `[` (which
    /// ``init(_:)`` would take as a literal `[`), a reversed range such as `[z-a]` (which matches nothing), or a
    /// trailing `\` with nothing to escape. Decoders report it as a located error.
    public static func problem(in pattern: String) -> String? {
        let characters = Array(pattern)
        var index = 0
        while index < characters.count {
            switch characters[index] {
            case "\\":
                if index + 1 == characters.count { return "the glob '\(pattern)' ends with a lone '\\'" }
                index += 2
            case "[":
                guard compileSet(characters, from: index) != nil else { return "the glob '\(pattern)' has a '[' that is never closed" }
                var end = index + 1
                while end < characters.count, characters[end] != "]" || end == index + 1 { end += 1 }
                let body = Array(characters[(index + 1)..<min(end, characters.count)])
                for offset in body.indices where offset + 2 < body.count && body[offset + 1] == "-" && body[offset] > body[offset + 2] {
                    return "the glob '\(pattern)' has a reversed range '\(body[offset])-\(body[offset + 2])'"
                }
                index = end + 1
            default:
                index += 1
            }
        }
        return nil
    }

    /// Whether the pattern has any wildcard (otherwise it matches only its own text).
    public var hasWildcards: Bool {
        elements.contains { if case .literal = $0 { false } else { true } }
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Whether `name` matches the whole pattern.
    ///
    /// Names that are plain ASCII (every Kubernetes name) are matched on their UTF-8 bytes, with fast paths for
    /// `*`, a literal, `prefix*`, `*suffix` and `prefix*suffix`; any other name is matched `Character` by
    /// `Character`, with the same result.
    public func matches(_ name: String) -> Bool {
        if let ascii, let result = ascii.matches(name) { return result }
        return matchesCharacters(name)
    }

    /// The reference matcher: `Character` by `Character` (grapheme clusters, canonical equivalence).
    func matchesCharacters(_ name: String) -> Bool {
        Self.wildcardMatch(elements, Array(name), isStar: { $0 == .star }, matches: { $0.matches($1) })
    }

    /// The classic wildcard loop both matchers share (characters here, bytes in `Glob+ASCII`): on a mismatch,
    /// the last `*` absorbs one more element of the text.
    @inline(__always)
    static func wildcardMatch<Pattern: RandomAccessCollection, Text: RandomAccessCollection>(
        _ pattern: Pattern, _ text: Text, isStar: (Pattern.Element) -> Bool, matches: (Pattern.Element, Text.Element) -> Bool
    ) -> Bool where Pattern.Index == Int, Text.Index == Int {
        var textIndex = text.startIndex
        var patternIndex = pattern.startIndex
        var starPattern: Int?
        var starText = textIndex
        while textIndex < text.endIndex {
            if patternIndex < pattern.endIndex, isStar(pattern[patternIndex]) {
                starPattern = patternIndex
                starText = textIndex
                patternIndex += 1
            } else if patternIndex < pattern.endIndex, matches(pattern[patternIndex], text[textIndex]) {
                patternIndex += 1
                textIndex += 1
            } else if let star = starPattern {
                patternIndex = star + 1
                starText += 1
                textIndex = starText
            } else {
                return false
            }
        }
        while patternIndex < pattern.endIndex, isStar(pattern[patternIndex]) { patternIndex += 1 }
        return patternIndex == pattern.endIndex
    }

    private static func compile(_ characters: [Character]) -> [Element] {
        var elements: [Element] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "*":
                if elements.last != .star { elements.append(.star) }
                index += 1
            case "?":
                elements.append(.any)
                index += 1
            case "\\" where index + 1 < characters.count:
                elements.append(.literal(characters[index + 1]))
                index += 2
            case "[":
                if let (set, next) = compileSet(characters, from: index) {
                    elements.append(set)
                    index = next
                } else {
                    elements.append(.literal("["))
                    index += 1
                }
            default:
                elements.append(.literal(character))
                index += 1
            }
        }
        return elements
    }

    /// Reads `[...]` starting at `start`; `nil` when it is not closed.
    private static func compileSet(_ characters: [Character], from start: Int) -> (Element, Int)? {
        var index = start + 1
        var negated = false
        if index < characters.count, characters[index] == "!" || characters[index] == "^" {
            negated = true
            index += 1
        }
        var items: [ClosedRange<Character>] = []
        var first = true
        while index < characters.count {
            var character = characters[index]
            if character == "]" && !first {
                return (.set(negated: negated, items: items), index + 1)
            }
            first = false
            if character == "\\", index + 1 < characters.count {
                index += 1
                character = characters[index]
            }
            if index + 2 < characters.count, characters[index + 1] == "-", characters[index + 2] != "]" {
                let upper = characters[index + 2]
                if character <= upper { items.append(character...upper) }
                index += 3
            } else {
                items.append(character...character)
                index += 1
            }
        }
        return nil
    }
}
