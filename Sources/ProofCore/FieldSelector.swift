/// A Kubernetes field selector: a conjunction of `field=value`, `field==value` and `field!=value` terms.
///
/// Parses the `?fieldSelector=` form (comma = AND; `\,`, `\=` and `\\` escape those characters in values),
/// matches objects by the dotted field path, and knows which fields the API server supports per kind
/// (`validate(kind:)` fails with the API server's own `field label not supported: X`).
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    /// One `field op value` term.
    public struct Term: Sendable, Hashable, CustomStringConvertible {
        /// The field label, such as `metadata.name` or `status.phase`.
        public var field: String
        /// `true` for `!=`, `false` for `=`/`==`.
        public var negated: Bool
        /// The unescaped value.
        public var value: String

        /// A term; see the properties.
        public init(field: String, negated: Bool = false, value: String) {
            self.field = field
            self.negated = negated
            self.value = value
        }

        /// `field=value` or `field!=value`, with the value escaped.
        public var description: String {
            var escaped = ""
            for character in value {
                if character == "\\" || character == "," || character == "=" { escaped.append("\\") }
                escaped.append(character)
            }
            return field + (negated ? "!=" : "=") + escaped
        }
    }

    /// The terms, in the order written; all must hold.
    public var terms: [Term]

    /// A selector of the given terms; no terms selects everything.
    public init(terms: [Term] = []) { self.terms = terms }

    /// Parses the query form; an empty string selects everything.
    public init(parsing text: String) throws(SelectorError) {
        var terms: [Term] = []
        for part in Self.splitTerms(text) where !part.isEmpty {
            guard let (field, op, rawValue) = Self.splitTerm(part) else {
                throw SelectorError(selector: text, message: "invalid selector: '\(text)'; can't understand '\(part)'")
            }
            let value = try Self.unescape(rawValue, selector: text)
            terms.append(Term(field: field, negated: op == "!=", value: value))
        }
        self.terms = terms
    }

    /// Whether this selector has no terms.
    public var isEverything: Bool { terms.isEmpty }

    /// The query form.
    public var description: String { terms.map(\.description).joined(separator: ",") }

    /// Whether `object` satisfies every term. A field is read by its dotted path (see `fieldValue`).
    public func matches(_ object: JSON) -> Bool {
        terms.allSatisfy { term in (Self.fieldValue(term.field, in: object) == term.value) != term.negated }
    }

    /// Fails unless every field is one the API server supports for `kind`.
    public func validate(kind: String) throws(SelectorError) {
        let supported = Self.supportedFields(kind: kind)
        for term in terms where !supported.contains(term.field) {
            throw SelectorError(selector: description, message: "field label not supported: \(term.field)")
        }
    }

    /// The field labels the API server supports in field selectors for `kind`: `metadata.name` and
    /// `metadata.namespace` for every kind, plus the per-kind fields of the built-in types.
    public static func supportedFields(kind: String) -> Set<String> {
        var fields: Set<String> = ["metadata.name", "metadata.namespace"]
        fields.formUnion(perKindFields[kind] ?? [])
        return fields
    }

    /// Per-kind fields beyond `metadata.name`/`metadata.namespace` (after the kube-apiserver registries).
    public static let perKindFields: [String: Set<String>] = [
        "Pod": [
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
        ],
        "Event": [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type",
        ],
        "Secret": ["type"],
        "Node": ["spec.unschedulable"],
        "Namespace": ["status.phase"],
        "ReplicaSet": ["status.replicas"],
        "ReplicationController": ["status.replicas"],
        "Job": ["status.successful"],
    ]

    /// The string the API server compares for `field` of `object`: strings as they are, numbers in decimal,
    /// Booleans as `true`/`false`, a missing field as its Go zero value (`""`, or `false` for Boolean fields).
    /// `source` is an Event's `source.component`.
    public static func fieldValue(_ field: String, in object: JSON) -> String {
        let path = field == "source" ? "source.component" : field
        switch object.value(atDottedPath: path) {
        case .string(let value): return value
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return value.rounded() == value ? String(Int64(value)) : String(value)
        case .none, .null:
            switch field {
            case "spec.unschedulable", "spec.hostNetwork": return "false"
            case "status.replicas", "status.successful": return "0"
            default: return ""
            }
        case .some(let other): return other.canonicalString
        }
    }

    // MARK: - Parsing (after k8s.io/apimachinery/pkg/fields/selector.go)

    /// Splits on commas not preceded by a backslash escape.
    private static func splitTerms(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    /// Splits a term at its first unescaped operator (`!=`, `==` or `=`).
    private static func splitTerm(_ term: String) -> (String, String, String)? {
        let characters = Array(term)
        var index = 0
        while index < characters.count {
            if characters[index] == "\\" {
                index += 2
                continue
            }
            for op in ["!=", "==", "="] {
                let opChars = Array(op)
                if index + opChars.count <= characters.count, Array(characters[index..<index + opChars.count]) == opChars {
                    let field = String(characters[..<index])
                    let value = String(characters[(index + opChars.count)...])
                    return (field, op, value)
                }
            }
            index += 1
        }
        return nil
    }

    private static func unescape(_ raw: String, selector: String) throws(SelectorError) -> String {
        var out = ""
        var iterator = raw.makeIterator()
        while let character = iterator.next() {
            if character == "\\" {
                guard let next = iterator.next(), next == "\\" || next == "," || next == "=" else {
                    throw SelectorError(selector: selector, message: "invalid field selector: invalid escape sequence in '\(raw)' (only \\\\, \\, and \\= are allowed)")
                }
                out.append(next)
            } else if character == "," || character == "=" {
                throw SelectorError(selector: selector, message: "invalid field selector: unescaped '\(character)' in value '\(raw)' (escape it with a backslash)")
            } else {
                out.append(character)
            }
        }
        return out
    }
}
