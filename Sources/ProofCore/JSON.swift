/// A JSON value, as Kubernetes, Argo CD and Loki speak it.
///
/// Integers are kept apart from floating-point numbers so that resource versions, replica counts and
/// nanosecond timestamps survive a round trip exactly. Objects are unordered: `canonicalData` sorts their
/// keys, so two equal values always encode (and digest) to the same bytes.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
}

// MARK: - Access

extension JSON {
    /// The member `key` of an object; `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> JSON? {
        get {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The value at a path of object keys, such as `["metadata", "name"]`.
    public subscript(path path: [String]) -> JSON? {
        var current = self
        for key in path {
            guard case .object(let members) = current, let next = members[key] else { return nil }
            current = next
        }
        return current
    }

    /// The value at a path of two object keys (`json[path: "metadata", "name"]`): the same as
    /// `json[path: ["metadata", "name"]]` without building an array (hot paths of invariant evaluation).
    public subscript(path first: String, _ second: String) -> JSON? {
        guard case .object(let top) = self, case .object(let members)? = top[first] else { return nil }
        return members[second]
    }

    /// The value at a path of three object keys (`json[path: "status", "sync", "status"]`), without building an array.
    public subscript(path first: String, _ second: String, _ third: String) -> JSON? {
        guard case .object(let top) = self, case .object(let middle)? = top[first], case .object(let members)? = middle[second] else {
            return nil
        }
        return members[third]
    }

    /// The value at a dotted path such as `status.sync.status`; array elements are addressed by number
    /// (`spec.containers.0.image`).
    public func value(atDottedPath path: String) -> JSON? {
        var current: JSON? = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let node = current else { return nil }
            if case .array = node, let index = Int(part) {
                current = node[index]
            } else {
                current = node[String(part)]
            }
        }
        return current
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an integer or an integral double.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e18: return Int64(value)
        default: return nil
        }
    }

    /// The number as a double, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The Boolean, if this is a Boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short human rendering: strings bare, everything else as compact JSON.
    public var displayString: String {
        if case .string(let value) = self { return value }
        return String(decoding: canonicalData, as: UTF8.self)
    }

    /// Sets the value at a path of object keys, creating intermediate objects as needed.
    public mutating func set(_ value: JSON?, at path: [String]) {
        guard let first = path.first else {
            if let value { self = value }
            return
        }
        var members = objectValue ?? [:]
        if path.count == 1 {
            members[first] = value
        } else {
            var child = members[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.set(value, at: Array(path.dropFirst()))
            members[first] = child
        }
        self = .object(members)
    }
}

// MARK: - Literals

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSON: CustomStringConvertible {
    /// Compact canonical JSON text.
    public var description: String { String(decoding: canonicalData, as: UTF8.self) }
}
