extension JSON {
    /// The result of applying `patch` as a Kubernetes strategic merge patch
    /// (`application/strategic-merge-patch+json`) to an object of the built-in `kind`.
    ///
    /// Covered — the part of the `k8s.io/apimachinery/pkg/util/strategicpatch` behaviour kubectl's everyday
    /// use needs:
    /// - maps merge recursively; a `null` member deletes the key;
    /// - lists merge by key where Kubernetes declares `patchStrategy: merge` for the usual fields:
    ///   `containers`, `initContainers`, `ephemeralContainers`, `env`, pod `volumes`, `imagePullSecrets`
    ///   (by `name`); container `ports` (by `containerPort`); Service `spec.ports` (by `port`); `volumeMounts`
    ///   (by `mountPath`); `volumeDevices` (by `devicePath`); `hostAliases` (by `ip`);
    ///   `topologySpreadConstraints` (by `topologyKey`); `metadata.ownerReferences` (by `uid`);
    ///   `status.conditions` (by `type`); Node `status.addresses` (by `type`); ServiceAccount `secrets`
    ///   (by `name`). Matching elements merge, new ones are appended;
    /// - `metadata.finalizers` merges as a set of strings (union, original order first);
    /// - every other list (`tolerations`, `args`, `command`, `envFrom`, taints, …) is replaced;
    /// - `$patch: replace` (map or list), `$patch: delete` (map, or a list element by key), `$patch: merge`;
    ///   `$retainKeys`; `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` (orders the merged list
    ///   by the given keys, elements not named keep their relative order after them).
    ///
    /// Not covered: the full per-type schema (fields outside the list above that Kubernetes merges by key,
    /// e.g. `EndpointSubset` ports, `Pod.status.containerStatuses`), `patchStrategy: retainKeys` on
    /// volume sources and Deployment strategy being applied without the client sending `$retainKeys`, the
    /// exact placement rules of `$setElementOrder` for server-only elements, multi-key merges
    /// (`topologySpreadConstraints` by `topologyKey`+`whenUnsatisfiable`, container ports by
    /// `containerPort`+`protocol`), and server-side apply. Custom resources are refused, as the API server does.
    public func applyingStrategicMergePatch(_ patch: JSON, kind: String) throws(PatchError) -> JSON {
        guard StrategicMerge.builtInKinds.contains(kind) else {
            throw PatchError(
                kind: .unsupportedKind, path: "",
                message: "strategic merge patch is not supported for kind \(kind) (use a merge patch or JSON patch)")
        }
        guard case .object = patch else {
            throw PatchError(kind: .notAnObject, path: "", message: "the patch must be a JSON object, not \(JSONPatch.typeName(patch))")
        }
        let merger = StrategicMerge(kind: kind)
        return try merger.mergeMap(self.objectValue ?? [:], patch.objectValue ?? [:], path: []) .map(JSON.object) ?? .object([:])
    }
}

/// The merge itself; `kind` selects the few kind-specific list strategies.
struct StrategicMerge {
    /// Built-in kinds that accept a strategic merge patch.
    static let builtInKinds: Set<String> = [
        "Pod", "PodTemplate", "Service", "Endpoints", "ConfigMap", "Secret", "Namespace", "Node",
        "PersistentVolume", "PersistentVolumeClaim", "ServiceAccount", "Event", "LimitRange", "ResourceQuota",
        "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ControllerRevision",
        "Job", "CronJob", "Ingress", "IngressClass", "NetworkPolicy", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "StorageClass",
        "EndpointSlice", "Lease", "PriorityClass",
    ]

    /// How a list field merges.
    enum ListStrategy: Equatable {
        case replace
        case mergeByKey(String)
        case mergePrimitives
    }

    let kind: String

    private static let containerLists: Set<String> = ["containers", "initContainers", "ephemeralContainers"]

