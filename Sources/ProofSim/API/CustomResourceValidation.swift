import ProofCore

/// Admission of custom resources against their CRD version's structural `openAPIV3Schema`, as the
/// apiextensions-apiserver does on every create and update (client or in-sim controller): unknown fields are
/// pruned (kept under `x-kubernetes-preserve-unknown-fields`; `apiVersion`/`kind`/`metadata` of an
/// `x-kubernetes-embedded-resource`), `default`s are applied, nulls in non-nullable fields dropped; then the
/// instance is validated with the same generic ``SchemaValidator`` in structural mode (types, `required`,
/// `enum`, `pattern`, bounds, lengths, item counts, `format`). A client's unknown fields also obey
/// `fieldValidation`: Strict → 400 `strict decoding error: unknown field "spec.x"`, Warn → a `Warning` header
/// per field, Ignore → silently pruned. CEL `x-kubernetes-validations` are not evaluated.
///
/// Stateless; reads the request from `WriteRequest.current` through its caller.
enum CustomResourceValidation {
    /// Prunes, defaults and validates `object` (an instance of the custom resource `type`) in place; does
    /// nothing for built-in types or a CRD version without a schema. Throws 400 for a Strict client's unknown
    /// fields or a wrong JSON type, 422 `Invalid` with one `details.causes[]` entry per violation.
    static func admit(_ object: inout JSON, as type: ResourceType, request: WriteRequest) throws(SimError) {
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
        let (pruned, causes) = SchemaValidator(structural: true).pruned(body, against: schemaBody)
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let unknown = causes.filter(\.isUnknownField)
        if request.external { try Admission.unknownFields(unknown, of: type, request: request) }
        for key in pruned.objectValue?.keys.sorted() ?? [] { object[key] = pruned[key] }
        for key in body.objectValue?.keys.sorted() ?? [] where pruned[key] == nil { object[key] = nil }
        let violations = causes.filter { !$0.isUnknownField }
        if !violations.isEmpty { throw Admission.invalidError(type, name, violations) }
    }
}
