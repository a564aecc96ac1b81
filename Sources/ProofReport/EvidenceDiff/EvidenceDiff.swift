import ProofCore

/// The difference between two captures (or the same capture label in two runs), object by object, after
/// ``DiffNoise`` rules: objects added, removed, and changed with their field-level changes. A pure function of
/// the two object lists (`proof diff`).
///
/// Objects are matched by API group, kind, namespace and *logical* name (generated parts masked), so a pod
/// re-created by its ReplicaSet under a new random name is the same logical pod. When several objects share a
/// logical name (the replicas of one Deployment), identical ones pair first, the rest in name order.
public struct EvidenceDiff: Sendable, Hashable {
    /// One object present on one side only, or on both sides with changes.
    public struct Entry: Sendable, Hashable {
        /// What happened to the object.
        public enum Change: String, Sendable, Hashable {
            /// Only in the second capture.
            case added
            /// Only in the first capture.
            case removed
            /// In both, with field changes.
            case changed
        }

        /// What happened.
        public var change: Change
        /// The object's identity with its logical name.
        public var identity: ObjectIdentity
        /// The real name in the first capture (`web-7d9f8-abcde`; the second may be `web-6c5b4-xyz12`).
        public var beforeName: String?
        /// The real name in the second capture.
        public var afterName: String?
        /// Field-level changes (for `changed`).
        public var fields: [FieldChange]
    }

    /// Added, removed and changed objects, sorted by kind, namespace and name.
    public var entries: [Entry]
    /// Objects present on both sides without a change after noise rules.
    public var unchanged: Int
    /// The rules applied.
    public var noise: DiffNoise

    /// Entries that are additions.
    public var added: [Entry] { entries.filter { $0.change == .added } }
    /// Entries that are removals.
    public var removed: [Entry] { entries.filter { $0.change == .removed } }
    /// Entries that are changes.
    public var changed: [Entry] { entries.filter { $0.change == .changed } }
    /// Whether the captures are the same after noise rules.
    public var isEmpty: Bool { entries.isEmpty }

    /// Compares two object lists. `kinds` and `namespaces` (globs) filter both sides first.
    public static func compare(
        _ before: [JSON], _ after: [JSON], noise: DiffNoise = DiffNoise(), kinds: [String] = [], namespaces: [Glob] = []
    ) -> EvidenceDiff {
        func keep(_ object: JSON) -> Bool {
            let kind = object["kind"]?.stringValue ?? ""
            if !kinds.isEmpty, !kinds.contains(where: { $0.caseInsensitiveCompare(kind) == .orderedSame }) { return false }
            if !namespaces.isEmpty {
                let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
                if !namespaces.contains(where: { $0.matches(namespace) }) { return false }
            }
            return true
        }
        struct Side { var name: String; var normalized: JSON }
        func group(_ objects: [JSON]) -> [ObjectIdentity: [Side]] {
            var groups: [ObjectIdentity: [Side]] = [:]
            for object in objects where keep(object) {
                let apiVersion = object["apiVersion"]?.stringValue ?? ""
                let groupName = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
                let identity = ObjectIdentity(
                    apiVersion: groupName, kind: object["kind"]?.stringValue ?? "",
                    namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "", name: noise.logicalName(of: object))
                groups[identity, default: []].append(Side(name: object[path: ["metadata", "name"]]?.stringValue ?? "", normalized: noise.normalize(object)))
            }
            return groups
        }
        let left = group(before)
        let right = group(after)
        var entries: [Entry] = []
        var unchanged = 0
        for identity in Set(left.keys).union(right.keys) {
            var lefts = (left[identity] ?? []).sorted { $0.name < $1.name }
            var rights = (right[identity] ?? []).sorted { $0.name < $1.name }
            let display = { (side: Side) -> ObjectIdentity in
                var id = identity
                id.apiVersion = side.normalized["apiVersion"]?.stringValue ?? identity.apiVersion
                return id
            }
            // Identical pairs first.
            var index = 0
            while index < lefts.count {
                if let match = rights.firstIndex(where: { $0.normalized == lefts[index].normalized }) {
                    rights.remove(at: match)
                    lefts.remove(at: index)
                    unchanged += 1
                } else {
                    index += 1
                }
            }
            for (l, r) in zip(lefts, rights) {
                entries.append(Entry(
                    change: .changed, identity: display(r), beforeName: l.name, afterName: r.name,
                    fields: FieldChange.between(l.normalized, r.normalized)))
            }
            for l in lefts.dropFirst(rights.count) {
                entries.append(Entry(change: .removed, identity: display(l), beforeName: l.name, afterName: nil, fields: []))
            }
            for r in rights.dropFirst(lefts.count) {
                entries.append(Entry(change: .added, identity: display(r), beforeName: nil, afterName: r.name, fields: []))
            }
        }
        entries.sort { ($0.identity, $0.change.rawValue, $0.beforeName ?? $0.afterName ?? "") < ($1.identity, $1.change.rawValue, $1.beforeName ?? $1.afterName ?? "") }
        return EvidenceDiff(entries: entries, unchanged: unchanged, noise: noise)
    }
}