    /// The strategy for the list at `path` (field names only; list elements add nothing to the path).
    func listStrategy(_ path: [String]) -> ListStrategy {
        guard let field = path.last else { return .replace }
        let parent = path.dropLast().last
        switch field {
        case "finalizers" where path == ["metadata", "finalizers"]:
            return .mergePrimitives
        case "ownerReferences" where path == ["metadata", "ownerReferences"]:
            return .mergeByKey("uid")
        case "conditions" where path == ["status", "conditions"]:
            return .mergeByKey("type")
        case "addresses" where kind == "Node" && path == ["status", "addresses"]:
            return .mergeByKey("type")
        case "secrets" where kind == "ServiceAccount" && path == ["secrets"]:
            return .mergeByKey("name")
        case "ports" where kind == "Service" && path == ["spec", "ports"]:
            return .mergeByKey("port")
        case _ where parent == "spec" && Self.containerLists.contains(field):
            return .mergeByKey("name")
        // A `where` clause binds only to the last pattern of a case, hence two cases.
        case "volumes" where parent == "spec":
            return .mergeByKey("name")
        case "imagePullSecrets" where parent == "spec":
            return .mergeByKey("name")
        case "hostAliases" where parent == "spec":
            return .mergeByKey("ip")
        case "topologySpreadConstraints" where parent == "spec":
            return .mergeByKey("topologyKey")
        case "env" where parent.map(Self.containerLists.contains) == true:
            return .mergeByKey("name")
        case "ports" where parent.map(Self.containerLists.contains) == true:
            return .mergeByKey("containerPort")
        case "volumeMounts" where parent.map(Self.containerLists.contains) == true:
            return .mergeByKey("mountPath")
        case "volumeDevices" where parent.map(Self.containerLists.contains) == true:
            return .mergeByKey("devicePath")
        default:
            return .replace
        }
    }

    private static func dotted(_ path: [String]) -> String { path.joined(separator: ".") }

    /// Merges a patch map into an original map; `nil` means the map itself is deleted (`$patch: delete`).
    func mergeMap(_ original: [String: JSON], _ patch: [String: JSON], path: [String]) throws(PatchError) -> [String: JSON]? {
        var patch = patch
        if let directive = patch.removeValue(forKey: "$patch") {
            switch directive.stringValue {
            case "replace":
                return try stripDirectives(patch, path: path)
            case "delete":
                return nil
            case "merge":
                break
            default:
                throw PatchError(
                    kind: .invalidDirective, path: Self.dotted(path),
                    message: "unknown $patch value \(directive.canonicalString) (use replace, delete or merge)")
            }
        }
        var result = original
        if let retain = patch.removeValue(forKey: "$retainKeys") {
            guard let keys = retain.arrayValue?.compactMap(\.stringValue), keys.count == retain.arrayValue?.count else {
                throw PatchError(kind: .invalidDirective, path: Self.dotted(path), message: "$retainKeys must be a list of strings")
            }
            let keep = Set(keys)
            result = result.filter { keep.contains($0.key) }
        }
        var orders: [String: [JSON]] = [:]
        var primitiveDeletes: [String: [JSON]] = [:]
        for key in patch.keys where key.hasPrefix("$") {
            let value = patch.removeValue(forKey: key)!
            if key.hasPrefix("$setElementOrder/") {
                guard let items = value.arrayValue else {
                    throw PatchError(kind: .invalidDirective, path: Self.dotted(path + [key]), message: "$setElementOrder must be a list")
                }
                orders[String(key.dropFirst("$setElementOrder/".count))] = items
            } else if key.hasPrefix("$deleteFromPrimitiveList/") {
                guard let items = value.arrayValue else {
                    throw PatchError(kind: .invalidDirective, path: Self.dotted(path + [key]), message: "$deleteFromPrimitiveList must be a list")
                }
                primitiveDeletes[String(key.dropFirst("$deleteFromPrimitiveList/".count))] = items
            } else {
                throw PatchError(kind: .invalidDirective, path: Self.dotted(path + [key]), message: "unknown directive \(key)")
            }
        }
        for (field, values) in primitiveDeletes {
            if let items = result[field]?.arrayValue {
                result[field] = .array(items.filter { item in !values.contains { $0.isJSONEqual(to: item) } })
            }
        }
        for (key, value) in patch {
            let childPath = path + [key]
            switch value {
            case .null:
                result[key] = nil
            case .object(let members):
                let base = result[key]?.objectValue ?? [:]
                result[key] = try mergeMap(base, members, path: childPath).map(JSON.object)
            case .array(let items):
                result[key] = .array(try mergeList(result[key]?.arrayValue, items, path: childPath))
            default:
                result[key] = value
            }
        }
        for (field, order) in orders {
            if let items = result[field]?.arrayValue {
                result[field] = .array(reorder(items, by: order, path: path + [field]))
            }
        }
        return result
    }

