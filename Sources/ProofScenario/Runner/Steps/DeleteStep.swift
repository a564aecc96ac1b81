import ProofCluster
import ProofCore

/// `delete`: deletes the objects a target names (a glob or a selector may name several).
///
/// ```yaml
/// - delete: {target: {kind: Pod, namespace: mlflow-dev, labels: app.kubernetes.io/name=mlflow}}
/// ```
public struct DeleteStep: StepAction {
    /// The YAML key.
    public static let kind = "delete"
    /// The objects.
    public var target: ObjectTarget
    /// `Background` (default), `Foreground` or `Orphan`.
    public var propagation: String?
    /// Whether finding nothing to delete fails the step (default false).
    public var mustExist: Bool

    static let objectSchema = ObjectSchema(
        name: "DeleteStep", doc: "Delete objects.",
        properties: [
            Property("target", .object(ObjectTarget.objectSchema, "The objects (a name glob or labels may select several)."), required: true),
            Property("propagation", .oneOf(["Background", "Foreground", "Orphan"], "Propagation policy for dependents (default Background).")),
            Property("mustExist", .boolean("Fail when nothing matches (default false).")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        target = try ObjectTarget(from: object.required("target"))
        propagation = try object.string("propagation", default: nil)
        mustExist = try object.bool("mustExist", default: false)
    }

    /// What it does.
    public var summary: String { "delete \(target)" }

    /// The namespace (or Namespace) it deletes in, for the prod guard.
    public var changedPlaces: [String] { target.staticPlaces }

    /// Deletes every matching object; refuses (before deleting any) when one of them is in a prod namespace.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let target = await target.substituted(in: context)
        let (type, objects) = try await context.objects(target)
        if objects.isEmpty && mustExist { return .failed("nothing matches \(target)") }
        try context.guardProd(objects.map { StepContext.place(of: $0, kind: type.kind) }, what: "delete \(target)")
        var deleted: [JSON] = []
        for object in objects {
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            let namespace = object[path: ["metadata", "namespace"]]?.stringValue
            do {
                try await context.client.delete(
                    type, name: name, namespace: namespace, propagation: propagation.flatMap(PropagationPolicy.init(rawValue:)))
                deleted.append(.string([namespace, name].compactMap { $0 }.joined(separator: "/")))
            } catch let error as ClusterError where error.status == 404 {
                continue
            }
        }
        return .passed("deleted \(deleted.count) \(type.kind)(s)", detail: ["deleted": .array(deleted)])
    }
}
