import ProofCore

/// Validation of custom resources against their CRD version's `openAPIV3Schema`: the one function the store
/// calls on every create and update of an instance (`validateCustomResource`), with the same generic
/// ``SchemaValidator`` the built-in kinds are checked with (types, int-or-string, `required`, `enum`,
/// `$ref`, `x-kubernetes-preserve-unknown-fields`; nulls pass, as a real server prunes them first).
/// Unknown fields are accepted and kept (a real server prunes them); `pattern`, bounds and CEL
/// `x-kubernetes-validations` are not evaluated.
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
        let violations = SchemaValidator.validate(body, against: schemaBody).filter { !$0.isUnknownField }
        guard !violations.isEmpty else { return }
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let summary = violations.map { "\($0.field): \($0.message)" }
        let message = summary.count == 1 ? summary[0] : "[" + summary.joined(separator: ", ") + "]"
        throw SimError(code: 422, reason: "Invalid",
            message: "\(type.kind).\(type.group) \"\(name)\" is invalid: \(message)",
            details: ["name": .string(name), "group": .string(type.group), "kind": .string(type.kind),
                "causes": .array(violations.map(\.json))])
    }
}
