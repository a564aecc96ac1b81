import ProofCore

/// Which objects an invariant looks at: a kind, optionally an API version, namespace and name globs and a
/// label selector (`docs/invariants.md`, "Object selection").
public struct ObjectMatch: Sendable, Hashable, CustomStringConvertible {
    /// The kind (`Deployment`).
    public var kind: String
    /// The API version, when it matters.
    public var apiVersion: String?
    /// Namespace glob; `nil` = any.
    public var namespace: Glob?
    /// Name glob; `nil` = any.
    public var name: Glob?
    /// Label selector; `nil` = any.
    public var labels: LabelSelector?

    /// A selection.
    public init(kind: String, apiVersion: String? = nil, namespace: Glob? = nil, name: Glob? = nil, labels: LabelSelector? = nil) {
        self.kind = kind
        self.apiVersion = apiVersion
        self.namespace = namespace
        self.name = name
        self.labels = labels
    }

    /// Whether `object` is selected.
    public func matches(_ object: JSON) -> Bool {
        guard object["kind"]?.stringValue == kind else { return false }
        if let apiVersion, object["apiVersion"]?.stringValue != apiVersion { return false }
        if let namespace, !namespace.matches(object.namespaceValue) { return false }
        if let name, !name.matches(object.nameValue) { return false }
        if let labels, !labels.matches(object.labelsValue) { return false }
        return true
    }

    /// The selection as JSON (for `expected` and evidence).
    public var json: JSON {
        var result: [String: JSON] = ["kind": .string(kind)]
        if let apiVersion { result["apiVersion"] = .string(apiVersion) }
        if let namespace { result["namespace"] = .string(namespace.pattern) }
        if let name { result["name"] = .string(name.pattern) }
        if let labels { result["labels"] = .string(labels.description) }
        return .object(result)
    }

    /// `Deployment in *-dev named feast-* with app=redis`.
    public var description: String {
        var text = kind + (apiVersion.map { " (\($0))" } ?? "")
        if let namespace { text += " in \(namespace.pattern)" }
        if let name { text += " named \(name.pattern)" }
        if let labels { text += " with \(labels.description)" }
        return text
    }
}

extension ObjectMatch {
    /// The `match` mapping of the object-selecting invariant kinds; without `kind` when the invariant fixes it
    /// (`pvcKept`, `restarts`).
    public static func schema(fixedKind: String? = nil) -> ObjectSchema {
        let selection: [Property] = [
            Property("apiVersion", .string("`apps/v1`; when omitted any version of the kind matches.")),
            Property("namespace", .string("Namespace glob (`*-dev`); omitted = any namespace.")),
            Property("name", .string("Name glob (`feast-*`); omitted = any name.")),
            Property("labels", .string("A Kubernetes label selector (`app=redis,tier in (cache),!legacy`).")),
        ]
        guard let fixedKind else {
            return ObjectSchema(
                name: "ObjectMatch", doc: "Which objects the invariant looks at.",
                properties: [Property("kind", .string("The object kind (`Deployment`, `Application`)."), required: true)] + selection)
        }
        return ObjectSchema(name: "\(fixedKind)Match", doc: "Which \(fixedKind)s the invariant looks at.", properties: selection)
    }
}
