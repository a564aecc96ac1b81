import Foundation
import ProofCore

/// One problem found in an object, as a Kubernetes `Status` `details.causes[]` entry.
public struct FieldCause: Sendable, Hashable, CustomStringConvertible {
    /// `FieldValueTypeInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueInvalid`,
    /// `FieldValueForbidden`, or `FieldValueUnknown` for a field the schema does not declare.
    public var reason: String
    /// What is wrong, as the real server words it (without the field path).
    public var message: String
    /// The field path, `spec.template.spec.containers[0].image`.
    public var field: String

    /// Creates a cause.
    public init(reason: String, message: String, field: String) {
        self.reason = reason
        self.message = message
        self.field = field
    }

    /// `field: message`, the form a real server's `Invalid` message lists.
    public var description: String { "\(field): \(message)" }

    /// The `details.causes[]` entry.
    public var json: JSON { ["reason": .string(reason), "message": .string(message), "field": .string(field)] }

    /// Whether this is an unknown field (handled by `fieldValidation`, not by 422).
    public var isUnknownField: Bool { reason == "FieldValueUnknown" }
    /// Whether this is a wrong JSON type (a decoding error: 400, not 422).
    public var isTypeError: Bool { reason == "FieldValueTypeInvalid" }
}

/// Checks a JSON value against a structural JSON Schema / OpenAPI v3 schema, generically: the same code serves
/// the built-in kinds (from the published Kubernetes schemas) and CRD instances (from a CRD's
/// `openAPIV3Schema`).
///
/// Understood: `type` (a name or a list of names; `null` always passes, as Kubernetes treats null as absent),
/// `properties`, `required`, `items`, `additionalProperties` (false → unknown fields are reported, a schema →
/// every value checked), `enum`, `format: int-or-string`, `format: int32`/`int64` ranges, `oneOf`/`anyOf`/`allOf`,
/// `$ref` (`#/definitions/…`, `#/$defs/…`, `#/components/schemas/…`), `x-kubernetes-preserve-unknown-fields`,
/// `x-kubernetes-int-or-string`, `x-kubernetes-embedded-resource`. A value type.
///
/// `structural` turns on what a real server does for a CRD's structural schema only: an object schema without
/// `properties`/`additionalProperties` keeps nothing unless `x-kubernetes-preserve-unknown-fields`; `default`s
/// fill absent fields; a `null` in a field that is not `nullable: true` is dropped (or defaulted); and the value
/// constraints `pattern`, `minimum`/`maximum` (and `exclusive…`), `multipleOf`, `minLength`/`maxLength`,
/// `minItems`/`maxItems` and the `format`s `date-time`, `date`, `byte`, `uuid`, `ipv4`, `ipv6` are enforced
/// with the apiextensions-apiserver's messages.
public struct SchemaValidator: Sendable {
    /// Named schemas that `$ref`s point at (the last path segment of the reference is the key).
    public var definitions: [String: JSON]
    /// CRD (structural schema) semantics; see the type's documentation.
    public var structural: Bool

    /// A validator resolving `$ref`s in `definitions`.
    public init(definitions: [String: JSON] = [:], structural: Bool = false) {
        self.definitions = definitions
        self.structural = structural
    }

    /// Every problem of `object` against `schema`, in document order.
    public static func validate(_ object: JSON, against schema: JSON, definitions: [String: JSON] = [:]) -> [FieldCause] {
        SchemaValidator(definitions: definitions).validate(object, against: schema)
    }

    /// Every problem of `object` against `schema`, in document order.
    public func validate(_ object: JSON, against schema: JSON) -> [FieldCause] {
        var causes: [FieldCause] = []
        _ = check(object, schema, path: "", causes: &causes)
        return causes
    }

    /// `object` with every field the schema does not declare removed (what decoding into typed structs does),
    /// and every problem found.
    public func pruned(_ object: JSON, against schema: JSON) -> (object: JSON, causes: [FieldCause]) {
        var causes: [FieldCause] = []
        let result = check(object, schema, path: "", causes: &causes)
        return (result, causes)
    }

    /// Follows `$ref` chains (at most 32 deep) and returns the schema they end at, merged with sibling keys.
    public func resolve(_ schema: JSON) -> JSON {
        var current = schema
        for _ in 0..<32 {
            guard let ref = current["$ref"]?.stringValue else { return current }
            let name = String(ref.split(separator: "/").last ?? "")
            guard var target = definitions[name] else { return current }
            for (key, value) in current.objectValue ?? [:] where key != "$ref" && target[key] == nil { target[key] = value }
            current = target
        }
        return current
    }

