import Foundation
import ProofCore

/// The rules that take noise out of a diff between two captures, so that only changes a reviewer cares about
/// remain. Documented in `docs/replay.md` ("Noise rules"); each rule can be switched off.
///
/// 1. `metadata.resourceVersion`, `metadata.managedFields`, `metadata.generation`, `metadata.creationTimestamp`
///    and `status.observedGeneration` are dropped.
/// 2. Timestamps are dropped: every member whose name ends in `Time` or `Timestamp` (`lastTransitionTime`,
///    `startedAt` is kept) and whose value is an RFC 3339 string, anywhere in the object.
/// 3. `metadata.uid` and `ownerReferences[].uid` are dropped when ``ignoreUID`` is set (off by default: a new uid
///    means the object was re-created, which is usually worth seeing).
/// 4. Generated name parts are masked with `*`: the `pod-template-hash` / `controller-revision-hash` label value
///    wherever it appears in the object's strings, and the random suffix after `metadata.generateName`; the
///    hash labels themselves are dropped. So `web-7d9f8-abcde` and `web-6c5b4-xyz12` are both the logical pod
///    `web-*-*`. The pod token volume `kube-api-access-xxxxx` (added by the API server's admission) is
///    `kube-api-access-*`.
/// 5. What a server rewrites on its own (``ServerChurn``: Argo CD's `status.reconciledAt`/`observedAt`, an
///    Event's `count`/`lastTimestamp`/`series`, a Lease's `renewTime`, the endpoints controller's trigger-time
///    annotation) is dropped with the bookkeeping, from rules revision ``Rules/serverChurn`` on.
///
/// The rules have revisions (``Rules``): a proof re-renders its changes with the revision of its format, so
/// `proof verify` keeps matching proofs written before a rule was added; `proof diff` uses the latest.
public struct DiffNoise: Sendable, Hashable {
    /// A revision of the rules.
    public enum Rules: Int, Sendable, Hashable, Comparable {
        /// Rules 1–4 as first written (proof formats 1 and 2).
        case original = 1
        /// Adds rule 5 (server churn), and masks the random suffix of a pod named after its owner also when
        /// the owner's name holds a pod-template hash (proof format 3 on).
        case serverChurn = 2

        /// The revision `proof diff` and new proofs use.
        public static let latest: Rules = .serverChurn

        /// Older revisions order first.
        public static func < (lhs: Rules, rhs: Rules) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The revision of the rules applied.
    public var rules: Rules
    /// Drop resourceVersion, managedFields, generation, creationTimestamp and observedGeneration (and, from
    /// ``Rules/serverChurn`` on, what ``ServerChurn`` lists).
    public var dropBookkeeping: Bool
    /// Drop RFC 3339 values of members named `…Time` / `…Timestamp`.
    public var dropTimestamps: Bool
    /// Drop `metadata.uid` and owner reference uids.
    public var ignoreUID: Bool
    /// Mask generated name parts (hashes, random suffixes) with `*`.
    public var maskGeneratedNames: Bool

    /// The default rules: everything but ``ignoreUID``, in the latest revision.
    public init(
        dropBookkeeping: Bool = true, dropTimestamps: Bool = true, ignoreUID: Bool = false, maskGeneratedNames: Bool = true,
        rules: Rules = .latest
    ) {
        self.rules = rules
        self.dropBookkeeping = dropBookkeeping
        self.dropTimestamps = dropTimestamps
        self.ignoreUID = ignoreUID
        self.maskGeneratedNames = maskGeneratedNames
    }

    /// Labels whose value is a generated hash.
    static let hashLabels = ["pod-template-hash", "controller-revision-hash"]

    /// The logical name of an object: its name with generated parts replaced by `*`.
    public func logicalName(of object: JSON) -> String {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        guard maskGeneratedNames else { return name }
        return mask(name, in: object)
    }

    /// `text` with the object's generated name parts replaced by `*`.
    func mask(_ text: String, in object: JSON) -> String {
        var result = text
        for hash in hashes(of: object) where !hash.isEmpty {
            result = result.replacingOccurrences(of: hash, with: "*")
        }
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if let generate = object[path: ["metadata", "generateName"]]?.stringValue, !generate.isEmpty,
            name.hasPrefix(generate), name.count > generate.count
        {
            let maskedPrefix = hashes(of: object).reduce(generate) { $0.replacingOccurrences(of: $1, with: "*") }
            let suffix = String(name.dropFirst(generate.count))
            result = result.replacingOccurrences(of: maskedPrefix + suffix, with: maskedPrefix + "*")
        } else if object["kind"]?.stringValue == "Pod", rules >= .serverChurn ? text == name : result == name, let owner = ownerName(object),
            name.hasPrefix(owner + "-"), Self.isRandomSuffix(name.dropFirst(owner.count + 1))
        {
            // A pod without generateName but named after its owner plus a random suffix. The original rules
            // compared the hash-masked name, so a pod whose owner name holds its pod-template hash kept its suffix.
            result = mask(owner, in: object) + "-*"
        }
        return result
    }

