import ProofCore

/// The write path's admission chain, run by the store on every create and update before the object is kept:
/// defaulting (`Defaults`), then — for writes a client sent — schema validation against the published
/// Kubernetes schemas (wrong types → 400; unknown fields per `fieldValidation`), the per-type rules and
/// immutable fields (`TypeRules`, 422 `Invalid` with `details.causes`), and finally `metadata.managedFields`.
///
/// Stateless; reads the request from `WriteRequest.current` (a task-local), so it adds no lock of its own.
enum Admission {
    /// Defaults, validates and records the write of `object` (the new state; `old` is the stored one on update).
    /// `object` keeps its managedFields from `old` when the client sent none, and gains or moves this manager's
    /// entry only when something other than bookkeeping changed.
    static func admit(_ object: inout JSON, old: JSON?, as type: ResourceType, subresource: String?, timestamp: String)
        throws(SimError)
    {
        let request = WriteRequest.current
        if subresource == nil { Defaults.apply(&object, type, create: old == nil) }
        // Custom resources: pruned, defaulted and validated by their CRD's schema on every write.
        try CustomResourceValidation.admit(&object, as: type, request: request)
        if request.external {
            try validate(&object, old: old, as: type, request: request)
        }
        ManagedFields.record(&object, old: old, as: type, subresource: subresource,
            manager: request.fieldManager ?? ManagedFields.internalManager(type, subresource: subresource),
            operation: request.apply == nil ? "Update" : "Apply", timestamp: timestamp, applied: request.apply)
    }

    /// Schema check (pruning unknown fields), then the type's rules.
    static func validate(_ object: inout JSON, old: JSON?, as type: ResourceType, request: WriteRequest) throws(SimError) {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let schemas = BuiltInSchemas.shared
        var invalid: [FieldCause] = []
        if let schema = schemas.schema(for: type) {
            // Status is written by controllers through its subresource; a client's create or update does not
            // set it (a real server resets it), so it is not checked here.
            var body = object
            body["status"] = nil
            var (pruned, causes) = schemas.validator.pruned(body, against: schema)
            pruned["status"] = object["status"]
            if let typeError = causes.first(where: \.isTypeError) {
                throw .badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): \(typeError.field): \(typeError.message)")
            }
            let unknown = causes.filter(\.isUnknownField)
            if !unknown.isEmpty {
                try unknownFields(unknown, of: type, request: request)
                object = pruned
            }
            invalid = causes.filter { !$0.isUnknownField && !$0.isTypeError }
        }
        for cause in TypeRules.check(object, old: old, type)
        where !invalid.contains(where: { $0.field == cause.field && $0.reason == cause.reason }) {
            invalid.append(cause)
        }
        if !invalid.isEmpty { throw invalidError(type, name, invalid) }
    }

    /// What `request.fieldValidation` makes of the unknown fields of a write of `type`: Strict → 400
    /// `strict decoding error: unknown field "…"` (every field), Warn → one `Warning` each, Ignore → nothing.
    static func unknownFields(_ unknown: [FieldCause], of type: ResourceType, request: WriteRequest) throws(SimError) {
        guard !unknown.isEmpty else { return }
        switch request.fieldValidation {
        case .strict:
            let list = unknown.map { "unknown field \"\($0.field)\"" }.joined(separator: ", ")
            throw SimError(code: 400, reason: "BadRequest",
                message: "\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: \(list)")
        case .warn:
            for cause in unknown { request.warnings?.add("unknown field \"\(cause.field)\"") }
        case .ignore:
            break
        }
    }

    /// 422 `Invalid` listing `causes` in `details.causes`, worded as a real server does.
    static func invalidError(_ type: ResourceType, _ name: String, _ causes: [FieldCause]) -> SimError {
        let text = causes.count == 1 ? causes[0].description : "[" + causes.map(\.description).joined(separator: ", ") + "]"
        return SimError(code: 422, reason: "Invalid", message: "\(type.kind)\(type.group.isEmpty ? "" : "." + type.group) \"\(name)\" is invalid: \(text)",
            details: ["name": .string(name), "group": .string(type.group), "kind": .string(type.kind),
                "causes": .array(causes.map(\.json))])
    }
}
