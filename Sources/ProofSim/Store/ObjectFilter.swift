import Foundation
import ProofCore

/// Which objects a list or watch wants: a namespace plus label and field selectors in their query-string form.
///
/// Label selectors support `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; field selectors
/// `=`, `==`, `!=`. Made for a resource type (as the API server does), field selectors are limited to the
/// fields a real server supports for it (`metadata.name`, `metadata.namespace` and a few per type) and any
/// other gives 400 `field label not supported`; in-sim callers without a type may use any dotted path.
public struct ObjectFilter: Sendable {
    /// Only this namespace, or every namespace when `nil`.
    public var namespace: String?
    fileprivate var labels: [Requirement] = []
    fileprivate var fields: [(path: String, value: String, equal: Bool)] = []

    fileprivate enum Requirement: Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case notExists(String)
    }

    /// Parses the selectors; throws 400 BadRequest for a malformed one, or, with `resource`, for a field the
    /// real server does not support for that type.
    public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        for resource: ResourceType? = nil) throws(SimError)
    {
        self.namespace = namespace
        if let labelSelector, !labelSelector.isEmpty { labels = try Self.parseLabels(labelSelector) }
        if let fieldSelector, !fieldSelector.isEmpty { fields = try Self.parseFields(fieldSelector) }
        if let resource {
            let supported = Self.supportedFields(resource)
            for field in fields where !supported.contains(field.path) {
                throw .badRequest("field label not supported: \(field.path)")
            }
        }
    }

    /// The field selectors a real API server accepts for `resource` (its field label conversion functions).
    static func supportedFields(_ resource: ResourceType) -> Set<String> {
        var fields: Set<String> = ["metadata.name", "metadata.namespace"]
        switch (resource.group, resource.resource) {
        case ("", "pods"):
            fields.formUnion(["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"])
        case ("", "events"), ("events.k8s.io", "events"):
            fields.formUnion(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"])
        case ("", "secrets"): fields.insert("type")
        case ("", "namespaces"): fields.insert("status.phase")
        case ("", "nodes"): fields.insert("spec.unschedulable")
        case ("", "replicationcontrollers"), ("apps", "replicasets"): fields.insert("status.replicas")
        case ("batch", "jobs"): fields.insert("status.successful")
        default: break
        }
        return fields
    }

    /// Whether `object` passes.
    public func matches(_ object: JSON) -> Bool {
        if let namespace, (object[path: ["metadata", "namespace"]]?.stringValue ?? "") != namespace { return false }
        if !labels.isEmpty {
            let objectLabels = object[path: ["metadata", "labels"]]?.objectValue ?? [:]
            for requirement in labels {
                switch requirement {
                case .equals(let key, let value): if objectLabels[key]?.stringValue != value { return false }
                case .notEquals(let key, let value): if objectLabels[key]?.stringValue == value { return false }
                case .isIn(let key, let values):
                    guard let value = objectLabels[key]?.stringValue, values.contains(value) else { return false }
                case .notIn(let key, let values):
                    if let value = objectLabels[key]?.stringValue, values.contains(value) { return false }
                case .exists(let key): if objectLabels[key] == nil { return false }
                case .notExists(let key): if objectLabels[key] != nil { return false }
                }
            }
        }
        for field in fields {
            let actual = object.value(atDottedPath: field.path)
            let text: String
            switch actual {
            case .string(let value): text = value
            case nil, .null: text = ""
            case let value?: text = value.displayString
            }
            if (text == field.value) != field.equal { return false }
        }
        return true
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func parseLabels(_ text: String) throws(SimError) -> [Requirement] {
        var result: [Requirement] = []
        for part in splitTopLevel(text) {
            if let range = part.range(of: " notin ") ?? part.range(of: " in ") {
                let key = part[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let rest = part[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("("), rest.hasSuffix(")") else {
                    throw .badRequest("unable to parse requirement: \"\(part)\": expected a parenthesised value list")
                }
                let values = Set(rest.dropFirst().dropLast().split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                })
                result.append(part.contains(" notin ") ? .notIn(key, values) : .isIn(key, values))
            } else if let range = part.range(of: "!=") {
                result.append(.notEquals(trim(part[..<range.lowerBound]), trim(part[range.upperBound...])))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                result.append(.equals(trim(part[..<range.lowerBound]), trim(part[range.upperBound...])))
            } else if part.hasPrefix("!") {
                result.append(.notExists(trim(part.dropFirst())))
            } else {
                let key = trim(part[...])
                guard key.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) else {
                    throw .badRequest("unable to parse requirement: invalid label key \"\(key)\"")
                }
                result.append(.exists(key))
            }
        }
        return result
    }

    private static func parseFields(_ text: String) throws(SimError) -> [(path: String, value: String, equal: Bool)] {
        var result: [(path: String, value: String, equal: Bool)] = []
        for part in text.split(separator: ",").map(String.init) {
            if let range = part.range(of: "!=") {
                result.append((trim(part[..<range.lowerBound]), trim(part[range.upperBound...]), false))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                result.append((trim(part[..<range.lowerBound]), trim(part[range.upperBound...]), true))
            } else {
                throw .badRequest("invalid field selector \"\(part)\": expected field=value, field==value or field!=value")
            }
        }
        return result
    }

    private static func trim(_ text: Substring) -> String { text.trimmingCharacters(in: .whitespaces) }
}
