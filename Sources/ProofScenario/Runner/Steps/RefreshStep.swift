import ProofCore

/// `refresh`: sets `argocd.argoproj.io/refresh` on an Application so Argo CD re-reads Git at once.
///
/// ```yaml
/// - refresh: {app: fastapi-dev, hard: true}
/// ```
public struct RefreshStep: StepAction {
    /// The YAML key.
    public static let kind = "refresh"
    /// The Application.
    public var app: String
    /// Its namespace.
    public var namespace: String
    /// `hard` instead of `normal`.
    public var hard: Bool

    static let objectSchema = ObjectSchema(
        name: "RefreshStep", doc: "Ask Argo CD to re-read Git for an Application.",
        properties: ArgoApp.properties + [Property("hard", .boolean("A hard refresh (default false: normal)."))])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        app = try ArgoApp.singleName(object, "app")
        namespace = try object.string("namespace", default: "argocd") ?? "argocd"
        hard = try object.bool("hard", default: false)
    }

    /// What it does.
    public var summary: String { "refresh \(app)" }

    /// The Application (and its namespace) it changes, for the prod guard.
    public var changedPlaces: [String] { [namespace, app].filter(ProdGuard.isStatic) }

    /// Annotates the app.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try context.guardProd([namespace, app], what: "refresh \(app)")
        let type = try await ArgoApp.type(context)
        _ = try await context.client.patch(
            type, name: app, namespace: namespace,
            patch: ["metadata": ["annotations": ["argocd.argoproj.io/refresh": .string(hard ? "hard" : "normal")]]])
        return .passed("refresh (\(hard ? "hard" : "normal")) of \(app) requested")
    }
}
