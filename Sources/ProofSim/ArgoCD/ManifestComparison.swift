import Foundation
import ProofCore

/// The normalised comparison and the apply merge the controller uses between a rendered manifest and the
/// live object.
///
/// Comparison: the live object is in sync when it holds every field the manifest sets, with the same value
/// (numbers compared numerically; an empty map or list in the manifest matches an absent field). Fields the
/// manifest does not set — server defaults, `status`, `metadata.uid`, extra labels — never make it OutOfSync.
/// Lists are compared element by element and must have the manifest's length.
///
/// Apply: a three-way merge like `kubectl apply`: fields of the manifest win, maps merge, lists are
/// replaced, and fields the last applied manifest had but the new one lacks are removed.
enum ManifestComparison {
    /// Whether `live` holds everything `desired` sets (metadata: only labels and annotations are compared)
    /// and nothing the last applied manifest set that `desired` dropped.
    static func isSynced(live: JSON, desired: JSON) -> Bool {
        var wanted = desired
        wanted["status"] = nil
        var metadata: JSON = [:]
        metadata["labels"] = desired[path: ["metadata", "labels"]]
        metadata["annotations"] = desired[path: ["metadata", "annotations"]]
        wanted["metadata"] = metadata
        wanted["apiVersion"] = nil
        if desired["kind"]?.stringValue == "Secret", live["stringData"] == nil, let strings = desired["stringData"]?.objectValue {
            // The API server folds stringData into data (base64), so compare it there.
            var data = wanted["data"]?.objectValue ?? [:]
            for (key, value) in strings { data[key] = .string(Data(value.displayString.utf8).base64EncodedString()) }
            wanted["data"] = .object(data)
            wanted["stringData"] = nil
        }
        wanted["kind"] = nil
        guard contains(live, wanted) else { return false }
        // Three-way: a field the last applied manifest set, that Git no longer sets, still live = drift.
        let last = live[path: ["metadata", "annotations", ArgoCDNames.lastApplied]]?.stringValue
            .flatMap { try? JSON(parsing: Array($0.utf8)) }
        return !hasRemovedField(live: live, desired: desired, lastApplied: last)
    }

    /// Whether `live` still holds a field that `lastApplied` set and `desired` no longer does.
    static func hasRemovedField(live: JSON?, desired: JSON?, lastApplied: JSON?) -> Bool {
        guard let last = lastApplied?.objectValue, let current = live?.objectValue else { return false }
        let wanted = desired?.objectValue ?? [:]
        for (key, value) in last {
            if let next = wanted[key] {
                if hasRemovedField(live: current[key], desired: next, lastApplied: value) { return true }
            } else if let present = current[key], !present.isNull {
                return true
            }
        }
        return false
    }

    /// What is stored as the last applied manifest: the manifest itself, except that a Secret's values are
    /// replaced (only the keys matter for the merge) so that no secret ever lands in an annotation.
    static func lastApplied(_ desired: JSON) -> JSON {
        guard desired["kind"]?.stringValue == "Secret" else { return desired }
        var copy = desired
        for field in ["data", "stringData"] {
            guard let members = copy[field]?.objectValue else { continue }
            copy[field] = .object(members.mapValues { _ in "<redacted>" })
        }
        return copy
    }

    /// Whether `live` holds `desired` (see the type's documentation).
    static func contains(_ live: JSON?, _ desired: JSON) -> Bool {
        switch desired {
        case .object(let members):
            if members.isEmpty { return live == nil || live?.isNull == true || live?.objectValue != nil }
            guard let liveMembers = live?.objectValue else { return false }
            for (key, value) in members {
                if value.isNull {
                    if let present = liveMembers[key], !present.isNull { return false }
                    continue
                }
                if !contains(liveMembers[key], value) { return false }
            }
            return true
        case .array(let items):
            if items.isEmpty { return live == nil || live?.isNull == true || live?.arrayValue?.isEmpty == true }
            guard let liveItems = live?.arrayValue, liveItems.count == items.count else { return false }
            return zip(liveItems, items).allSatisfy { contains($0.0, $0.1) }
        case .int, .double:
            return live?.doubleValue == desired.doubleValue
        case .null:
            return live == nil || live?.isNull == true
        default:
            return live == desired
        }
    }

    /// `live` with `desired` applied on top, removing fields that `lastApplied` set and `desired` no longer does.
    static func merged(live: JSON, desired: JSON, lastApplied: JSON?) -> JSON {
        guard case .object(var result) = live, case .object(let wanted) = desired else { return desired }
        for (key, value) in wanted {
            if case .object = value, case .object = result[key] ?? .null {
                result[key] = merged(live: result[key]!, desired: value, lastApplied: lastApplied?[key])
            } else {
                result[key] = value
            }
        }
        if let previous = lastApplied?.objectValue {
            for key in previous.keys where wanted[key] == nil { result[key] = nil }
        }
        return .object(result)
    }
}