    /// Merges a patch list into an original list according to the field's strategy.
    func mergeList(_ original: [JSON]?, _ patch: [JSON], path: [String]) throws(PatchError) -> [JSON] {
        let strategy = listStrategy(path)
        // A `{"$patch": "replace"}` element replaces the whole list with the remaining elements.
        let replaceMarker = patch.contains { $0["$patch"]?.stringValue == "replace" }
        if replaceMarker || strategy == .replace || original == nil {
            var items: [JSON] = []
            for item in patch where item["$patch"]?.stringValue != "replace" {
                if case .object(let members) = item {
                    if members["$patch"]?.stringValue == "delete" { continue }
                    if let merged = try stripDirectives(members, path: path) { items.append(.object(merged)) }
                } else {
                    items.append(item)
                }
            }
            return strategy == .mergePrimitives ? unique(items) : items
        }
        var result = original ?? []
        switch strategy {
        case .replace:
            return patch  // unreachable: handled above
        case .mergePrimitives:
            for item in patch where !result.contains(where: { $0.isJSONEqual(to: item) }) {
                result.append(item)
            }
            return result
        case .mergeByKey(let mergeKey):
            for item in patch {
                guard case .object(let members) = item else {
                    throw PatchError(
                        kind: .missingMergeKey, path: Self.dotted(path),
                        message: "list elements must be objects with merge key \"\(mergeKey)\", found \(JSONPatch.typeName(item))")
                }
                guard let keyValue = members[mergeKey] else {
                    throw PatchError(
                        kind: .missingMergeKey, path: Self.dotted(path),
                        message: "map \(item.canonicalString) does not contain declared merge key: \(mergeKey)")
                }
                let position = result.firstIndex { $0[mergeKey]?.isJSONEqual(to: keyValue) == true }
                if members["$patch"]?.stringValue == "delete" {
                    if let position { result.remove(at: position) }
                    continue
                }
                if let position {
                    let base = result[position].objectValue ?? [:]
                    if let merged = try mergeMap(base, members, path: path) {
                        result[position] = .object(merged)
                    } else {
                        result.remove(at: position)
                    }
                } else if let merged = try stripDirectives(members, path: path) {
                    result.append(.object(merged))
                }
            }
            return result
        }
    }

    /// A patch map with its directives applied to nothing (nulls dropped, `$…` keys removed).
    private func stripDirectives(_ patch: [String: JSON], path: [String]) throws(PatchError) -> [String: JSON]? {
        var patch = patch
        if patch["$patch"]?.stringValue == "replace" { patch["$patch"] = nil }
        return try mergeMap([:], patch, path: path)
    }

    private func unique(_ items: [JSON]) -> [JSON] {
        var out: [JSON] = []
        for item in items where !out.contains(where: { $0.isJSONEqual(to: item) }) { out.append(item) }
        return out
    }

    /// Orders `items` as `order` says: named elements first in that order, then the rest as they were.
    private func reorder(_ items: [JSON], by order: [JSON], path: [String]) -> [JSON] {
        let key: String?
        if case .mergeByKey(let mergeKey) = listStrategy(path) { key = mergeKey } else { key = nil }
        func identity(_ item: JSON) -> JSON { key.flatMap { item[$0] } ?? item }
        var remaining = items
        var out: [JSON] = []
        for entry in order {
            let wanted = identity(entry)
            if let index = remaining.firstIndex(where: { identity($0).isJSONEqual(to: wanted) }) {
                out.append(remaining.remove(at: index))
            }
        }
        return out + remaining
    }
}
