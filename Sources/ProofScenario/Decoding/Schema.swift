import ProofCore

/// The shape of a scenario value, declared once per model type and used both to **decode** (the allowed keys
/// of an ``ObjectReader`` come from it, so an unknown key is an error) and to **print** the JSON Schema of
/// `proof schema` — the two cannot drift.
///
/// ```swift
/// extension Sleep: NodeDecodable {
///     static let objectSchema = ObjectSchema(name: "SleepStep", doc: "Pause the run.", properties: [
///         Property("duration", .duration("How long to pause."), required: true),
///     ])
///     static var schema: Schema { .object(objectSchema) }
///     init(from node: YAMLNode) throws {
///         let object = try node.object(Self.objectSchema)
///         duration = try object.duration("duration")
///     }
/// }
/// ```
public struct Schema: Sendable {
    /// The kind of value.
    public indirect enum Kind: Sendable {
        /// A string, optionally restricted to a pattern (an ECMAScript regex) or to a fixed set of values.
        case string(pattern: String?, values: [String]?)
        /// An integer, optionally with a minimum.
        case integer(minimum: Int?)
        /// Any number.
        case number
        /// `true` or `false`.
        case boolean
        /// A Go-style duration string (`500ms`, `30s`, `2m`, `1h30m`) or an integer number of seconds.
        case duration
        /// A list of values of one schema.
        case array(Schema)
        /// A mapping with declared keys.
        case object(ObjectSchema)
        /// A mapping with free keys whose values follow one schema (labels, JSON field expectations).
        case map(Schema)
        /// Exactly one of several shapes (e.g. a string or a list of strings).
        case oneOf([Schema])
        /// Any YAML value (inline manifests, expected field values).
        case any
    }

    /// The kind of value.
    public var kind: Kind
    /// One sentence saying what the value means; becomes the JSON Schema `description`.
    public var doc: String

    /// Creates a schema.
    public init(_ kind: Kind, doc: String = "") {
        self.kind = kind
        self.doc = doc
    }

    /// A free-form string.
    public static func string(_ doc: String = "", pattern: String? = nil) -> Schema {
        Schema(.string(pattern: pattern, values: nil), doc: doc)
    }
    /// One of a fixed set of strings.
    public static func oneOf(_ values: [String], _ doc: String = "") -> Schema {
        Schema(.string(pattern: nil, values: values), doc: doc)
    }
    /// One of the cases of a string enum.
    public static func `enum`<E: CaseIterable & RawRepresentable>(_ type: E.Type, _ doc: String = "") -> Schema
    where E.RawValue == String {
        oneOf(type.allCases.map(\.rawValue), doc)
    }
    /// An integer.
    public static func integer(_ doc: String = "", minimum: Int? = nil) -> Schema {
        Schema(.integer(minimum: minimum), doc: doc)
    }
    /// A boolean.
    public static func boolean(_ doc: String = "") -> Schema { Schema(.boolean, doc: doc) }
    /// A number.
    public static func number(_ doc: String = "") -> Schema { Schema(.number, doc: doc) }
    /// A duration (`30s`, `2m`, or an integer number of seconds).
    public static func duration(_ doc: String = "") -> Schema { Schema(.duration, doc: doc) }
    /// A list.
    public static func array(_ items: Schema, _ doc: String = "") -> Schema { Schema(.array(items), doc: doc) }
    /// A list of strings.
    public static func strings(_ doc: String = "") -> Schema { Schema(.array(.string()), doc: doc) }
    /// A mapping with declared keys.
    public static func object(_ object: ObjectSchema, _ doc: String? = nil) -> Schema {
        Schema(.object(object), doc: doc ?? object.doc)
    }
    /// A mapping with free keys.
    public static func map(_ values: Schema, _ doc: String = "") -> Schema { Schema(.map(values), doc: doc) }
    /// Any value.
    public static func any(_ doc: String = "") -> Schema { Schema(.any, doc: doc) }
    /// One of several shapes.
    public static func oneOf(_ schemas: [Schema], _ doc: String = "") -> Schema {
        Schema(.oneOf(schemas), doc: doc)
    }

    /// A short phrase for "expected …" messages.
    public var expectation: String {
        switch kind {
        case .string(_, let values?): return "one of " + values.map { "'\($0)'" }.joined(separator: ", ")
        case .string: return "a string"
        case .integer(let minimum?): return "an integer ≥ \(minimum)"
        case .integer: return "an integer"
        case .number: return "a number"
        case .boolean: return "true or false"
        case .duration: return "a duration like '30s', '2m' or '1h30m'"
        case .array(let items): return "a list of \(items.expectation.replacingArticle())"
        case .object(let object): return "a mapping (\(object.name))"
        case .map: return "a mapping"
        case .oneOf(let schemas): return schemas.map(\.expectation).joined(separator: " or ")
        case .any: return "a value"
        }
    }
}

/// A mapping type of the scenario language: its keys, their schemas and docs.
public struct ObjectSchema: Sendable {
    /// The definition name in the printed JSON Schema (`$defs/<name>`), e.g. `WaitStep`.
    public var name: String
    /// What the mapping is.
    public var doc: String
    /// The allowed keys, in documentation order.
    public var properties: [Property]
    /// Keys of which exactly one must be present (a tagged union such as the step kinds); empty otherwise.
    public var exactlyOneOf: [String]

    /// Creates an object schema.
    public init(name: String, doc: String, properties: [Property], exactlyOneOf: [String] = []) {
        self.name = name
        self.doc = doc
        self.properties = properties
        self.exactlyOneOf = exactlyOneOf
    }

    /// The property called `name`, if declared.
    public func property(_ name: String) -> Property? {
        properties.first { $0.name == name }
    }
}

/// One key of an ``ObjectSchema``.
public struct Property: Sendable {
    /// The key.
    public var name: String
    /// The value's schema (its `doc` documents the key).
    public var schema: Schema
    /// Whether the key must be present.
    public var required: Bool

    /// Creates a property.
    public init(_ name: String, _ schema: Schema, required: Bool = false) {
        self.name = name
        self.schema = schema
        self.required = required
    }
}

extension String {
    fileprivate func replacingArticle() -> String {
        for article in ["a ", "an "] where hasPrefix(article) {
            return String(dropFirst(article.count)) + "s"
        }
        return self
    }
}
