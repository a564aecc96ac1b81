import ProofCore

/// A set of field paths in the `FieldsV1` form of `metadata.managedFields[].fieldsV1`: `f:name` for a field,
/// `k:{"name":"web"}` for an element of a keyed list, `v:"x"` for a member of a set, with `.` marking that a
/// map or list element is owned itself.
///
/// Built from an object and (when known) its schema: keyed lists (`x-kubernetes-list-type: map`) and sets are
/// granular, other lists atomic; maps (`additionalProperties`) own their node, structs do not — as
/// structured-merge-diff does. A value type.
struct FieldSet: Sendable, Hashable {
    /// Every owned path, each a list of path elements.
    var paths: Set<[String]>

    /// An empty set.
    init(paths: Set<[String]> = []) { self.paths = paths }

    /// The fields set in `object` (skipping server-owned metadata, and `status` unless `status` is true).
    init(of object: JSON, schema: JSON?, validator: SchemaValidator, status: Bool) {
        var paths: Set<[String]> = []
        for (key, value) in object.objectValue ?? [:] {
            switch key {
            case "apiVersion", "kind": continue
            case "status" where !status: continue
            case "metadata":
                for (field, member) in value.objectValue ?? [:] where !Self.serverMetadata.contains(field) {
                    Self.walk(member, schema: nil, validator: validator, prefix: ["f:metadata", "f:\(field)"],
                        granularMap: ["labels", "annotations"].contains(field), into: &paths)
                }
            default:
                if status != (key == "status") { continue }
                let sub = schema.map { validator.resolve($0)["properties"]?[key] ?? .null }
                Self.walk(value, schema: sub?.isNull == false ? sub : nil, validator: validator, prefix: ["f:\(key)"],
                    granularMap: false, into: &paths)
            }
        }
        self.paths = paths
    }

    static let serverMetadata: Set<String> = ["name", "namespace", "uid", "resourceVersion", "creationTimestamp",
        "generation", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "generateName"]

    /// Keys of list elements when no schema says (the common strategic-merge keys).
    static let fallbackKeys = ["name", "containerPort", "mountPath", "devicePath", "ip", "type", "key", "port"]

    static func walk(_ value: JSON, schema: JSON?, validator: SchemaValidator, prefix: [String], granularMap: Bool,
        into paths: inout Set<[String]>)
    {
        let resolved = schema.map { validator.resolve($0) }
        switch value {
        case .object(let members):
            let isMap = granularMap || (resolved?["additionalProperties"].map { if case .object = $0 { return true } else { return false } } ?? false)
            if members.isEmpty || isMap { paths.insert(prefix) }
            if resolved?["x-kubernetes-map-type"]?.stringValue == "atomic" { paths.insert(prefix); return }
            for (key, member) in members {
                let sub = resolved?["properties"]?[key] ?? (isMap ? resolved?["additionalProperties"] : nil)
                walk(member, schema: sub, validator: validator, prefix: prefix + ["f:\(key)"], granularMap: false, into: &paths)
            }
        case .array(let items):
            let listType = resolved?["x-kubernetes-list-type"]?.stringValue
            let itemSchema = resolved?["items"]
            if listType == "set" {
                paths.insert(prefix)
                for item in items { paths.insert(prefix + ["v:\(item.canonicalString)"]) }
                return
            }
            var keys = (resolved?["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
            if keys.isEmpty, listType != "atomic", resolved == nil || listType == "map",
                let first = items.first?.objectValue, let key = fallbackKeys.first(where: { first[$0] != nil }),
                items.allSatisfy({ $0[key] != nil })
            {
                keys = [key]
            }
            guard !keys.isEmpty, listType == "map" || resolved == nil || resolved?["x-kubernetes-patch-merge-key"] != nil else {
                paths.insert(prefix)
                return
            }
            if items.isEmpty { paths.insert(prefix) }
            for item in items {
                var key: JSON = [:]
                for name in keys { if let part = item[name] { key[name] = part } }
                let element = prefix + ["k:\(key.canonicalString)"]
                paths.insert(element)
                walk(item, schema: itemSchema, validator: validator, prefix: element, granularMap: false, into: &paths)
                paths.insert(element)
            }
        default:
            paths.insert(prefix)
        }
    }

    /// The `fieldsV1` JSON tree.
    var fieldsV1: JSON {
        var tree: JSON = [:]
        let all = paths
        for path in all.sorted(by: { $0.count < $1.count }) {
            let isParent = all.contains { $0.count > path.count && Array($0.prefix(path.count)) == path }
            if isParent {
                tree.set([:], at: path + ["."])
            } else if tree[path: path] == nil {
                tree.set([:], at: path)
            }
        }
        return tree
    }

    /// Reads a `fieldsV1` tree back.
    init(fieldsV1: JSON) {
        var paths: Set<[String]> = []
        func visit(_ node: JSON, _ prefix: [String]) {
            let members = node.objectValue ?? [:]
            if members.isEmpty, !prefix.isEmpty { paths.insert(prefix) }
            for (key, child) in members {
                if key == "." { paths.insert(prefix) } else { visit(child, prefix + [key]) }
            }
        }
        visit(fieldsV1, [])
        self.paths = paths
    }

    /// Paths in either set whose value differs between `old` and `new` (leaf paths of both, compared by value).
    static func changed(from old: FieldSet, _ oldObject: JSON, to new: FieldSet, _ newObject: JSON) -> FieldSet {
        var result: Set<[String]> = old.paths.symmetricDifference(new.paths)
        // A map or list element owned as a node changes only by appearing or going, not when a child changes.
        let parents = Set(old.paths.union(new.paths).flatMap { path in (1..<max(path.count, 1)).map { Array(path.prefix($0)) } })
        for path in new.paths.intersection(old.paths) where !parents.contains(path)
            && value(at: path, in: oldObject) != value(at: path, in: newObject)
        {
            result.insert(path)
        }
        return FieldSet(paths: result)
    }

    /// The value an element path points at (nil when absent).
    static func value(at path: [String], in object: JSON) -> JSON? {
        var current: JSON? = object
        for element in path {
            guard let node = current else { return nil }
            if element.hasPrefix("f:") {
                current = node[String(element.dropFirst(2))]
            } else if element.hasPrefix("k:") {
                guard let key = try? JSON(parsing: Array(element.dropFirst(2).utf8)) else { return nil }
                current = node.arrayValue?.first { item in (key.objectValue ?? [:]).allSatisfy { item[$0.key] == $0.value } }
            } else if element.hasPrefix("v:") {
                guard let member = try? JSON(parsing: Array(element.dropFirst(2).utf8)) else { return nil }
                current = node.arrayValue?.contains(member) == true ? member : nil
            } else {
                return nil
            }
        }
        return current
    }
}
