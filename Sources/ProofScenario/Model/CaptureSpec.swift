/// What each capture of a run records (`spec.capture`); becomes the capturer's `CaptureConfig`.
public struct CaptureSpec: NodeDecodable {
    /// Kinds to list; the platform defaults when empty.
    public var kinds: [String]
    /// Namespaces to list namespaced kinds in; all when empty.
    public var namespaces: [String]
    /// Loki instances to ask.
    public var loki: [LokiSpec]
    /// The window `{{window}}` stands for in Loki queries.
    public var lokiWindow: Duration?

    /// Creates a capture spec.
    public init(kinds: [String] = [], namespaces: [String] = [], loki: [LokiSpec] = [], lokiWindow: Duration? = nil) {
        self.kinds = kinds
        self.namespaces = namespaces
        self.loki = loki
        self.lokiWindow = lokiWindow
    }

    /// The schema.
    public static let objectSchema = ObjectSchema(
        name: "Capture", doc: "What every capture of the run records.",
        properties: [
            Property("kinds", .strings("Kinds to list at each capture (kubectl names); the platform's eighteen default kinds when omitted.")),
            Property("namespaces", .strings("Namespaces to list namespaced kinds in; all namespaces when omitted.")),
            Property("loki", .array(LokiSpec.schema, "Loki instances to ask at each capture; the dev Loki with its default queries when omitted.")),
            Property("lokiWindow", .duration("The window `{{window}}` stands for in Loki queries (default 5m).")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes `spec.capture`.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        kinds = try object.strings("kinds")
        namespaces = try object.strings("namespaces")
        loki = try object.list("loki")
        lokiWindow = try object.duration("lokiWindow")
    }
}

/// One Loki a capture asks (`spec.capture.loki[]`).
public struct LokiSpec: NodeDecodable {
    /// `dev` or `prod`: the platform Loki of that environment (`loki-ENV` in `baseline-ENV`).
    public var environment: Environment?
    /// The Service's namespace (overrides `environment`).
    public var namespace: String?
    /// The Service name.
    public var service: String?
    /// Extra queries: name → LogQL (instant metric queries).
    public var queries: [(name: String, query: String)]
    /// Whether the platform's default queries are asked too.
    public var defaults: Bool

    /// The schema.
    public static let objectSchema = ObjectSchema(
        name: "LokiTarget", doc: "One Loki instance a capture asks, through the API server's service proxy.",
        properties: [
            Property("environment", .enum(Environment.self, "The platform Loki of this environment (`loki-ENV` in `baseline-ENV`).")),
            Property("namespace", .string("Namespace of Loki's Service (overrides `environment`).")),
            Property("service", .string("Loki's Service name (overrides `environment`).")),
            Property("queries", .map(.string(), "Extra instant LogQL queries by sample name; `{{window}}` is the capture window.")),
            Property("defaults", .boolean("Also ask the platform's default queries (readiness, lines per Alloy namespace); default true.")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes one Loki entry.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        environment = try object.enumValue("environment", as: Environment.self)
        namespace = try object.string("namespace", default: nil)
        service = try object.string("service", default: nil)
        defaults = try object.bool("defaults", default: true)
        var queries: [(String, String)] = []
        if let map = object.optional("queries") {
            guard case .mapping(let entries) = map.content else { throw map.typeMismatch(expected: "a mapping of name → LogQL") }
            for entry in entries { queries.append((entry.key, try entry.value.string())) }
        }
        self.queries = queries
        if environment == nil && (namespace == nil || service == nil) {
            throw ScenarioError.invalid(at: node.location, "\(node.context) needs 'environment', or both 'namespace' and 'service'")
        }
    }
}
