import ProofCore

/// `metadata.managedFields` bookkeeping: which manager set which fields, as a real server's field manager
/// records it (`{manager, operation, apiVersion, time, fieldsType: FieldsV1, fieldsV1[, subresource]}`).
enum ManagedFields {
    /// The control-plane component a real cluster would name for an in-sim controller's write.
    static func internalManager(_ type: ResourceType, subresource: String?) -> String {
        if type.group.isEmpty && type.resource == "pods" && subresource == "status" { return "kubelet" }
        return "kube-controller-manager"
    }

    static func bookkeepingStripped(_ object: JSON) -> JSON {
        var copy = object
        for key in ["managedFields", "resourceVersion", "generation"] { copy.set(nil, at: ["metadata", key]) }
        return copy
    }

    /// The entries of `object`, as (entry, its field set).
    static func entries(_ object: JSON) -> [JSON] { object[path: ["metadata", "managedFields"]]?.arrayValue ?? [] }

    /// Records a write by `manager`: on create every field set is owned by it; on update the changed fields move
    /// to it from other managers (an `Update` takes ownership without conflicts). No-op writes change nothing.
    static func record(_ object: inout JSON, old: JSON?, as type: ResourceType, subresource: String?, manager: String,
        operation: String, timestamp: String, applied apply: ApplyWrite? = nil)
    {
        // An apply owns exactly its configuration's fields; forced, it takes them from every other manager
        // (without force there were no conflicts, so shared fields stay co-owned).
        let applied = apply.map { FieldSet(paths: $0.fields.paths) }
        if object[path: ["metadata", "managedFields"]] == nil, let old {
            object.set(old[path: ["metadata", "managedFields"]], at: ["metadata", "managedFields"])
        }
        if let old, bookkeepingStripped(object) == bookkeepingStripped(old) {
            // A no-op write changes nothing, not even `time`; a no-op apply only when this manager already
            // applied exactly these fields.
            guard let applied else { return }
            let existing = entries(old).first { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation }
            if let existing, FieldSet(fieldsV1: existing["fieldsV1"] ?? [:]) == applied { return }
        }
        let schemas = BuiltInSchemas.shared
        let schema = schemas.schema(for: type)
        let validator = schemas.validator
        let status = subresource == "status"
        let newFields = FieldSet(of: object, schema: schema, validator: validator, status: status)
        let taken: FieldSet
        if let apply {
            taken = apply.force ? apply.fields : FieldSet()
        } else if let old {
            taken = FieldSet.changed(from: FieldSet(of: old, schema: schema, validator: validator, status: status), old,
                to: newFields, object)
        } else {
            taken = newFields
        }
        var result: [JSON] = []
        var mine: FieldSet?
        var present: Set<[String]>?
        for entry in entries(object) {
            var fields = FieldSet(fieldsV1: entry["fieldsV1"] ?? [:])
            let sameManager = entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == operation
                && entry["subresource"]?.stringValue == subresource
            if sameManager {
                mine = fields
                continue
            }
            fields.paths.subtract(taken.paths)
            if present == nil {
                present = newFields.paths.union(FieldSet(of: object, schema: schema, validator: validator, status: !status).paths)
            }
            fields.paths.formIntersection(present!)
            guard !fields.paths.isEmpty else { continue }
            var kept = entry
            kept["fieldsV1"] = fields.fieldsV1
            result.append(kept)
        }
        var owned = applied ?? FieldSet(paths: (mine?.paths ?? []).union(taken.paths).intersection(newFields.paths))
        if applied == nil { owned.paths.formIntersection(newFields.paths) }
        if !owned.paths.isEmpty {
            var entry: JSON = ["manager": .string(manager), "operation": .string(operation),
                "apiVersion": .string(type.apiVersion), "time": .string(timestamp), "fieldsType": "FieldsV1",
                "fieldsV1": owned.fieldsV1]
            if let subresource { entry["subresource"] = .string(subresource) }
            result.append(entry)
        }
        object.set(result.isEmpty ? nil : .array(result), at: ["metadata", "managedFields"])
    }
}
