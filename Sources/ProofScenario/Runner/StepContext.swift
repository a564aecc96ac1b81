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
