import ProofCore

/// One field that differs between two versions of an object, after noise rules.
public struct FieldChange: Sendable, Hashable {
    /// Dotted path; list elements with a `name` are addressed as `containers[name=web]`, others by index.
    public var path: String
    /// The value before (`nil` = the field was added).
    public var before: JSON?
    /// The value after (`nil` = the field was removed).
    public var after: JSON?

    /// A change.
    public init(path: String, before: JSON?, after: JSON?) {
        self.path = path
        self.before = before
        self.after = after
    }

    /// The field-level differences between two (normalised) values, in path order.
    public static func between(_ before: JSON, _ after: JSON, path: String = "") -> [FieldChange] {
        if before == after { return [] }
        switch (before, after) {
        case (.object(let left), .object(let right)):
            var changes: [FieldChange] = []
            for key in Set(left.keys).union(right.keys).sorted() {
                let child = path.isEmpty ? key : path + "." + key
                switch (left[key], right[key]) {
                case (let l?, let r?): changes += between(l, r, path: child)
                case (let l?, nil): changes.append(FieldChange(path: child, before: l, after: nil))
                case (nil, let r?): changes.append(FieldChange(path: child, before: nil, after: r))
                case (nil, nil): break
                }
            }
            return changes
        case (.array(let left), .array(let right)):
            if let keyed = keyedChanges(left, right, path: path) { return keyed }
            guard left.count == right.count else { return [FieldChange(path: path, before: before, after: after)] }
            return zip(left, right).enumerated().flatMap { index, pair in between(pair.0, pair.1, path: "\(path)[\(index)]") }
        default:
            return [FieldChange(path: path, before: before, after: after)]
        }
    }

    /// Lists whose elements all carry a unique string `name` are compared by name (containers, env, ports).
    private static func keyedChanges(_ left: [JSON], _ right: [JSON], path: String) -> [FieldChange]? {
        func index(_ items: [JSON]) -> [String: JSON]? {
            var result: [String: JSON] = [:]
            for item in items {
                guard let name = item["name"]?.stringValue, result[name] == nil else { return nil }
                result[name] = item
            }
            return result
        }
        guard !left.isEmpty || !right.isEmpty, let l = index(left), let r = index(right) else { return nil }
        var changes: [FieldChange] = []
        for name in Set(l.keys).union(r.keys).sorted() {
            let child = "\(path)[name=\(name)]"
            switch (l[name], r[name]) {
            case (let a?, let b?): changes += between(a, b, path: child)
            case (let a?, nil): changes.append(FieldChange(path: child, before: a, after: nil))
            case (nil, let b?): changes.append(FieldChange(path: child, before: nil, after: b))
            case (nil, nil): break
            }
        }
        return changes
    }
}
