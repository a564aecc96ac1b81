import Foundation
import ProofCluster
import ProofCore

/// What a step can reach while it runs: the cluster, the GitOps repository, the run's session (captures,
/// invariants, variables, progress) and its own limits.
public struct StepContext: Sendable {
    /// The cluster.
    public let client: KubernetesClient
    /// The folder of the scenario file (relative `file:` paths start here).
    public let scenarioDirectory: String
    /// The GitOps repository checkout `git`/`attach` steps use (the simulated cluster's, or `--gitops-repo`).
    public let gitopsRepository: String?
    /// Where `git` steps push their commits (``GitOpsRemote``).
    public var gitopsRemote = GitOpsRemote()
    /// The scenario's environment.
    public let environment: Environment
    /// The step's time limit.
    public let timeout: Duration
    /// The step's number in the run's recording order (1-based).
    public let stepNumber: Int
    /// The run: captures, invariants, variables, progress.
    public let session: RunSession
    /// Whether the run may change places that look like prod (`proof run --allow-prod`).
    public var allowProd: Bool = false

    /// The resource type of a target (by `apiVersion` + kind, or by kubectl name).
    public func resource(_ target: ObjectTarget) async throws -> ResourceType {
        if let apiVersion = target.apiVersion { return try await client.resource(apiVersion: apiVersion, kind: target.kind) }
        if let type = try? await client.resource(apiVersion: nil, kind: target.kind) { return type }
        return try await client.resource(named: target.kind)
    }

    /// `text` with `{{name}}` replaced by the run's variables (set by `git` and `http` steps).
    public func substitute(_ text: String) async -> String {
        await session.substitute(text)
    }

    /// Resolves a path written in the scenario relative to its folder.
    public func path(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : URL(fileURLWithPath: scenarioDirectory).appendingPathComponent(relative).path
    }

    /// The objects a target names (one `get`, or a list filtered by the name glob).
    public func objects(_ target: ObjectTarget) async throws -> (ResourceType, [JSON]) {
        let type = try await resource(target)
        let namespace = type.namespaced ? target.serverNamespace : nil
        if let name = target.name, !target.nameIsGlob, target.labels == nil, !target.namespaceIsGlob {
            let object = try await client.getIfPresent(type, name: name, namespace: namespace)
            return (type, object.map { [$0] } ?? [])
        }
        let list = try await client.list(type, namespace: namespace, labelSelector: target.labels)
        return (type, list.items.filter { object in
            target.matches(object) && (target.nameIsGlob || target.name == nil || object[path: ["metadata", "name"]]?.stringValue == target.name)
        })
    }
}

extension StepContext {
    /// The prod guard at the step: throws a bad-input ``ScenarioError`` (exit 2) naming the first of `names`
    /// that looks like prod (``ProdGuard``) unless the run allows prod. Steps call it with every namespace
    /// they are about to change, once known (after `{{variables}}` are filled in and globs are listed),
    /// before they change anything.
    public func guardProd(_ names: [String?], what: String) throws {
        guard !allowProd else { return }
        for case let name? in names where ProdGuard.looksLikeProd(name) {
            throw ScenarioError(
                .invalidInput,
                "\(what) would change '\(name)', which looks like prod; nothing was changed (pass --allow-prod to run it)")
        }
    }

    /// The object's namespace, or its name for a Namespace (`kind` is the object's kind, which list items omit):
    /// the place a change to it lands.
    static func place(of object: JSON, kind: String? = nil) -> String? {
        if (kind ?? object["kind"]?.stringValue) == "Namespace" { return object[path: ["metadata", "name"]]?.stringValue }
        return object[path: ["metadata", "namespace"]]?.stringValue
    }
}
