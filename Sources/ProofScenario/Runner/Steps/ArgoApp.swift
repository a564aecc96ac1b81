import ProofCluster
import ProofCore

/// Shared pieces of the Argo CD steps: the Application type and the `app`/`namespace` keys.
enum ArgoApp {
    /// The `app` and `namespace` properties every Argo CD step has.
    static let properties: [Property] = [
        Property("app", .string("The Application's name."), required: true),
        Property("namespace", .string("The Application's namespace (default `argocd`).")),
    ]

    /// The Application resource type.
    static func type(_ context: StepContext) async throws -> ResourceType {
        try await context.client.resource(apiVersion: "argoproj.io/v1alpha1", kind: "Application")
    }

    /// Merge-patches a top-level `operation` (how Argo CD operations are requested through the Kubernetes API).
    static func requestOperation(_ sync: JSON, app: String, namespace: String, context: StepContext) async throws {
        let type = try await type(context)
        _ = try await context.client.patch(
            type, name: app, namespace: namespace,
            patch: ["operation": ["initiatedBy": ["username": "gitops-proof"], "sync": sync]])
    }
}
