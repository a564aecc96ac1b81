import ProofCluster
import ProofCore

/// `detach`: deletes an app-of-apps layer's root Application (e.g. `root-optional`); Argo CD's resources
/// finalizer cascades to its child apps and their resources.
///
/// ```yaml
/// - detach: {app: root-optional}
/// ```
public struct DetachStep: StepAction {
    /// The YAML key.
    public static let kind = "detach"
    /// The root Application.
    public var app: String
    /// Its namespace.
    public var namespace: String

    static let objectSchema = ObjectSchema(
        name: "DetachStep", doc: "Delete an app-of-apps layer's root Application (its finalizer cascades).",
        properties: ArgoApp.properties)
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        app = try ArgoApp.singleName(object, "app")
        namespace = try object.string("namespace", default: "argocd") ?? "argocd"
    }

    /// What it does.
    public var summary: String { "detach \(app)" }

    /// The Application (and its namespace) it changes, for the prod guard.
    public var changedPlaces: [String] { [namespace, app].filter(ProdGuard.isStatic) }

    /// Deletes the Application (foreground-free: the finalizer does the cascade).
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try context.guardProd([namespace, app], what: "detach \(app)")
        let type = try await ArgoApp.type(context)
        do {
            try await context.client.delete(type, name: app, namespace: namespace)
        } catch let error as ClusterError where error.status == 404 {
            return .failed("\(app) does not exist in \(namespace): nothing to detach")
        }
        return .passed("deleted Application \(namespace)/\(app)")
    }
}
