/// Lexer and recursive-descent parser for the LogQL subset of the simulated Loki.
///
/// Errors are `SimError` 400 whose message reads like Loki's own
/// (`parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,`), so a malformed query is
/// refused the way a real Loki refuses it and never crashes the server.
public struct LogQLParser {
    /// Parses `text`; throws `SimError` 400 with Loki's wording.
    public static func parse(_ text: String) throws(SimError) -> LogQLExpression {
        var lexer = Lexer(text)
        var parser = LogQLParser(tokens: try lexer.tokens())
        let expression = try parser.expression()
        guard parser.peek.kind == .end else { throw parser.unexpected(expecting: []) }
        try validate(expression)
        return expression
    }

    /// Parses a query that must be a bare stream selector (the series API's `match[]`).
    public static func parseSelector(_ text: String) throws(SimError) -> [LabelMatcher] {
        guard case .log(let selector) = try parse(text) else {
            throw SimError.logQL("only label matchers are supported")
        }
        guard selector.stages.isEmpty else { throw SimError.logQL("only label matchers are supported") }
        return selector.matchers
    }

    /// Parses a duration such as `5m`, `1h30m`, `250ms` into nanoseconds.
    public static func duration(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
            ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000), ("w", 604_800_000_000_000),
            ("y", 31_536_000_000_000_000)]
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isNumber)
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            total += product
        }
        return total
    }

    // MARK: Tokens

    struct Token: Equatable {
        enum Kind: Equatable {
            case identifier, string, number, duration, symbol, end
        }
        var kind: Kind
        var text: String
        var column: Int

        /// How yacc-generated Loki names the token in "unexpected …".
        var display: String {
            switch kind {
            case .identifier: return "IDENTIFIER"
            case .string: return "STRING"
            case .number: return "NUMBER"
            case .duration: return "DURATION"
            case .symbol: return text
            case .end: return "$end"
            }
        }
    }

    struct Lexer {
        let scalars: [Character]
        var index = 0

        init(_ text: String) { scalars = Array(text) }

        mutating func tokens() throws(SimError) -> [Token] {
            var result: [Token] = []
            var bracketDepth = 0
            while true {
                while index < scalars.count, scalars[index].isWhitespace { index += 1 }
                let column = index + 1
                guard index < scalars.count else {
                    result.append(Token(kind: .end, text: "", column: column))
                    return result
                }
                let character = scalars[index]
                switch character {
                case "{", "}", "(", ")", ",":
                    index += 1
                    result.append(Token(kind: .symbol, text: String(character), column: column))
                case "[":
                    index += 1
                    bracketDepth += 1
                    result.append(Token(kind: .symbol, text: "[", column: column))
                case "]":
                    index += 1
                    bracketDepth -= 1
                    result.append(Token(kind: .symbol, text: "]", column: column))
                case "=":
                    index += 1
                    if index < scalars.count, scalars[index] == "~" {
                        index += 1
                        result.append(Token(kind: .symbol, text: "=~", column: column))
                    } else {
                        if index < scalars.count, scalars[index] == "=" { index += 1 }
                        result.append(Token(kind: .symbol, text: "=", column: column))
                    }
                case "!":
                    index += 1
                    guard index < scalars.count, scalars[index] == "=" || scalars[index] == "~" else {
                        throw SimError.logQLParse(line: 1, column: column, "syntax error: unexpected !")
                    }
                    result.append(Token(kind: .symbol, text: "!" + String(scalars[index]), column: column))
                    index += 1
                case "|":
                    index += 1
                    if index < scalars.count, scalars[index] == "=" || scalars[index] == "~" {
                        result.append(Token(kind: .symbol, text: "|" + String(scalars[index]), column: column))
                        index += 1
                    } else {
                        result.append(Token(kind: .symbol, text: "|", column: column))
                    }
                case "\"":
                    result.append(Token(kind: .string, text: try quoted(column: column), column: column))
                case "`":
                    index += 1
                    let start = index
                    while index < scalars.count, scalars[index] != "`" { index += 1 }
                    guard index < scalars.count else {
                        throw SimError.logQLParse(line: 1, column: column, "literal not terminated")
                    }
                    result.append(Token(kind: .string, text: String(scalars[start..<index]), column: column))
                    index += 1
                default:
                    if character.isLetter || character == "_" {
                        let start = index
                        while index < scalars.count, scalars[index].isLetter || scalars[index].isNumber || scalars[index] == "_" {
                            index += 1
                        }
                        result.append(Token(kind: .identifier, text: String(scalars[start..<index]), column: column))
                    } else if character.isNumber {
                        let start = index
                        while index < scalars.count, scalars[index].isLetter || scalars[index].isNumber || scalars[index] == "." || scalars[index] == "µ" {
                            index += 1
                        }
                        let text = String(scalars[start..<index])
                        if bracketDepth > 0 || text.contains(where: \.isLetter) {
                            guard LogQLParser.duration(text) != nil else {
                                throw SimError.logQLParse(line: 1, column: column,
                                    "not a valid duration string: \"\(text)\"")
                            }
                            result.append(Token(kind: .duration, text: text, column: column))
                        } else {
                            result.append(Token(kind: .number, text: text, column: column))
                        }
                    } else {
                        throw SimError.logQLParse(line: 1, column: column, "syntax error: unexpected \(character)")
                    }
                }
            }
        }

        mutating func quoted(column: Int) throws(SimError) -> String {
            index += 1
            var value = ""
            while index < scalars.count {
                let character = scalars[index]
                index += 1
                if character == "\"" { return value }
                if character == "\\" {
                    guard index < scalars.count else { break }
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    case "\"", "\\": value.append(escaped)
                    default:
                        // Go's strconv.Unquote rejects unknown escapes; regex escapes must be written `\\d`.
                        throw SimError.logQLParse(line: 1, column: column, "invalid syntax")
                    }
                } else {
                    value.append(character)
                }
            }
            throw SimError.logQLParse(line: 1, column: column, "literal not terminated")
        }
    }

    // MARK: Grammar

    var tokens: [Token]
    var position = 0

    var peek: Token { tokens[position] }

    mutating func next() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func unexpected(expecting: [String]) -> SimError {
        var message = "syntax error: unexpected \(peek.display)"
        if !expecting.isEmpty { message += ", expecting " + expecting.joined(separator: " or ") }
        return SimError.logQLParse(line: 1, column: peek.column, message)
    }

    mutating func expect(_ symbol: String, or others: [String] = []) throws(SimError) {
        guard peek.kind == .symbol, peek.text == symbol else { throw unexpected(expecting: [symbol] + others) }
        _ = next()
    }

    mutating func expression() throws(SimError) -> LogQLExpression {
        let token = peek
        if token.kind == .symbol, token.text == "{" { return .log(try selector()) }
        if token.kind == .symbol, token.text == "(" {
            _ = next()
            let inner = try expression()
            try expect(")")
            return inner
        }
        if token.kind == .identifier {
            if let function = RangeAggregation.Function(rawValue: token.text) { return .range(try rangeAggregation(function)) }
            if let operation = VectorAggregation.Operation(rawValue: token.text) { return .vector(try vectorAggregation(operation)) }
            if ["json", "logfmt", "by", "without"].contains(token.text) { throw unexpected(expecting: ["{"]) }
            throw SimError.logQLParse(line: 1, column: token.column,
                "syntax error: unexpected IDENTIFIER \"\(token.text)\" (the simulated Loki supports {…} selectors, "
                    + "line filters, logfmt, count_over_time, rate, bytes_over_time, bytes_rate, sum, count, avg, min, max)")
        }
        throw unexpected(expecting: ["{", "("])
    }

    mutating func selector() throws(SimError) -> LogSelector {
        try expect("{")
        var matchers: [LabelMatcher] = []
        if peek.kind == .symbol, peek.text == "}" {
            _ = next()
        } else {
            while true {
                matchers.append(try matcher())
                if peek.kind == .symbol, peek.text == "," {
                    _ = next()
                    continue
                }
                try expect("}", or: [","])
                break
            }
        }
        var stages: [PipelineStage] = []
        while peek.kind == .symbol {
            switch peek.text {
            case "|=", "!=", "|~", "!~":
                let op = LineFilter.Operator(rawValue: next().text)!
                guard peek.kind == .string else { throw unexpected(expecting: ["STRING"]) }
                stages.append(.lineFilter(op, next().text))
            case "|":
                _ = next()
                guard peek.kind == .identifier else { throw unexpected(expecting: ["IDENTIFIER"]) }
                if peek.text == "logfmt" {
                    _ = next()
                    stages.append(.logfmt)
                } else if peek.text == "json" || peek.text == "line_format" || peek.text == "label_format" || peek.text == "unwrap" {
                    throw SimError.logQLParse(line: 1, column: peek.column,
                        "the simulated Loki does not support the \(peek.text) stage (supported: line filters, logfmt, label filters)")
                } else {
                    stages.append(.labelFilter(try matcher()))
                }
            default:
                return LogSelector(matchers: matchers, stages: stages)
            }
        }
        return LogSelector(matchers: matchers, stages: stages)
    }

    mutating func matcher() throws(SimError) -> LabelMatcher {
        guard peek.kind == .identifier else { throw unexpected(expecting: ["IDENTIFIER"]) }
        let name = next().text
        guard peek.kind == .symbol, let op = LabelMatcher.Operator(rawValue: peek.text) else {
            throw unexpected(expecting: ["=", "!=", "=~", "!~"])
        }
        _ = next()
        guard peek.kind == .string else { throw unexpected(expecting: ["STRING"]) }
        return LabelMatcher(name: name, op: op, value: next().text)
    }

    mutating func rangeAggregation(_ function: RangeAggregation.Function) throws(SimError) -> RangeAggregation {
        _ = next()
        try expect("(")
        let selector: LogSelector
        if peek.kind == .symbol, peek.text == "(" {
            _ = next()
            selector = try self.selector()
            try expect(")")
        } else {
            guard peek.kind == .symbol, peek.text == "{" else { throw unexpected(expecting: ["{", "("]) }
            selector = try self.selector()
        }
        try expect("[", or: ["|=", "!=", "|~", "!~", "|"])
        guard peek.kind == .duration, let range = Self.duration(peek.text) else { throw unexpected(expecting: ["DURATION"]) }
        _ = next()
        try expect("]")
        try expect(")")
        guard range > 0 else { throw SimError.logQL("parse error : invalid range: the range must be positive") }
        return RangeAggregation(function: function, selector: selector, rangeNanoseconds: range)
    }

    mutating func vectorAggregation(_ operation: VectorAggregation.Operation) throws(SimError) -> VectorAggregation {
        _ = next()
        var grouping = try groupingClause()
        try expect("(")
        let inner = try expression()
        guard inner.isMetric else {
            throw SimError.logQLParse(line: 1, column: peek.column,
                "syntax error: unexpected ), expecting a metric expression inside \(operation.rawValue)(…)")
        }
        try expect(")")
        if grouping == .none { grouping = try groupingClause() }
        return VectorAggregation(operation: operation, grouping: grouping, inner: inner)
    }

    mutating func groupingClause() throws(SimError) -> VectorAggregation.Grouping {
        guard peek.kind == .identifier, peek.text == "by" || peek.text == "without" else { return .none }
        let keyword = next().text
        try expect("(")
        var labels: [String] = []
        if !(peek.kind == .symbol && peek.text == ")") {
            while true {
                guard peek.kind == .identifier else { throw unexpected(expecting: ["IDENTIFIER"]) }
                labels.append(next().text)
                if peek.kind == .symbol, peek.text == "," {
                    _ = next()
                    continue
                }
                break
            }
        }
        try expect(")", or: [","])
        return keyword == "by" ? .by(labels) : .without(labels)
    }

    // MARK: Validation

    static func validate(_ expression: LogQLExpression) throws(SimError) {
        switch expression {
        case .log(let selector): try validate(selector)
        case .range(let range): try validate(range.selector)
        case .vector(let vector): try validate(vector.inner)
        }
    }

    static func validate(_ selector: LogSelector) throws(SimError) {
        for matcher in selector.matchers where matcher.op == .regex || matcher.op == .notRegex {
            try compile(matcher.value)
        }
        for stage in selector.stages {
            switch stage {
            case .lineFilter(let op, let pattern) where op == .matches || op == .notMatches:
                try compile(pattern)
            case .labelFilter(let matcher) where matcher.op == .regex || matcher.op == .notRegex:
                try compile(matcher.value)
            default:
                break
            }
        }
        let selective = selector.matchers.contains { matcher in
            switch matcher.op {
            case .equal: return !matcher.value.isEmpty
            case .regex: return !((try? LogQLEvaluator.regex(matcher.value, anchored: true)).map { "".wholeMatch(of: $0) != nil } ?? true)
            case .notEqual, .notRegex: return false
            }
        }
        guard selective else {
            throw SimError.logQL(
                "parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will")
        }
    }

    static func compile(_ pattern: String) throws(SimError) {
        do {
            _ = try LogQLEvaluator.regex(pattern, anchored: false)
        } catch {
            throw SimError.logQL("parse error : error parsing regexp: invalid pattern `\(pattern)`")
        }
    }
}

extension SimError {
    /// A 400 whose message is exactly Loki's text (the Loki handler sends `message` as the plain-text body).
    static func logQL(_ message: String) -> SimError {
        SimError(code: 400, reason: "BadRequest", message: message)
    }

    /// `parse error at line L, col C: message`, as Loki words parse errors.
    static func logQLParse(line: Int, column: Int, _ message: String) -> SimError {
        logQL("parse error at line \(line), col \(column): \(message)")
    }
}
