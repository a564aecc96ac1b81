/// Typed access to the keys of a YAML mapping, checked against an ``ObjectSchema``.
///
/// Creating a reader rejects keys the schema does not declare
/// (`file:line:col: unknown key 'x' in step 3 (wait); expected one of app, timeout, …`) and missing required
/// keys; each accessor reports a wrong type with what was expected. Reading a key the schema does not declare
/// is a programming error (it would let the JSON Schema drift from the decoder) and traps in debug builds.
public struct ObjectReader: Sendable {
    /// The mapping node.
    public let node: YAMLNode
    /// The schema the keys were checked against.
    public let schema: ObjectSchema
    private let values: [String: YAMLNode]

    /// Checks `node` against `schema`.
    public init(node: YAMLNode, schema: ObjectSchema) throws {
        guard case .mapping(let entries) = node.content else {
            throw node.typeMismatch(expected: "a mapping (\(schema.name))")
        }
        self.node = node
        self.schema = schema
        var values: [String: YAMLNode] = [:]
        var problems: [DecodingProblem] = []
        let allowed = schema.properties.map(\.name)
        for entry in entries {
            guard schema.property(entry.key) != nil else {
                var message = "unknown key '\(entry.key)' in \(node.context); expected one of \(allowed.joined(separator: ", "))"
                if let suggestion = Self.closest(to: entry.key, in: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                problems.append(DecodingProblem(location: entry.keyLocation, message: message))
                continue
            }
            values[entry.key] = entry.value
        }
        for property in schema.properties where property.required {
            if values[property.name].map({ $0.isNull }) ?? true {
                problems.append(
                    DecodingProblem(
                        location: node.location,
                        message: "missing key '\(property.name)' in \(node.context) (\(property.schema.expectation))"))
            }
        }
        if !schema.exactlyOneOf.isEmpty {
            let present = schema.exactlyOneOf.filter { values[$0] != nil }
            if present.count != 1 {
                let list = schema.exactlyOneOf.joined(separator: ", ")
                let message =
                    present.isEmpty
                    ? "\(node.context) needs exactly one of: \(list)"
                    : "\(node.context) has \(present.map { "'\($0)'" }.joined(separator: " and ")); use exactly one of: \(list)"
                problems.append(DecodingProblem(location: node.location, message: message))
            }
        }
        if !problems.isEmpty { throw ScenarioError(code: .invalidInput, problems: problems) }
        self.values = values
    }

    /// The keys present (and declared), in schema order.
    public var presentKeys: [String] {
        schema.properties.map(\.name).filter { values[$0] != nil }
    }

    /// The value of `key`, or `nil` when it is absent or written as `null`.
    public func optional(_ key: String) -> YAMLNode? {
        assert(schema.property(key) != nil, "key '\(key)' is not declared in schema \(schema.name)")
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }

    /// The value of `key` even when written as `null` (for keys where `null` is a meaningful value), or `nil`
    /// when the key is absent.
    public func node(_ key: String) -> YAMLNode? {
        assert(schema.property(key) != nil, "key '\(key)' is not declared in schema \(schema.name)")
        return values[key]
    }

    /// The value of `key`; throws a located error when it is missing.
    public func required(_ key: String) throws -> YAMLNode {
        guard let value = optional(key) else {
            let expectation = schema.property(key)?.schema.expectation ?? "a value"
            throw ScenarioError.invalid(at: node.location, "missing key '\(key)' in \(node.context) (\(expectation))")
        }
        return value
    }

    /// A required string.
    public func string(_ key: String) throws -> String { try required(key).string() }
    /// An optional string.
    public func string(_ key: String, default value: String? = nil) throws -> String? {
        try optional(key)?.string() ?? value
    }
    /// An optional integer.
    public func int(_ key: String) throws -> Int? { try optional(key)?.int() }
    /// An optional boolean, `defaultValue` when absent.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        try optional(key)?.bool() ?? defaultValue
    }
    /// An optional duration.
    public func duration(_ key: String) throws -> Duration? { try optional(key)?.duration() }
    /// An optional duration that must be more than zero (a timeout, an interval).
    public func positiveDuration(_ key: String) throws -> Duration? { try optional(key)?.positiveDuration() }
    /// A list of strings (a single string is accepted as a one-item list); empty when absent.
    public func strings(_ key: String) throws -> [String] { try optional(key)?.strings() ?? [] }
    /// An optional string enum value.
    public func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type) throws -> E?
    where E.RawValue == String {
        try optional(key)?.enumValue(type)
    }
    /// A value of a decodable type.
    public func decode<T: NodeDecodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try optional(key).map { try T(from: $0) }
    }
    /// A list of decodable values (every element is decoded; problems of all elements are reported together).
    public func list<T: NodeDecodable>(_ key: String, of type: T.Type = T.self) throws -> [T] {
        guard let node = optional(key) else { return [] }
        return try ScenarioError.collecting(try node.sequence()) { _, item in try T(from: item) }
    }

    /// The closest declared key within an edit distance of 2, for "did you mean" hints.
    static func closest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 < key.count else { return nil }
        return best.0
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension YAMLNode {
    /// Reads this node as a mapping of `schema` (unknown keys and missing required keys are errors).
    public func object(_ schema: ObjectSchema) throws -> ObjectReader {
        try ObjectReader(node: self, schema: schema)
    }
}
