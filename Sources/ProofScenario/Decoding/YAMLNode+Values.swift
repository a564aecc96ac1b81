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
            return .seconds(seconds)
        }
        guard scalar.tag == "str", let value = Self.parseDuration(scalar.string) else {
            throw ScenarioError.invalid(
                at: location,
                "expected \(Schema.duration().expectation) for \(context), found '\(scalar.string)'")
        }
        return value
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

    /// Parses `500ms`, `30s`, `2m`, `1h30m`, `1.5s`; `nil` when the text is not a duration.
    public static func parseDuration(_ text: String) -> Duration? {
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
        guard number.isEmpty, sawUnit else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }
}
