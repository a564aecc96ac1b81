import ProofCore

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`, `?fieldManager=…[&force=true]`), as
/// `kubectl apply --server-side` and Argo CD's `ServerSideApply=true` use it.
///
/// The applied configuration is merged into the live object (maps by key, keyed lists by their merge keys);
/// fields this manager applied before and no longer applies are removed unless another manager owns them; a
/// field the configuration sets to a different value than the live one, owned by another manager, is a 409
/// `Conflict` naming each field and manager, unless `force` (which takes the fields over). The manager's entry
/// in `managedFields` is an `Apply` entry holding exactly the applied fields. Stateless: reads and writes
/// through `SimState` (the write is conditional on the resourceVersion read, so a race gives 409).
public enum ServerSideApply {
    /// Applies `configuration` (a whole object, `apiVersion`/`kind` included) as `manager`; returns the stored
    /// object and whether it was created.
    public static func apply(_ configuration: JSON, as type: ResourceType, namespace: String?, name: String,
        manager: String, force: Bool, dryRun: Bool = false, state: SimState) throws(SimError) -> (object: JSON, created: Bool)
    {
        guard !manager.isEmpty else {
            throw .badRequest("PATCH \(type.objectPath(namespace: namespace, name: name)): fieldManager is required for apply requests")
        }
        guard case .object = configuration else { throw .badRequest("the apply configuration must be an object") }
        if let apiVersion = configuration["apiVersion"]?.stringValue, apiVersion != type.apiVersion
            || configuration["kind"]?.stringValue != type.kind
        {
            throw .badRequest("the apply configuration is a \(configuration["kind"]?.displayString ?? "?") of \(apiVersion), but the URL is for \(type.kind) of \(type.apiVersion)")
        }
        guard configuration["apiVersion"] != nil, configuration["kind"] != nil else {
            throw .badRequest("apiVersion and kind must be set in an apply configuration")
        }
        if let given = configuration[path: ["metadata", "name"]]?.stringValue, given != name {
            throw .badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
        }
        var applied = configuration
        applied.set(.string(name), at: ["metadata", "name"])
        if let namespace { applied.set(.string(namespace), at: ["metadata", "namespace"]) }
        applied.set(nil, at: ["metadata", "managedFields"])
        applied.set(nil, at: ["metadata", "resourceVersion"])
        let schemas = BuiltInSchemas.shared
        let fields = FieldSet(of: applied, schema: schemas.schema(for: type), validator: schemas.validator, status: false)
        var request = WriteRequest.current
        request.fieldManager = manager
        request.apply = ApplyWrite(fields: fields, force: force)

        guard let live = try? state.get(type, namespace: namespace, name: name) else {
            let created: Result<JSON, SimError> = WriteRequest.$current.withValue(request) {
                do throws(SimError) { return .success(try state.create(applied, as: type, dryRun: dryRun)) } catch { return .failure(error) }
            }
            return (try created.get(), true)
        }
        let conflicts = self.conflicts(live: live, applied: applied, fields: fields, manager: manager, type: type)
        if !conflicts.isEmpty && !force {
            let list = conflicts.map { "conflict with \"\($0.manager)\"\($0.operation == "Update" ? " using \(type.apiVersion)" : ""): \($0.field)" }
            throw SimError(code: 409, reason: "Conflict",
                message: "Apply failed with \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"): \(list.joined(separator: "\n"))",
                details: ["name": .string(name), "group": .string(type.group), "kind": .string(type.resource),
                    "causes": .array(conflicts.map { ["reason": "FieldManagerConflict",
                        "message": .string("conflict with \"\($0.manager)\"\($0.operation == "Update" ? " using \(type.apiVersion)" : "")"),
                        "field": .string($0.field)] })])
        }
        var merged: JSON
        do {
            var patch = applied
            patch["status"] = nil
            merged = try live.applyingStrategicMergePatch(patch, kind: type.kind)
        } catch {
            throw .badRequest("the apply configuration cannot be merged: \(error)")
        }
        // Fields this manager applied before and no longer applies go, unless another manager owns them.
        let previous = ManagedFields.entries(live).first { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == "Apply" }
            .map { FieldSet(fieldsV1: $0["fieldsV1"] ?? [:]) } ?? FieldSet()
        let othersOwn = ManagedFields.entries(live).filter {
            !($0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == "Apply")
        }.reduce(into: Set<[String]>()) { $0.formUnion(FieldSet(fieldsV1: $1["fieldsV1"] ?? [:]).paths) }
        for path in previous.paths.subtracting(fields.paths).subtracting(othersOwn).sorted(by: { $0.count > $1.count }) {
            FieldSet.remove(path, from: &merged)
        }
        merged.set(live[path: ["metadata", "resourceVersion"]], at: ["metadata", "resourceVersion"])
        merged.set(live[path: ["metadata", "managedFields"]], at: ["metadata", "managedFields"])
        let updated: Result<JSON, SimError> = WriteRequest.$current.withValue(request) {
            do throws(SimError) {
                return .success(try state.update(merged, as: type, subresource: nil, dryRun: dryRun))
            } catch { return .failure(error) }
        }
        return (try updated.get(), false)
    }

    /// One field another manager owns with a different value.
    struct Conflict {
        var manager: String
        var operation: String
        var field: String
    }

    static func conflicts(live: JSON, applied: JSON, fields: FieldSet, manager: String, type: ResourceType) -> [Conflict] {
        var result: [Conflict] = []
        for entry in ManagedFields.entries(live) {
            let owner = entry["manager"]?.stringValue ?? ""
            if owner == manager && entry["operation"]?.stringValue == "Apply" { continue }
            if entry["subresource"] != nil { continue }
            let owned = FieldSet(fieldsV1: entry["fieldsV1"] ?? [:]).paths.intersection(fields.paths)
            for path in owned.sorted(by: { $0.joined() < $1.joined() }) {
                let mine = FieldSet.value(at: path, in: applied)
                let theirs = FieldSet.value(at: path, in: live)
                // Nodes (maps, list elements) never conflict; their leaves do.
                if case .object = mine ?? .null, case .object = theirs ?? .null { continue }
                if let mine, let theirs, mine != theirs {
                    result.append(Conflict(manager: owner, operation: entry["operation"]?.stringValue ?? "Update",
                        field: FieldSet.display(path)))
                }
            }
        }
        return result
    }
}

extension FieldSet {
    /// `.spec.replicas`, `.spec.template.spec.containers[name="web"].image`: how conflicts name a field.
    static func display(_ path: [String]) -> String {
        var text = ""
        for element in path {
            if element.hasPrefix("f:") {
                text += "." + element.dropFirst(2)
            } else if element.hasPrefix("k:"), let key = try? JSON(parsing: Array(element.dropFirst(2).utf8)) {
                let parts = (key.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.canonicalString)" }
                text += "[" + parts.joined(separator: ",") + "]"
            } else if element.hasPrefix("v:") {
                text += "[=" + element.dropFirst(2) + "]"
            }
        }
        return text
    }

    /// Removes the field or list element `path` points at from `object` (nothing when absent).
    static func remove(_ path: [String], from object: inout JSON) {
        guard let first = path.first else { return }
        let rest = Array(path.dropFirst())
        if first.hasPrefix("f:") {
            let key = String(first.dropFirst(2))
            guard case .object(var members) = object else { return }
            if rest.isEmpty {
                members[key] = nil
            } else if var child = members[key] {
                remove(rest, from: &child)
                members[key] = child
            }
            object = .object(members)
        } else if first.hasPrefix("k:") || first.hasPrefix("v:") {
            guard case .array(var items) = object,
                let key = try? JSON(parsing: Array(first.dropFirst(2).utf8)) else { return }
            let isKey = first.hasPrefix("k:")
            guard let index = items.firstIndex(where: { item in
                isKey ? (key.objectValue ?? [:]).allSatisfy { item[$0.key] == $0.value } : item == key
            }) else { return }
            if rest.isEmpty {
                items.remove(at: index)
            } else {
                remove(rest, from: &items[index])
            }
            object = .array(items)
        }
    }
}
