import ProofCore

extension YAMLNode {
    /// The text of a string scalar (quoted, or plain and not a number/boolean/null).
    public func string() throws -> String {
        guard case .scalar(let scalar) = content, scalar.tag == "str" else {
            var error = typeMismatch(expected: "a string")
            if case .scalar(let scalar) = content, scalar.tag != "null" {
                error.problems[0].message += " (quote it: \"\(scalar.string)\")"
            }
            throw error
        }
        return scalar.string
    }

    /// An integer scalar.
    public func int() throws -> Int {
        guard case .scalar(let scalar) = content, scalar.isPlain, scalar.tag == "int",
            let value = Int(scalar.string.replacingOccurrences(of: "_", with: ""))
        else { throw typeMismatch(expected: "an integer") }
        return value
    }

    /// A number scalar (integer or float).
    public func double() throws -> Double {
        guard case .scalar(let scalar) = content, scalar.isPlain, scalar.tag == "int" || scalar.tag == "float",
            let value = Double(scalar.string)
        else { throw typeMismatch(expected: "a number") }
        return value
    }

    /// A boolean scalar.
    public func bool() throws -> Bool {
        guard case .scalar(let scalar) = content, scalar.isPlain, scalar.tag == "bool" else {
            throw typeMismatch(expected: "true or false")
        }
        return ["true", "yes", "on", "y"].contains(scalar.string.lowercased())
    }

    /// A duration: a string such as `500ms`, `30s`, `2m`, `1h30m`, or an integer number of seconds.
    public func duration() throws -> Duration {
        guard case .scalar(let scalar) = content else { throw typeMismatch(expected: Schema.duration().expectation) }
        if scalar.isPlain, scalar.tag == "int", let seconds = Int(scalar.string), seconds >= 0 {
            guard Duration.seconds(seconds) <= Self.longestDuration else { throw tooLong(scalar.string) }
            return .seconds(seconds)
        }
        if let milliseconds = Self.durationMilliseconds(scalar.string), milliseconds > Self.longestMilliseconds {
            throw tooLong(scalar.string)
        }
        guard scalar.tag == "str", let value = Self.parseDuration(scalar.string) else {
            throw ScenarioError.invalid(
                at: location,
                "expected \(Schema.duration().expectation) for \(context), found '\(scalar.string)'")
        }
        return value
    }

    /// A duration that must be more than zero (timeouts, intervals): `0` and `0s` are refused, located.
    public func positiveDuration() throws -> Duration {
        let value = try duration()
        guard value > .zero else {
            throw ScenarioError.invalid(at: location, "\(context) must be longer than 0 (found '\(scalarText ?? "0")')")
        }
        return value
    }

    /// The longest duration a scenario may write (a year): longer ones are refused rather than overflowing.
    public static let longestDuration: Duration = .seconds(365 * 24 * 3600)

    private var scalarText: String? {
        if case .scalar(let scalar) = content { return scalar.string }
        return nil
    }

    private func tooLong(_ text: String) -> ScenarioError {
        .invalid(at: location, "the duration '\(text)' for \(context) is longer than the longest allowed (8760h, a year)")
    }

    /// The items of a list.
    public func sequence() throws -> [YAMLNode] {
        guard case .sequence(let items) = content else { throw typeMismatch(expected: "a list") }
        return items
    }

    /// A list of strings; a single string counts as a one-item list.
    public func strings() throws -> [String] {
        if case .scalar = content { return [try string()] }
        return try sequence().map { try $0.string() }
    }

    /// A string that must be one of the cases of `type`.
    public func enumValue<E: RawRepresentable & CaseIterable>(_ type: E.Type) throws -> E where E.RawValue == String {
        let text = try string()
        guard let value = E(rawValue: text) else {
            let values = E.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw ScenarioError.invalid(at: location, "'\(text)' is not valid for \(context); expected one of \(values)")
        }
        return value
    }

    /// The node as a JSON value, with YAML core-schema typing of plain scalars (for manifests and expected values).
    public func json() -> JSON {
        switch content {
        case .scalar(let scalar):
            guard scalar.isPlain else { return .string(scalar.string) }
            switch scalar.tag {
            case "null": return .null
            case "bool": return .bool(["true", "yes", "on", "y"].contains(scalar.string.lowercased()))
            case "int":
                return Int64(scalar.string.replacingOccurrences(of: "_", with: "")).map(JSON.int) ?? .string(scalar.string)
            case "float": return Double(scalar.string).map(JSON.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let items):
            return .array(items.map { $0.json() })
        case .mapping(let entries):
            var members: [String: JSON] = [:]
            for entry in entries { members[entry.key] = entry.value.json() }
            return .object(members)
        }
    }

    /// Parses `500ms`, `30s`, `2m`, `1h30m`, `1.5s`; `nil` when the text is not a duration or is longer than
    /// a year (``longestDuration``), so an absurd `10000000000000h` is refused rather than overflowing.
    public static func parseDuration(_ text: String) -> Duration? {
        guard let milliseconds = durationMilliseconds(text), milliseconds <= longestMilliseconds else { return nil }
        return .milliseconds(Int64(milliseconds))
    }

    private static let longestMilliseconds = Double(longestDuration.components.seconds) * 1000

    /// The milliseconds `text` writes as a duration (any size, as a `Double`); `nil` when it is not one.
    private static func durationMilliseconds(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[index...]
            let (unit, length): (Double, Int)
            if rest.hasPrefix("ms") { (unit, length) = (0.001, 2) }
            else if character == "s" { (unit, length) = (1, 1) }
            else if character == "m" { (unit, length) = (60, 1) }
            else if character == "h" { (unit, length) = (3600, 1) }
            else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
            index = text.index(index, offsetBy: length)
        }
        let milliseconds = (total * 1000).rounded()
        guard number.isEmpty, sawUnit, !milliseconds.isNaN else { return nil }
        return milliseconds
    }
}
