/// The lexer and recursive-descent parser for the label selector query form, after
/// `k8s.io/apimachinery/pkg/labels/selector.go` (same tokens, same error wording).
struct LabelSelectorParser {
    enum Token: Equatable {
        case identifier(String)
        case doesNotExist  // !
        case equals  // =
        case doubleEquals  // ==
        case notEquals  // !=
        case greaterThan  // >
        case lessThan  // <
        case comma
        case open  // (
        case close  // )
        case `in`
        case notIn
        case end

        var literal: String {
            switch self {
            case .identifier(let text): text
            case .doesNotExist: "!"
            case .equals: "="
            case .doubleEquals: "=="
            case .notEquals: "!="
            case .greaterThan: ">"
            case .lessThan: "<"
            case .comma: ","
            case .open: "("
            case .close: ")"
            case .in: "in"
            case .notIn: "notin"
            case .end: ""
            }
        }
    }

    let text: String
    private var tokens: [Token] = []
    private var position = 0

    init(text: String) { self.text = text }

    private static let specials: Set<Character> = ["=", "!", "(", ")", ",", ">", "<"]

    private static func lex(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
                continue
            }
            if specials.contains(character) {
                let next = text.index(after: index)
                let pair = next < text.endIndex ? String([character, text[next]]) : ""
                switch pair {
                case "==": tokens.append(.doubleEquals); index = text.index(after: next); continue
                case "!=": tokens.append(.notEquals); index = text.index(after: next); continue
                default: break
                }
                switch character {
                case "!": tokens.append(.doesNotExist)
                case "=": tokens.append(.equals)
                case ">": tokens.append(.greaterThan)
                case "<": tokens.append(.lessThan)
                case ",": tokens.append(.comma)
                case "(": tokens.append(.open)
                default: tokens.append(.close)
                }
                index = next
                continue
            }
            var word = ""
            while index < text.endIndex, !text[index].isWhitespace, !specials.contains(text[index]) {
                word.append(text[index])
                index = text.index(after: index)
            }
            switch word {
            case "in": tokens.append(.in)
            case "notin": tokens.append(.notIn)
            default: tokens.append(.identifier(word))
            }
        }
        tokens.append(.end)
        return tokens
    }

    private func lookahead(_ offset: Int = 0) -> Token {
        tokens[min(position + offset, tokens.count - 1)]
    }

    private mutating func consume() -> Token {
        let token = lookahead()
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func failure(_ message: String) -> SelectorError {
        SelectorError(selector: text, message: "unable to parse requirement: \(message)")
    }

    private func syntax(_ found: Token, expected: String) -> SelectorError {
        SelectorError(selector: text, message: "found '\(found.literal)', expected: \(expected)")
    }

    mutating func parse() throws(SelectorError) -> [LabelSelector.Requirement] {
        tokens = Self.lex(text)
        position = 0
        var requirements: [LabelSelector.Requirement] = []
        while true {
            switch lookahead() {
            case .end:
                return requirements
            case .identifier, .doesNotExist:
                requirements.append(try parseRequirement())
                switch consume() {
                case .end:
                    return requirements
                case .comma:
                    switch lookahead() {
                    case .identifier, .doesNotExist: continue
                    case let found: throw syntax(found, expected: "identifier after ','")
                    }
                case let found:
                    throw syntax(found, expected: "',' or 'end of string'")
                }
            case let found:
                throw syntax(found, expected: "!, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws(SelectorError) -> LabelSelector.Requirement {
        var negated = false
        if lookahead() == .doesNotExist {
            negated = true
            _ = consume()
        }
        let keyToken = consume()
        guard case .identifier(let key) = keyToken else {
            throw syntax(keyToken, expected: "identifier")
        }
        if negated || lookahead() == .end || lookahead() == .comma {
            if negated, lookahead() != .end, lookahead() != .comma {
                throw syntax(lookahead(), expected: "',' or 'end of string' after '!\(key)'")
            }
            do {
                return try LabelSelector.Requirement(key: key, operator: negated ? .doesNotExist : .exists, values: [])
            } catch {
                throw failure(error.message)
            }
        }
        let op: LabelSelector.Operator
        switch consume() {
        case .equals, .doubleEquals: op = .equals
        case .notEquals: op = .notEquals
        case .in: op = .in
        case .notIn: op = .notIn
        case .greaterThan: op = .greaterThan
        case .lessThan: op = .lessThan
        case let found: throw syntax(found, expected: "'=', '!=', '==', 'in', 'notin', '>' or '<'")
        }
        var values: [String] = []
        switch op {
        case .in, .notIn:
            let open = consume()
            guard open == .open else {
                throw syntax(open, expected: "'('")
            }
            // A list of identifiers separated by commas; an empty slot is the empty string (`(a,)`).
            var expectValue = true
            loop: while true {
                switch consume() {
                case .identifier(let value) where expectValue:
                    values.append(value)
                    expectValue = false
                case .comma:
                    if expectValue { values.append("") }
                    expectValue = true
                case .close:
                    if expectValue && !values.isEmpty { values.append("") }
                    break loop
                case let found:
                    throw syntax(found, expected: "',' or ')'")
                }
            }
        default:
            switch lookahead() {
            case .end, .comma:
                values = [""]
            case .identifier(let value):
                _ = consume()
                values = [value]
            case let found:
                throw syntax(found, expected: "identifier")
            }
        }
        do {
            return try LabelSelector.Requirement(key: key, operator: op, values: values)
        } catch {
            throw failure(error.message)
        }
    }
}
