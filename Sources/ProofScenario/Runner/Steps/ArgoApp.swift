import ProofCluster
import ProofCore

/// Shared pieces of the Argo CD steps: the Application type and the `app`/`namespace` keys.
enum ArgoApp {
    /// The `app` and `namespace` properties every Argo CD step has.
    static let properties: [Property] = [
        Property("app", .string("The Application's name."), required: true),
        Property("namespace", .string("The Application's namespace (default `argocd`).")),
    ]

    /// A key that must name one Application: a glob (`feast-*`) is refused, located, since the step would
    /// send it to the server as a literal name.
    static func singleName(_ object: ObjectReader, _ key: String) throws -> String {
        let name = try object.string(key)
        if Glob(name).hasWildcards {
            throw ScenarioError.invalid(at: try object.required(key).location, "'\(key)' of \(object.node.context) must name one Application, not a glob ('\(name)')")
        }
        return name
    }

    /// The Application resource type.
    static func type(_ context: StepContext) async throws -> ResourceType {
        try await context.client.resource(apiVersion: "argoproj.io/v1alpha1", kind: "Application")
    }

    /// Merge-patches a top-level `operation` (how Argo CD operations are requested through the Kubernetes API).
    /// Refuses (prod guard) when the Application deploys into a namespace that looks like prod.
    static func requestOperation(_ sync: JSON, app: String, namespace: String, context: StepContext) async throws {
        let type = try await type(context)
        if !context.allowProd, let application = try await context.client.getIfPresent(type, name: app, namespace: namespace) {
            try context.guardProd(
                [application[path: ["spec", "destination", "namespace"]]?.stringValue], what: "an operation on Application \(namespace)/\(app)")
        }
        _ = try await context.client.patch(
            type, name: app, namespace: namespace,
            patch: ["operation": ["initiatedBy": ["username": "gitops-proof"], "sync": sync]])
    }
}
