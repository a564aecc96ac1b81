import Foundation
import ProofCore
import ProofCluster

/// `restart`: deletes the pods of a workload (`mode: pods`, default) or does a rollout restart (`mode: rollout`,
/// the pod template annotation `kubectl rollout restart` sets).
///
/// ```yaml
/// - restart: {target: {kind: StatefulSet, namespace: baseline-dev, name: loki}}
/// ```
public struct RestartStep: StepAction {
    /// The YAML key.
    public static let kind = "restart"
    /// How to restart.
    public enum Mode: String, Sendable, CaseIterable { case pods, rollout }
    /// The workload.
    public var target: ObjectTarget
    /// How.
    public var mode: Mode

    static let objectSchema = ObjectSchema(
        name: "RestartStep", doc: "Restart a workload's pods.",
        properties: [
            Property("target", .object(ObjectTarget.objectSchema, "The Deployment, StatefulSet or DaemonSet."), required: true),
            Property("mode", .enum(Mode.self, "`pods` deletes the pods (default); `rollout` sets the restartedAt template annotation.")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        target = try ObjectTarget(from: object.required("target"))
        mode = try object.enumValue("mode", as: Mode.self) ?? .pods
        guard target.name != nil, !target.nameIsGlob, !target.namespaceIsGlob else {
            throw ScenarioError.invalid(at: node.location, "\(node.context): 'target.name' must name one workload")
        }
    }

    /// What it does.
    public var summary: String { "restart \(target) (\(mode.rawValue))" }

    /// The namespace it changes, for the prod guard.
    public var changedPlaces: [String] { target.staticPlaces }

    /// Restarts.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let target = await target.substituted(in: context)
        try context.guardProd([target.namespace ?? context.client.defaultNamespace], what: "restart \(target)")
        let type = try await context.resource(target)
        let workload = try await context.client.get(type, name: target.name!, namespace: target.namespace)
        switch mode {
        case .rollout:
            let stamp = ISO8601DateFormatter().string(from: Date())
            _ = try await context.client.patch(
                type, name: target.name!, namespace: target.namespace,
                patch: ["spec": ["template": ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": .string(stamp)]]]]])
            return .passed("rollout restart of \(target) at \(stamp)")
        case .pods:
            guard case .object(let labels)? = workload[path: ["spec", "selector", "matchLabels"]], !labels.isEmpty else {
                throw ScenarioError(.cannotExecute, "\(target) has no spec.selector.matchLabels to find its pods by")
            }
            let selector = labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }.joined(separator: ",")
            let pods = try await context.client.resource(apiVersion: "v1", kind: "Pod")
            let list = try await context.client.list(pods, namespace: target.namespace, labelSelector: selector)
            var names: [JSON] = []
            for pod in list.items {
                let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
                do {
                    try await context.client.delete(pods, name: name, namespace: target.namespace)
                } catch let error as ClusterError where error.isNotFound {
                    // Gone between the list and the delete (a rollout replaced it): what a restart wants anyway.
                }
                names.append(.string(name))
            }
            if names.isEmpty { return .failed("\(target) has no pods to restart (selector \(selector))") }
            return .passed("deleted \(names.count) pod(s) of \(target)", detail: ["pods": .array(names)])
        }
    }
}
