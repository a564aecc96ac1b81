import ProofCore

/// The objects a step or a wait is about: a kind, optionally narrowed by namespace, name (a glob) and labels.
public struct ObjectTarget: NodeDecodable, Hashable, CustomStringConvertible {
    /// The kind (`Deployment`) or a kubectl name (`deployments.apps`, `app`).
    public var kind: String
    /// `apps/v1`; the server's preferred version when omitted.
    public var apiVersion: String?
    /// The namespace; the context's (or none, for cluster-scoped kinds) when omitted.
    public var namespace: String?
    /// The name, or a glob (`feast-*`) where several objects may match.
    public var name: String?
    /// A label selector in Kubernetes syntax.
    public var labels: String?

    /// Creates a target.
    public init(kind: String, apiVersion: String? = nil, namespace: String? = nil, name: String? = nil, labels: String? = nil) {
        self.kind = kind
        self.apiVersion = apiVersion
        self.namespace = namespace
        self.name = name
        self.labels = labels
    }

    /// The declared keys.
    public static let properties: [Property] = [
        Property("kind", .string("Object kind (`Deployment`) or kubectl resource name (`deployments.apps`)."), required: true),
        Property("apiVersion", .string("API version (`apps/v1`); the server's preferred version when omitted.")),
        Property("namespace", .string("Namespace; omitted for cluster-scoped kinds.")),
        Property("name", .string("Object name; a glob (`feast-*`) where several objects may match.")),
        Property("labels", .string("Label selector (`app=redis,tier in (cache)`).")),
    ]

    /// The schema of a target.
    public static let objectSchema = ObjectSchema(name: "ObjectTarget", doc: "The objects a step is about.", properties: properties)
    /// The schema of a target.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes a target.
    public init(from node: YAMLNode) throws {
        try self.init(reader: try node.object(Self.objectSchema))
    }

    /// Decodes the target keys of a reader whose schema includes ``properties``.
    public init(reader object: ObjectReader) throws {
        kind = try object.string("kind")
        apiVersion = try object.string("apiVersion", default: nil)
        namespace = try object.string("namespace", default: nil)
        name = try object.string("name", default: nil)
        labels = try object.string("labels", default: nil)
        for key in ["name", "namespace"] {
            if let pattern = try object.string(key, default: nil), let problem = Glob.problem(in: pattern) {
                throw ScenarioError.invalid(at: try object.required(key).location, "\(problem) in \(object.node.context)")
            }
        }
        if let labels {
            do { _ = try LabelSelector(parsing: labels) } catch {
                throw ScenarioError.invalid(at: try object.required("labels").location, "bad label selector '\(labels)': \(error)")
            }
        }
    }

    /// Whether `name` is a glob rather than one name.
    public var nameIsGlob: Bool { name.map { $0.contains("*") || $0.contains("?") || $0.contains("[") } ?? false }

    /// Whether `namespace` is a glob (`*-dev`): such targets are listed across namespaces and filtered.
    public var namespaceIsGlob: Bool { namespace.map { $0.contains("*") || $0.contains("?") || $0.contains("[") } ?? false }

    /// The namespace to send to the server: `nil` (all) for a glob.
    public var serverNamespace: String? { namespaceIsGlob ? nil : namespace }

    /// Whether `object` matches the name and namespace globs (labels are left to the server).
    public func matches(_ object: JSON) -> Bool {
        if let name, nameIsGlob ? !Glob(name).matches(object[path: ["metadata", "name"]]?.stringValue ?? "") : false { return false }
        if let namespace, namespaceIsGlob, !Glob(namespace).matches(object[path: ["metadata", "namespace"]]?.stringValue ?? "") { return false }
        return true
    }

    /// `Kind namespace/name`.
    public var description: String {
        var text = kind
        let place = [namespace, name ?? (labels.map { "[\($0)]" })].compactMap { $0 }.joined(separator: "/")
        if !place.isEmpty { text += " " + place }
        return text
    }
}
