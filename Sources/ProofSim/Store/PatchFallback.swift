import Foundation
import ProofCore

// Private fallbacks for RFC 7386 / RFC 6902 / strategic merge, used until ProofCore's
// `applyingMergePatch`, `JSONPatch` and `applyingStrategicMergePatch` land; then this file goes.

/// A JSON patch that does not apply.
struct PatchFailure: Error { var message: String }

enum PatchFallback {
    static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull { result[key] = nil } else { result[key] = mergePatch(result[key] ?? .null, value) }
        }
        return .object(result)
    }

    /// Merge keys of the lists kubectl's strategic patches touch.
    static func mergeKey(for field: String, path: [String]) -> String? {
        switch field {
        case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
            "hostAliases":
            return field == "hostAliases" ? "ip" : "name"
        case "volumeMounts", "volumeDevices": return field == "volumeMounts" ? "mountPath" : "devicePath"
        case "ports": return path.contains("template") || path.contains("containers") ? "containerPort" : "port"
        case "conditions": return "type"
        case "ownerReferences": return "uid"
        default: return nil
        }
    }

    static let primitiveMergeLists: Set<String> = ["finalizers"]

    static func strategicMerge(_ target: JSON, _ patch: JSON, path: [String]) -> JSON {
        guard case .object(var patchMembers) = patch else { return patch }
        if patchMembers["$patch"]?.stringValue == "replace" {
            patchMembers["$patch"] = nil
            return .object(patchMembers.filter { !$0.key.hasPrefix("$") })
        }
        if patchMembers["$patch"]?.stringValue == "delete" { return .null }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if key == "$retainKeys" || key == "$patch" || key.hasPrefix("$setElementOrder/") { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let remove = Set(value.arrayValue ?? [])
                if let list = result[field]?.arrayValue { result[field] = .array(list.filter { !remove.contains($0) }) }
                continue
            }
            if value.isNull { result[key] = nil; continue }
            switch value {
            case .object:
                result[key] = strategicMerge(result[key] ?? .object([:]), value, path: path + [key])
            case .array(let items):
                if let mergeKey = mergeKey(for: key, path: path), let existing = result[key]?.arrayValue {
                    var merged = existing
                    for item in items {
                        let id = item[mergeKey]
                        let index = merged.firstIndex { $0[mergeKey] == id && id != nil }
                        if item["$patch"]?.stringValue == "delete" {
                            if let index { merged.remove(at: index) }
                        } else if let index {
                            merged[index] = strategicMerge(merged[index], item, path: path + [key])
                        } else {
                            merged.append(strategicMerge(.object([:]), item, path: path + [key]))
                        }
                    }
                    result[key] = .array(merged)
                } else if primitiveMergeLists.contains(key), let existing = result[key]?.arrayValue {
                    result[key] = .array(existing + items.filter { !existing.contains($0) })
                } else {
                    result[key] = .array(items.map { strip($0) })
                }
            default:
                result[key] = value
            }
        }
        return .object(result)
    }

    static func strip(_ value: JSON) -> JSON {
        switch value {
        case .object(let members):
            return .object(members.filter { !$0.key.hasPrefix("$") }.mapValues(strip))
        case .array(let items): return .array(items.map(strip))
        default: return value
        }
    }

    // MARK: RFC 6902

    static func pointer(_ text: String) throws(PatchFailure) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw PatchFailure(message: "path \"\(text)\" must start with '/'") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func jsonPatch(_ target: JSON, _ patch: JSON) throws(PatchFailure) -> JSON {
        guard let operations = patch.arrayValue else { throw PatchFailure(message: "a JSON patch must be an array of operations") }
        var document = target
        for operation in operations {
            guard let op = operation["op"]?.stringValue, let pathText = operation["path"]?.stringValue else {
                throw PatchFailure(message: "every operation needs \"op\" and \"path\"")
            }
            let path = try pointer(pathText)
            switch op {
            case "add":
                guard let value = operation["value"] else { throw PatchFailure(message: "add at \(pathText) needs a value") }
                document = try add(document, path[...], value, pathText)
            case "remove":
                document = try remove(document, path[...], pathText)
            case "replace":
                guard let value = operation["value"] else { throw PatchFailure(message: "replace at \(pathText) needs a value") }
                _ = try get(document, path, pathText)
                document = try remove(document, path[...], pathText)
                document = try add(document, path[...], value, pathText)
            case "move", "copy":
                guard let fromText = operation["from"]?.stringValue else { throw PatchFailure(message: "\(op) needs \"from\"") }
                let from = try pointer(fromText)
                let value = try get(document, from, fromText)
                if op == "move" { document = try remove(document, from[...], fromText) }
                document = try add(document, path[...], value, pathText)
            case "test":
                let value = try get(document, path, pathText)
                if value != operation["value"] { throw PatchFailure(message: "test failed at \(pathText)") }
            default:
                throw PatchFailure(message: "unknown operation \"\(op)\"")
            }
        }
        return document
    }

    static func get(_ document: JSON, _ path: [String], _ text: String) throws(PatchFailure) -> JSON {
        var current = document
        for token in path {
            if case .array(let items) = current, let index = Int(token), items.indices.contains(index) {
                current = items[index]
            } else if let next = current[token] {
                current = next
            } else {
                throw PatchFailure(message: "path \(text) does not exist")
            }
        }
        return current
    }

    static func add(_ document: JSON, _ path: ArraySlice<String>, _ value: JSON, _ text: String) throws(PatchFailure) -> JSON {
        guard let token = path.first else { return value }
        let rest = path.dropFirst()
        switch document {
        case .object(var members):
            if rest.isEmpty { members[token] = value } else {
                guard let child = members[token] else { throw PatchFailure(message: "path \(text) does not exist") }
                members[token] = try add(child, rest, value, text)
            }
            return .object(members)
        case .array(var items):
            let index = token == "-" ? items.count : (Int(token) ?? -1)
            if rest.isEmpty {
                guard index >= 0, index <= items.count else { throw PatchFailure(message: "index out of range at \(text)") }
                items.insert(value, at: index)
            } else {
                guard items.indices.contains(index) else { throw PatchFailure(message: "index out of range at \(text)") }
                items[index] = try add(items[index], rest, value, text)
            }
            return .array(items)
        default:
            throw PatchFailure(message: "path \(text) does not exist")
        }
    }

    static func remove(_ document: JSON, _ path: ArraySlice<String>, _ text: String) throws(PatchFailure) -> JSON {
        guard let token = path.first else { throw PatchFailure(message: "cannot remove the whole document") }
        let rest = path.dropFirst()
        switch document {
        case .object(var members):
            guard let child = members[token] else { throw PatchFailure(message: "path \(text) does not exist") }
            members[token] = rest.isEmpty ? nil : try remove(child, rest, text)
            return .object(members)
        case .array(var items):
            guard let index = Int(token), items.indices.contains(index) else {
                throw PatchFailure(message: "index out of range at \(text)")
            }
            if rest.isEmpty { items.remove(at: index) } else { items[index] = try remove(items[index], rest, text) }
            return .array(items)
        default:
            throw PatchFailure(message: "path \(text) does not exist")
        }
    }
}
