import ProofCore

/// `sync`: asks Argo CD to sync an Application (optionally to a revision, with prune).
///
/// ```yaml
/// - sync: {app: fastapi-dev, prune: true}
/// ```
public struct SyncStep: StepAction {
    /// The YAML key.
    public static let kind = "sync"
    /// The Application.
    public var app: String
    /// Its namespace.
    public var namespace: String
    /// A revision (`{{commit}}` allowed); the target revision when omitted.
    public var revision: String?
    /// Whether to prune.
    public var prune: Bool

    static let objectSchema = ObjectSchema(
        name: "SyncStep", doc: "Request an Argo CD sync operation.",
        properties: ArgoApp.properties + [
            Property("revision", .string("Revision to sync to (`{{commit}}` = the last `git` step's commit); the app's target revision when omitted.")),
            Property("prune", .boolean("Prune resources Git no longer holds (default true).")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        app = try ArgoApp.singleName(object, "app")
        namespace = try object.string("namespace", default: "argocd") ?? "argocd"
        revision = try object.string("revision", default: nil)
        prune = try object.bool("prune", default: true)
    }

    /// What it does.
    public var summary: String { "sync \(app)" + (revision.map { " to \($0)" } ?? "") }

    /// The Application (and its namespace) it changes, for the prod guard.
    public var changedPlaces: [String] { [namespace, app].filter(ProdGuard.isStatic) }

    /// Patches the operation in.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try context.guardProd([namespace, app], what: "sync \(app)")
        var sync: [String: JSON] = ["prune": .bool(prune), "syncStrategy": ["apply": [:]]]
        if let revision { sync["revision"] = .string(await context.substitute(revision)) }
        try await ArgoApp.requestOperation(.object(sync), app: app, namespace: namespace, context: context)
        return .passed("sync of \(app) requested", detail: .object(sync))
    }
}
