/// A Kubernetes label selector: a conjunction of requirements on an object's labels.
///
/// Reads the query-string form used by `?labelSelector=` and `kubectl -l` (`k=v`, `k==v`, `k!=v`,
/// `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`, `k<1`; comma = AND) and the JSON `LabelSelector`
/// object (`matchLabels`, `matchExpressions`), validating keys and values as the API server does.
/// Requirements are kept sorted by key and `description` renders the canonical query form, so two
/// selectors that mean the same thing compare equal.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// A requirement's operator.
    public enum Operator: String, Sendable, Hashable {
        /// `k=v` or `k==v`: the label is present with exactly this value.
        case equals = "="
        /// `k!=v`: the label is absent or has another value.
        case notEquals = "!="
        /// `k in (a,b)`: the label is present with one of the values.
        case `in` = "in"
        /// `k notin (a,b)`: the label is absent or has none of the values.
        case notIn = "notin"
        /// `k`: the label is present.
        case exists = "exists"
        /// `!k`: the label is absent.
        case doesNotExist = "!"
        /// `k>n`: the label is present and an integer greater than `n`.
        case greaterThan = ">"
        /// `k<n`: the label is present and an integer less than `n`.
        case lessThan = "<"
    }

    /// One condition on one label key.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        /// The label key (`app.kubernetes.io/name`).
        public var key: String
        /// The operator.
        public var `operator`: Operator
        /// The values, sorted and without duplicates; empty for `exists`/`doesNotExist`.
        public var values: [String]

        /// A requirement, validated as the API server validates it.
        public init(key: String, operator op: Operator, values: [String]) throws(SelectorError) {
            self.key = key
            self.operator = op
            self.values = Array(Set(values)).sorted()
            if let problem = LabelSelector.keyProblem(key) {
                throw SelectorError(selector: key, message: "key: Invalid value: \(quoted(key)): \(problem)")
            }
            switch op {
            case .in, .notIn:
                if values.isEmpty {
                    throw SelectorError(selector: key, message: "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")
                }
            case .equals, .notEquals:
                if values.count != 1 {
                    throw SelectorError(selector: key, message: "values: Invalid value: \(values): exact-match compatibility requires one single value")
                }
            case .exists, .doesNotExist:
                if !values.isEmpty {
                    throw SelectorError(selector: key, message: "values: Invalid value: \(values): values set must be empty for exists and does not exist")
                }
            case .greaterThan, .lessThan:
                guard values.count == 1 else {
                    throw SelectorError(selector: key, message: "values: Invalid value: \(values): for 'Gt', 'Lt' operators, exactly one value is required")
                }
                guard Int64(values[0]) != nil else {
                    throw SelectorError(selector: key, message: "values[0]: Invalid value: \(quoted(values[0])): for 'Gt', 'Lt' operators, the value must be an integer")
                }
                return
            }
            for (index, value) in values.enumerated() {
                if let problem = LabelSelector.valueProblem(value) {
                    throw SelectorError(selector: key, message: "values[\(index)][\(key)]: Invalid value: \(quoted(value)): \(problem)")
                }
            }
        }

        /// Whether `labels` satisfy this requirement (Kubernetes semantics: `!=` and `notin` hold for an
        /// absent label).
        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch self.operator {
            case .equals, .in: return value.map(values.contains) ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let actual = Int64(value), let bound = Int64(values[0]) else { return false }
                return self.operator == .greaterThan ? actual > bound : actual < bound
            }
        }

        /// The query form of this requirement.
        public var description: String {
            switch self.operator {
            case .exists: key
            case .doesNotExist: "!" + key
            case .equals, .notEquals, .greaterThan, .lessThan: key + self.operator.rawValue + (values.first ?? "")
            case .in, .notIn: "\(key) \(self.operator.rawValue) (\(values.joined(separator: ",")))"
            }
        }
    }

    /// The requirements, sorted by key; all must hold.
    public private(set) var requirements: [Requirement]
    /// Set only for `nothing`: a selector that matches no labels at all.
    private var matchesNothing = false

    /// The empty selector, which matches everything.
    public static let everything = LabelSelector(requirements: [])
    /// A selector that matches nothing: what a `null` JSON selector means to the API machinery.
    public static let nothing: LabelSelector = {
        var selector = LabelSelector(requirements: [])
        selector.matchesNothing = true
        return selector
    }()

    /// A selector of already-validated requirements.
    public init(requirements: [Requirement]) {
        self.requirements = Self.sorted(requirements)
    }

    /// Parses the query-string form; an empty or blank string selects everything.
    public init(parsing text: String) throws(SelectorError) {
        var parser = LabelSelectorParser(text: text)
        self.init(requirements: try parser.parse())
    }

    /// Reads a JSON `LabelSelector` (`{matchLabels: {...}, matchExpressions: [{key, operator, values}]}`).
    /// `{}` selects everything; `null` selects nothing.
    public init(json: JSON) throws(SelectorError) {
        if json.isNull {
            self = .nothing
            return
        }
        let text = json.canonicalString
        guard case .object(let members) = json else {
            throw SelectorError(selector: text, message: "a label selector must be an object with matchLabels and/or matchExpressions")
        }
        var requirements: [Requirement] = []
        if let matchLabels = members["matchLabels"], !matchLabels.isNull {
            guard case .object(let labels) = matchLabels else {
                throw SelectorError(selector: text, message: "matchLabels must be a map of strings")
            }
            for (key, value) in labels {
                guard let string = value.stringValue else {
                    throw SelectorError(selector: text, message: "matchLabels.\(key): Invalid value: \(value.canonicalString): must be a string")
                }
                requirements.append(try Requirement(key: key, operator: .equals, values: [string]))
            }
        }
        if let expressions = members["matchExpressions"], !expressions.isNull {
            guard case .array(let items) = expressions else {
                throw SelectorError(selector: text, message: "matchExpressions must be a list")
            }
            for (index, item) in items.enumerated() {
                guard let key = item["key"]?.stringValue, let op = item["operator"]?.stringValue else {
                    throw SelectorError(selector: text, message: "matchExpressions[\(index)]: key and operator are required")
                }
                let rawValues = item["values"]?.arrayValue ?? []
                let values = rawValues.compactMap(\.stringValue)
                guard values.count == rawValues.count else {
                    throw SelectorError(selector: text, message: "matchExpressions[\(index)].values: must be a list of strings")
                }
                let mapped: Operator
                switch op {
                case "In": mapped = .in
                case "NotIn": mapped = .notIn
                case "Exists": mapped = .exists
                case "DoesNotExist": mapped = .doesNotExist
                default:
                    throw SelectorError(selector: text, message: "\(quoted(op)) is not a valid label selector operator")
                }
                requirements.append(try Requirement(key: key, operator: mapped, values: values))
            }
        }
        self.init(requirements: requirements)
    }

    /// Whether this selector is empty (selects everything).
    public var isEverything: Bool { requirements.isEmpty && !matchesNothing }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        !matchesNothing && requirements.allSatisfy { $0.matches(labels) }
    }

    /// Whether the labels of a Kubernetes object (`metadata.labels`) satisfy every requirement.
    public func matches(object: JSON) -> Bool {
        var labels: [String: String] = [:]
        for (key, value) in object[path: ["metadata", "labels"]]?.objectValue ?? [:] {
            if let string = value.stringValue { labels[key] = string }
        }
        return matches(labels)
    }

    /// The canonical query form (`a=b,c in (d,e),!f`); empty for everything.
    public var description: String {
        matchesNothing ? "<none>" : requirements.map(\.description).joined(separator: ",")
    }

    private static func sorted(_ requirements: [Requirement]) -> [Requirement] {
        requirements.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
    }

    // MARK: - Validation (k8s.io/apimachinery/pkg/util/validation)

    private static let nameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    private static let valueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    private static let prefixMessage =
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

    /// Why `key` is not a valid qualified label key, or `nil` when it is.
    static func keyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty { return "prefix part must be non-empty" }
            if prefix.utf8.count > 253 { return "prefix part must be no more than 253 characters" }
            if !isDNSSubdomain(prefix) { return prefixMessage }
        default:
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        }
        if name.isEmpty { return "name part must be non-empty" }
        if name.utf8.count > 63 { return "name part must be no more than 63 characters" }
        return isLabelName(name) ? nil : nameMessage
    }

    /// Why `value` is not a valid label value, or `nil` when it is.
    static func valueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.utf8.count > 63 { return "must be no more than 63 characters" }
        return isLabelName(Substring(value)) ? nil : valueMessage
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isLabelName(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static func isDNSSubdomain(_ text: Substring) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last else { return false }
            func ok(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) }
            return ok(first) && ok(last) && bytes.allSatisfy { ok($0) || $0 == UInt8(ascii: "-") }
        }
    }
}

/// `"text"` with Go-style quoting, as the API server's messages show values.
func quoted(_ text: String) -> String {
    var out = "\""
    for character in text {
        switch character {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out.append(character)
        }
    }
    return out + "\""
}
