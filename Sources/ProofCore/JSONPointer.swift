/// A JSON Pointer (RFC 6901): a path of reference tokens such as `/spec/containers/0/image`.
///
/// Tokens are stored unescaped; `description` escapes them again (`~` → `~0`, `/` → `~1`). The empty
/// pointer `""` is the whole document. For arrays a token is a decimal index without leading zeros, or `-`
/// (the position after the last element, meaningful only to JSON Patch `add`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first.
    public var tokens: [String]

    /// A pointer made of already-unescaped tokens.
    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses the string form; throws for text that does not start with `/` or has a `~` not followed by
    /// `0` or `1`.
    public init(_ text: String) throws(JSONPatchError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPatchError(kind: .malformed, path: text, message: "a JSON pointer must be empty or start with '/'")
        }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let character = iterator.next() {
                guard character == "~" else {
                    token.append(character)
                    continue
                }
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default:
                    throw JSONPatchError(
                        kind: .malformed, path: text,
                        message: "'~' must be followed by '0' or '1' (write '~0' for '~' and '~1' for '/')")
                }
            }
            result.append(token)
        }
        tokens = result
    }

    /// The escaped string form.
    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    /// Whether `self` is a proper prefix of `other` (an ancestor of it).
    public func isProperPrefix(of other: JSONPointer) -> Bool {
        tokens.count < other.tokens.count && Array(other.tokens.prefix(tokens.count)) == tokens
    }

    /// The value this pointer refers to in `document`, or `nil` when it does not exist.
    public func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = Self.arrayIndex(token), index < items.count else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The array index a token denotes: decimal digits, no leading zero unless it is `0`; `nil` otherwise
    /// (including for `-`).
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if token.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }
}

// String.replacingOccurrences without Foundation.
extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let first = target.first, target.count == 1 else { return self }
        var out = ""
        for character in self {
            if character == first { out += replacement } else { out.append(character) }
        }
        return out
    }
}