    /// The projected service-account token volume the API server adds to every pod is named
    /// `kube-api-access-<5 random chars>`: masked to `kube-api-access-*`, so two pods of one workload compare equal.
    static func maskTokenVolume(_ text: String) -> String {
        let prefix = "kube-api-access-"
        guard ByteSearch.contains(prefix, in: text), let range = text.range(of: prefix) else { return text }
        let rest = text[range.upperBound...]
        guard isRandomSuffix(rest.prefix(5)) else { return text }
        return String(text[..<range.upperBound]) + "*" + rest.dropFirst(5)
    }

    private func ownerName(_ object: JSON) -> String? {
        guard let owner = object[path: ["metadata", "ownerReferences"]]?.arrayValue?.first,
            owner["kind"]?.stringValue != "StatefulSet"
        else { return nil }
        return owner["name"]?.stringValue
    }

    /// Five lowercase letters or digits with at least one letter: the suffix Kubernetes appends to generated
    /// pod names (StatefulSet ordinals are never masked).
    static func isRandomSuffix(_ text: Substring) -> Bool {
        text.utf8.count == 5 && text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
            && text.utf8.contains { $0 >= 97 && $0 <= 122 }
    }

    private func hashes(of object: JSON) -> [String] {
        let labels = object[path: ["metadata", "labels"]]?.objectValue ?? [:]
        return Self.hashLabels.compactMap { labels[$0]?.stringValue }.filter { $0.count >= 4 }
    }

    /// The object as it is compared: noise removed, generated names masked.
    public func normalize(_ object: JSON) -> JSON {
        var result = object
        if dropBookkeeping {
            if rules >= .serverChurn { result = ServerChurn.strip(result) }
            for key in ["resourceVersion", "managedFields", "generation", "creationTimestamp"] {
                result.set(nil, at: ["metadata", key])
            }
            if result["status"]?.objectValue != nil { result.set(nil, at: ["status", "observedGeneration"]) }
        }
        if ignoreUID {
            result.set(nil, at: ["metadata", "uid"])
            if let owners = result[path: ["metadata", "ownerReferences"]]?.arrayValue {
                result.set(.array(owners.map { var owner = $0; owner["uid"] = nil; return owner }), at: ["metadata", "ownerReferences"])
            }
        }
        if maskGeneratedNames {
            let masks = hashes(of: object)
            for label in Self.hashLabels { result.set(nil, at: ["metadata", "labels", label]) }
            if result[path: ["metadata", "labels"]]?.objectValue?.isEmpty == true { result.set(nil, at: ["metadata", "labels"]) }
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            let logical = logicalName(of: object)
            result = rewriteStrings(result) { text in
                // Most strings hold none of these: a byte search first, Foundation's replace only on a hit.
                var text = text
                if !name.isEmpty, name != logical, ByteSearch.contains(name, in: text) { text = text.replacingOccurrences(of: name, with: logical) }
                for hash in masks where ByteSearch.contains(hash, in: text) { text = text.replacingOccurrences(of: hash, with: "*") }
                return Self.maskTokenVolume(text)
            }
        }
        if dropTimestamps { result = dropTimes(result) }
        return result
    }

    private func rewriteStrings(_ value: JSON, _ transform: (String) -> String) -> JSON {
        switch value {
        case .string(let text): return .string(transform(text))
        case .array(let items): return .array(items.map { rewriteStrings($0, transform) })
        case .object(let members):
            // Label and selector values match on the masked form too.
            return .object(members.mapValues { rewriteStrings($0, transform) })
        default: return value
        }
    }

    private func dropTimes(_ value: JSON) -> JSON {
        switch value {
        case .array(let items): return .array(items.map(dropTimes))
        case .object(let members):
            var kept: [String: JSON] = [:]
            for (key, member) in members {
                if (key.hasSuffix("Time") || key.hasSuffix("Timestamp")), case .string(let text) = member, Self.looksLikeTime(text) {
                    continue
                }
                kept[key] = dropTimes(member)
            }
            return .object(kept)
        default: return value
        }
    }

    /// `2026-11-27T10:18:41Z` and the like.
    static func looksLikeTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T")
        else { return false }
        return bytes[0..<4].allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
