import ProofCore

/// Validation of custom resources against their CRD version's `openAPIV3Schema`: the one function the store
/// calls on every create and update of an instance (`validateCustomResource`), and a minimal structural
/// check behind it.
///
/// The check covers what a real API server rejects most often: `type` (object, array, string, integer,
/// number, boolean; `x-kubernetes-int-or-string`; nulls pass, as a real server prunes them first), `required`, `enum`, recursing through
/// `properties`, `additionalProperties` and `items`. It does not prune unknown fields (a real server drops
/// them) and does not evaluate `pattern`, `format`, bounds, CEL `x-kubernetes-validations` or list-type
/// uniqueness. It is kept in this one file so a complete structural-schema validator can replace
/// `StructuralSchemaCheck` without touching callers.
enum CustomResourceValidation {
    /// Throws 422 `Invalid` with one `details.causes[]` entry per violation when `object` does not conform to
    /// the schema of `type`; does nothing for built-in types or a CRD version without a schema.
    static func validateCustomResource(_ object: JSON, as type: ResourceType) throws(SimError) {
        guard let schema = type.customResource?.openAPIV3Schema else { return }
        var body = object
        // apiVersion, kind and metadata are the server's own (validated as ObjectMeta, not by the CRD schema).
        body["metadata"] = nil
        body["apiVersion"] = nil
        body["kind"] = nil
        var schemaBody = schema
        if var properties = schema["properties"]?.objectValue {
            for key in ["metadata", "apiVersion", "kind"] { properties[key] = nil }
            schemaBody["properties"] = .object(properties)
        }
        if let required = schema["required"]?.arrayValue {
            schemaBody["required"] = .array(required.filter { !["metadata", "apiVersion", "kind"].contains($0.stringValue ?? "") })
        }
        let violations = StructuralSchemaCheck.violations(of: body, against: schemaBody, at: "")
        guard !violations.isEmpty else { return }
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let summary = violations.map { "\($0.field): \($0.message)" }
        let message = summary.count == 1 ? summary[0] : "[" + summary.joined(separator: ", ") + "]"
        throw SimError(code: 422, reason: "Invalid",
            message: "\(type.kind).\(type.group) \"\(name)\" is invalid: \(message)",
            details: ["name": .string(name), "group": .string(type.group), "kind": .string(type.kind),
                "causes": .array(violations.map {
                    ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]
                })])
    }
}

/// A minimal structural-schema check (see `CustomResourceValidation` for what it covers and what not).
enum StructuralSchemaCheck {
    /// One way a value breaks its schema, as a `StatusCause`.
    struct Violation: Sendable, Equatable {
        /// `FieldValueTypeInvalid`, `FieldValueRequired` or `FieldValueNotSupported`.
        var reason: String
        /// The field path, `spec.destination.namespace` or `spec.items[0]`.
        var field: String
        /// As a real server words it: `Invalid value: "x": spec.size in body must be of type integer: "string"`.
        var message: String
    }

    static func violations(of value: JSON, against schema: JSON, at path: String) -> [Violation] {
        // A real server prunes a null for a field that is not `nullable` before validating (apiextensions v1),
        // so a null never breaks a type; this check, which does not prune, lets it through.
        if value.isNull { return [] }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            switch value {
            case .int, .string: return []
            default:
                return [Violation(reason: "FieldValueTypeInvalid", field: path,
                    message: "Invalid value: \"\(kindName(value))\": \(path) in body must be of type integer-or-string: \"\(kindName(value))\"")]
            }
        }
        if let type = schema["type"]?.stringValue, !conforms(value, type) {
            return typeViolation(value, kindName(value), schema, path)
        }
        var found: [Violation] = []
        if let allowed = schema["enum"]?.arrayValue, !allowed.isEmpty, !allowed.contains(value) {
            let list = allowed.map(\.canonicalString).joined(separator: ", ")
            found.append(Violation(reason: "FieldValueNotSupported", field: path,
                message: "Unsupported value: \(value.canonicalString): supported values: \(list)"))
        }
        switch value {
        case .object(let members):
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[required] == nil {
                found.append(Violation(reason: "FieldValueRequired", field: join(path, required), message: "Required value"))
            }
            let properties = schema["properties"]?.objectValue
            let additional = schema["additionalProperties"]
            for key in members.keys.sorted() {
                let member = members[key]!
                if let property = properties?[key] {
                    found += violations(of: member, against: property, at: join(path, key))
                } else if let additional, additional.objectValue != nil {
                    found += violations(of: member, against: additional, at: join(path, key))
                }
            }
        case .array(let items):
            if let itemSchema = schema["items"], itemSchema.objectValue != nil {
                for (index, item) in items.enumerated() {
                    found += violations(of: item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        default:
            break
        }
        return found
    }

    private static func typeViolation(_ value: JSON, _ actual: String, _ schema: JSON, _ path: String) -> [Violation] {
        let expected = schema["type"]?.stringValue ?? "object"
        return [Violation(reason: "FieldValueTypeInvalid", field: path,
            message: "Invalid value: \"\(actual)\": \(path) in body must be of type \(expected): \"\(actual)\"")]
    }

    private static func conforms(_ value: JSON, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int),
            ("number", .int), ("number", .double):
            return true
        case ("integer", .double(let number)):
            return number == number.rounded()
        default:
            return false
        }
    }

    private static func kindName(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}
