extension JSON {
    /// The result of applying `patch` as a JSON Merge Patch (RFC 7386, `application/merge-patch+json`).
    ///
    /// An object patch merges member by member: a `null` member removes that key, any other member is merged
    /// recursively (a target that is not an object is first replaced by `{}`). A patch that is not an object
    /// replaces the target outright, so arrays are always replaced whole. Never fails.
    public func applyingMergePatch(_ patch: JSON) -> JSON {
        guard case .object(let patchMembers) = patch else { return patch }
        var members = objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                members[key] = nil
            } else {
                // Merging into `.null` for a missing key strips nested nulls from `value`, as the RFC requires.
                members[key] = (members[key] ?? .null).applyingMergePatch(value)
            }
        }
        return .object(members)
    }

    /// Whether two values are equal as JSON values: like `==`, except that numbers compare by numeric value,
    /// so `1` and `1.0` are equal (RFC 6902 §4.6).
    public func isJSONEqual(to other: JSON) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isJSONEqual(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.isJSONEqual(to: otherValue) else { return false }
            }
            return true
        default: return self == other
        }
    }
}
