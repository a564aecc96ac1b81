import ProofCore

/// The mapping of one invariant kind, with typed accessors that report file:line:column errors and reject
/// unknown keys. Kinds decode themselves from it (``Invariant/init(fields:)``).
public struct InvariantFields: Sendable {
    /// The mapping node.
    public let node: YAMLNode
    private let entries: [String: YAMLNode.Entry]

    /// Wraps `node`, which must be a mapping whose keys are all in `allowed`.
    public init(_ node: YAMLNode, allowed: [String]) throws(ScenarioError) {
        self.node = node
        guard case .mapping(let list) = node.content else {
            if node.isNull { self.entries = [:]; return }
            throw node.typeMismatch(expected: "a mapping")
        }
        var entries: [String: YAMLNode.Entry] = [:]
        for entry in list {
            guard allowed.contains(entry.key) else {
                throw ScenarioError.invalid(
                    at: entry.keyLocation,
                    "unknown key '\(entry.key)' in \(node.context); expected one of: \(allowed.joined(separator: ", "))")
            }
            entries[entry.key] = entry
        }
        self.entries = entries
    }

    /// Whether `key` is written, even with no value.
    public func contains(_ key: String) -> Bool { entries[key] != nil }

    /// Whether `key` is given (and not null).
    public func has(_ key: String) -> Bool { optional(key) != nil }

    /// The value of `key`, `nil` when absent or null.
    public func optional(_ key: String) -> YAMLNode? {
        guard let value = entries[key]?.value, !value.isNull else { return nil }
        return value
    }

    /// The value of `key`, or an error naming it.
    public func required(_ key: String) throws(ScenarioError) -> YAMLNode {
        guard let value = optional(key) else {
            throw ScenarioError.invalid(at: node.location, "missing required key '\(key)' in \(node.context)")
        }
        return value
    }

    /// A string.
    public func string(_ key: String) throws(ScenarioError) -> String { try Self.string(try required(key)) }
    /// An optional string.
    public func optionalString(_ key: String) throws(ScenarioError) -> String? {
        guard let value = optional(key) else { return nil }
        return try Self.string(value)
    }
    /// An optional integer.
    public func optionalInt(_ key: String, minimum: Int = 0) throws(ScenarioError) -> Int? {
        guard let value = optional(key) else { return nil }
        guard case .scalar(let scalar) = value.content, scalar.isPlain, let number = Int(scalar.string), number >= minimum else {
            throw value.typeMismatch(expected: "an integer ≥ \(minimum)")
        }
        return number
    }
    /// An optional boolean.
    public func optionalBool(_ key: String) throws(ScenarioError) -> Bool? {
        guard let value = optional(key) else { return nil }
        guard case .scalar(let scalar) = value.content, scalar.isPlain, scalar.tag == "bool" else {
            throw value.typeMismatch(expected: "true or false")
        }
        return ["true", "True", "TRUE", "yes", "on"].contains(scalar.string)
    }
    /// A string or a list of strings, as a list (empty when absent).
    public func stringList(_ key: String) throws(ScenarioError) -> [String] {
        guard let value = optional(key) else { return [] }
        return try Self.stringList(value)
    }
    /// An optional glob.
    public func optionalGlob(_ key: String) throws(ScenarioError) -> Glob? {
        try optionalString(key).map { Glob($0) }
    }
    /// Any value, as JSON (YAML core-schema scalars keep their type).
    public func json(_ key: String) -> JSON? {
        entries[key].map { Self.json($0.value) }
    }
    /// The sub-mapping `key` decoded as an object selection; `kind` may be fixed by the invariant kind.
    public func match(_ key: String = "match", fixedKind: String? = nil) throws(ScenarioError) -> ObjectMatch {
        let value = try required(key)
        let fields = try InvariantFields(value, allowed: ObjectMatch.schema(fixedKind: fixedKind).properties.map(\.name))
        let kind: String
        if let fixedKind { kind = fixedKind } else { kind = try fields.string("kind") }
        var labels: LabelSelector?
        if let text = try fields.optionalString("labels") {
            do { labels = try LabelSelector(parsing: text) } catch {
                throw fields.invalid("labels", "bad label selector '\(text)': \(error)")
            }
        }
        return ObjectMatch(
            kind: kind, apiVersion: try fields.optionalString("apiVersion"), namespace: try fields.optionalGlob("namespace"),
            name: try fields.optionalGlob("name"), labels: labels)
    }

    /// An error located at `key` (or at the mapping).
    public func invalid(_ key: String?, _ message: String) -> ScenarioError {
        let location = key.flatMap { entries[$0]?.keyLocation } ?? node.location
        return ScenarioError.invalid(at: location, "\(message) in \(node.context)")
    }

    static func string(_ value: YAMLNode) throws(ScenarioError) -> String {
        guard case .scalar(let scalar) = value.content, !(scalar.isPlain && scalar.tag == "null") else {
            throw value.typeMismatch(expected: "a string")
        }
        return scalar.string
    }

    static func stringList(_ value: YAMLNode) throws(ScenarioError) -> [String] {
        switch value.content {
        case .scalar: return [try string(value)]
        case .sequence(let items):
            var result: [String] = []
            for item in items { result.append(try string(item)) }
            return result
        case .mapping: throw value.typeMismatch(expected: "a string or a list of strings")
        }
    }

    /// A YAML node as JSON: plain scalars by their core-schema tag, quoted ones as strings.
    public static func json(_ node: YAMLNode) -> JSON {
        switch node.content {
        case .scalar(let scalar):
            guard scalar.isPlain else { return .string(scalar.string) }
            switch scalar.tag {
            case "null": return .null
            case "bool": return .bool(["true", "True", "TRUE", "yes", "on"].contains(scalar.string))
            case "int": return Int64(scalar.string).map(JSON.int) ?? .string(scalar.string)
            case "float": return Double(scalar.string).map(JSON.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let items): return .array(items.map(json))
        case .mapping(let entries):
            return .object(Dictionary(entries.map { ($0.key, json($0.value)) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// A JSON value as a synthetic YAML node (no source position), so recorded invariant specs can be decoded
    /// by the same code as files.
    public static func node(from json: JSON, file: String = "<recorded>", context: String = "the invariant", path: String = "") -> YAMLNode {
        let location = SourceLocation(file: file, line: 0, column: 0)
        func scalar(_ text: String, _ tag: String, plain: Bool = true) -> YAMLNode.Content {
            .scalar(YAMLNode.Scalar(string: text, isPlain: plain, tag: tag))
        }
        let content: YAMLNode.Content
        switch json {
        case .null: content = scalar("null", "null")
        case .bool(let value): content = scalar(value ? "true" : "false", "bool")
        case .int(let value): content = scalar(String(value), "int")
        case .double(let value): content = scalar(String(value), "float")
        case .string(let value): content = scalar(value, "str", plain: false)
        case .array(let items):
            content = .sequence(items.enumerated().map { node(from: $1, file: file, context: "item \($0 + 1) of \(context)", path: "\(path)[\($0)]") })
        case .object(let members):
            content = .mapping(members.keys.sorted().map { key in
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                return YAMLNode.Entry(key: key, keyLocation: location, value: node(from: members[key]!, file: file, context: "'\(childPath)'", path: childPath))
            })
        }
        return YAMLNode(content: content, location: location, context: context, path: path)
    }
}
