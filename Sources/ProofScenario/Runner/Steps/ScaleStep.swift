import ProofCore

/// `scale`: sets `spec.replicas` of a Deployment or StatefulSet.
///
/// ```yaml
/// - scale: {target: {kind: Deployment, namespace: fastapi-dev, name: fastapi}, replicas: 2}
/// ```
public struct ScaleStep: StepAction {
    /// The YAML key.
    public static let kind = "scale"
    /// The workload.
    public var target: ObjectTarget
    /// The replica count.
    public var replicas: Int

    static let objectSchema = ObjectSchema(
        name: "ScaleStep", doc: "Set a workload's replica count.",
        properties: [
            Property("target", .object(ObjectTarget.objectSchema, "The Deployment or StatefulSet."), required: true),
            Property("replicas", .integer("The replica count.", minimum: 0), required: true),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        target = try ObjectTarget(from: object.required("target"))
        replicas = try object.required("replicas").int()
        guard target.name != nil, !target.nameIsGlob, !target.namespaceIsGlob else {
            throw ScenarioError.invalid(at: node.location, "\(node.context): 'target.name' and 'target.namespace' must name one workload (no glob)")
        }
    }

    /// What it does.
    public var summary: String { "scale \(target) to \(replicas)" }

    /// The namespace it changes, for the prod guard.
    public var changedPlaces: [String] { target.staticPlaces }

    /// Patches `spec.replicas`.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let target = await target.substituted(in: context)
        try context.guardProd([target.namespace ?? context.client.defaultNamespace], what: "scale \(target)")
        let type = try await context.resource(target)
        _ = try await context.client.patch(type, name: target.name!, namespace: target.namespace, patch: ["spec": ["replicas": .int(Int64(replicas))]])
        return .passed("scaled \(target) to \(replicas)")
    }
}