    static func typeNames(_ schema: JSON) -> [String] {
        if let name = schema["type"]?.stringValue { return [name] }
        return (schema["type"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static func jsonTypeName(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func matches(_ value: JSON, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("integer", .int), ("number", .int), ("number", .double): return true
        case ("integer", .double(let number)): return number.rounded() == number
        default: return false
        }
    }

    func check(_ value: JSON, _ rawSchema: JSON, path: String, causes: inout [FieldCause]) -> JSON {
        let schema = resolve(rawSchema)
        if value.isNull { return value }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true || schema["format"]?.stringValue == "int-or-string" {
            if !Self.matches(value, type: "integer") && !Self.matches(value, type: "string") {
                causes.append(FieldCause(reason: "FieldValueTypeInvalid",
                    message: "Invalid value: \"\(Self.jsonTypeName(value))\": must be an integer or a string", field: path))
            }
            return value
        }
        for sub in schema["allOf"]?.arrayValue ?? [] { _ = check(value, sub, path: path, causes: &causes) }
        for key in ["oneOf", "anyOf"] {
            guard let options = schema[key]?.arrayValue, !options.isEmpty else { continue }
            var best: (JSON, [FieldCause])?
            for option in options {
                var local: [FieldCause] = []
                let result = check(value, option, path: path, causes: &local)
                if local.isEmpty { best = (result, []); break }
                if best == nil { best = (result, local) }
            }
            if let best, !best.1.isEmpty {
                let expected = options.flatMap { Self.typeNames(resolve($0)) }.filter { $0 != "null" }
                causes.append(FieldCause(reason: "FieldValueTypeInvalid",
                    message: "Invalid value: \"\(Self.jsonTypeName(value))\": must be one of \(expected.joined(separator: ", "))", field: path))
                return value
            }
        }
        let types = Self.typeNames(schema).filter { $0 != "null" }
        if !types.isEmpty, !types.contains(where: { Self.matches(value, type: $0) }) {
            // The OpenAPI validator's wording, as a real server prints it for a CRD instance:
            // `Invalid value: "string": spec.size in body must be of type integer: "string"`.
            let found = Self.jsonTypeName(value)
            causes.append(FieldCause(reason: "FieldValueTypeInvalid",
                message: "Invalid value: \"\(found)\": \(path) in body must be of type \(types.joined(separator: " or ")): \"\(found)\"", field: path))
            return value
        }
        if let options = schema["enum"]?.arrayValue, !options.isEmpty, !options.contains(value) {
            let list = options.map { "\"\($0.displayString)\"" }.joined(separator: ", ")
            causes.append(FieldCause(reason: "FieldValueNotSupported",
                message: "Unsupported value: \"\(value.displayString)\": supported values: \(list)", field: path))
        }
        if structural { constraints(value, schema, path: path, causes: &causes) }
        if case .int(let number) = value, let format = schema["format"]?.stringValue, format == "int32",
            number < Int64(Int32.min) || number > Int64(Int32.max)
        {
            causes.append(FieldCause(reason: "FieldValueTypeInvalid",
                message: "Invalid value: \(number): out of range for int32", field: path))
        }
        switch value {
        case .object(let members):
            return checkObject(members, schema, path: path, causes: &causes)
        case .array(let items):
            guard let itemSchema = schema["items"], case .object = itemSchema else { return value }
            return .array(items.enumerated().map { index, item in
                check(item, itemSchema, path: "\(path)[\(index)]", causes: &causes)
            })
        default:
            return value
        }
    }

    func checkObject(_ members: [String: JSON], _ schema: JSON, path: String, causes: inout [FieldCause]) -> JSON {
        let properties = schema["properties"]?.objectValue
        let additional = schema["additionalProperties"]
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        let embedded = schema["x-kubernetes-embedded-resource"]?.boolValue == true
        var result: [String: JSON] = [:]
        var members = members
        if structural {
            // Nulls in non-nullable fields are dropped, then defaults fill what is absent (apiextensions'
            // PruneNonNullableNullsWithoutDefaults and structural defaulting).
            for (key, propertySchema) in properties ?? [:] {
                let resolved = resolve(propertySchema)
                if members[key]?.isNull == true && resolved["nullable"]?.boolValue != true { members[key] = nil }
                if members[key] == nil, let value = resolved["default"] { members[key] = value }
            }
        }
        for required in schema["required"]?.arrayValue ?? [] {
            guard let name = required.stringValue else { continue }
            if members[name] == nil || members[name]?.isNull == true {
                causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: Self.join(path, name)))
            }
        }
        for key in members.keys.sorted() {
            let member = members[key]!
            let field = Self.join(path, key)
            if let propertySchema = properties?[key] {
                result[key] = check(member, propertySchema, path: field, causes: &causes)
            } else if let additional, case .object = additional {
                result[key] = check(member, additional, path: field, causes: &causes)
            } else if properties == nil && additional == nil && !structural {
                // No structure declared (an untyped object, e.g. `JSON` fields): keep as is.
                result[key] = member
            } else if preserve || (embedded && ["apiVersion", "kind", "metadata"].contains(key)) || additional?.boolValue == true {
                result[key] = member
            } else {
                causes.append(FieldCause(reason: "FieldValueUnknown", message: "field not declared in schema", field: field))
            }
        }
        return .object(result)
    }

    // MARK: Value constraints (structural schemas)

    /// The go-openapi value checks, worded as a real server reports them for a custom resource.
    func constraints(_ value: JSON, _ schema: JSON, path: String, causes: inout [FieldCause]) {
        func invalid(_ message: String) {
            causes.append(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \(Self.shown(value)): \(path) in body \(message)", field: path))
        }
        switch value {
        case .string(let text):
            if let pattern = schema["pattern"]?.stringValue,
                let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
            {
                invalid("should match '\(pattern)'")
            }
            let length = text.count
            if let minimum = schema["minLength"]?.intValue, length < minimum { invalid("should be at least \(minimum) chars long") }
            if let maximum = schema["maxLength"]?.intValue, length > maximum {
                causes.append(FieldCause(reason: "FieldValueTooLong",
                    message: "Too long: may not be more than \(maximum) \(maximum == 1 ? "byte" : "bytes")", field: path))
            }
            if let format = schema["format"]?.stringValue, !Self.matches(text, format: format) {
                invalid("must be of type \(format): \(JSON.string(text).canonicalString)")
            }
        case .int, .double:
            let number = value.doubleValue ?? 0
            let exclusiveMinimum = schema["exclusiveMinimum"]?.boolValue == true
            let exclusiveMaximum = schema["exclusiveMaximum"]?.boolValue == true
            if let minimum = schema["minimum"], let bound = minimum.doubleValue, exclusiveMinimum ? number <= bound : number < bound {
                invalid("should be greater than \(exclusiveMinimum ? "" : "or equal to ")\(minimum.displayString)")
            }
            if let maximum = schema["maximum"], let bound = maximum.doubleValue, exclusiveMaximum ? number >= bound : number > bound {
                invalid("should be less than \(exclusiveMaximum ? "" : "or equal to ")\(maximum.displayString)")
            }
            if let factor = schema["multipleOf"], let divisor = factor.doubleValue, divisor > 0,
                (number / divisor).rounded() != number / divisor
            {
                invalid("should be a multiple of \(factor.displayString)")
            }
        case .array(let items):
            if let minimum = schema["minItems"]?.intValue, items.count < minimum { invalid("should have at least \(minimum) items") }
            if let maximum = schema["maxItems"]?.intValue, items.count > maximum {
                causes.append(FieldCause(reason: "FieldValueTooMany", message: "Too many: \(items.count): must have at most \(maximum) items",
                    field: path))
            }
        default:
            break
        }
    }

    /// A value as `field.Invalid` prints it: strings quoted, numbers bare.
    static func shown(_ value: JSON) -> String {
        if case .string = value { return value.canonicalString }
        return value.displayString
    }

    /// Whether `text` has the CRD `format` (formats the server does not know pass).
    static func matches(_ text: String, format: String) -> Bool {
        func full(_ pattern: String) -> Bool { text.range(of: pattern, options: .regularExpression) == text.startIndex..<text.endIndex }
        switch format {
        case "date-time", "datetime":
            return full(#"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"#)
        case "date": return full(#"\d{4}-\d{2}-\d{2}"#)
        case "byte": return Data(base64Encoded: text) != nil
        case "uuid": return full(#"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#)
        case "ipv4": return full(#"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"#)
        case "ipv6": return text.contains(":") && full(#"[0-9a-fA-F:.]+"#)
        default: return true
        }
    }
}
