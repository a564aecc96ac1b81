import ProofCluster
import ProofCore

/// `patch`: patches one object (merge, JSON or strategic merge).
///
/// ```yaml
/// - patch:
///     target: {kind: Deployment, namespace: fastapi-dev, name: fastapi}
///     type: merge
///     patch: {spec: {replicas: 2}}
/// ```
public struct PatchStep: StepAction {
    /// The YAML key.
    public static let kind = "patch"
    /// The patch formats.
    public enum Format: String, Sendable, CaseIterable { case merge, json, strategic }
    /// The object.
    public var target: ObjectTarget
    /// The format.
    public var format: Format
    /// The patch body.
    public var patch: JSON
    /// The subresource (`status`, `scale`).
    public var subresource: String?

    static let objectSchema = ObjectSchema(
        name: "PatchStep", doc: "Patch one object.",
        properties: [
            Property("target", .object(ObjectTarget.objectSchema, "The object (kind, namespace, name)."), required: true),
            Property("type", .enum(Format.self, "Patch format: `merge` (RFC 7386, default), `json` (RFC 6902), `strategic`.")),
            Property("patch", .any("The patch: a mapping (merge/strategic) or a list of operations (json)."), required: true),
            Property("subresource", .string("A subresource to patch (`status`, `scale`).")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        target = try ObjectTarget(from: object.required("target"))
        format = try object.enumValue("type", as: Format.self) ?? .merge
        patch = try object.required("patch").json()
        subresource = try object.string("subresource", default: nil)
        if target.name == nil || target.nameIsGlob || target.namespaceIsGlob {
            throw ScenarioError.invalid(at: node.location, "\(node.context): 'target.name' must name one object")
        }
    }

    /// What it does.
    public var summary: String { "patch \(target)" }

    /// The namespace (or Namespace) it changes, for the prod guard.
    public var changedPlaces: [String] { target.staticPlaces }

    /// Sends the patch.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let target = await target.substituted(in: context)
        let type = try await context.resource(target)
        try context.guardProd(
            [type.namespaced ? target.namespace ?? context.client.defaultNamespace : nil, target.isNamespaceKind ? target.name : nil],
            what: "patch \(target)")
        let patchType: PatchType = switch format {
        case .merge: .merge
        case .json: .json
        case .strategic: .strategicMerge
        }
        let result = try await context.client.patch(
            type, name: target.name!, namespace: type.namespaced ? target.namespace : nil, patch: patch, as: patchType,
            subresource: subresource)
        return .passed("patched \(target)", detail: ["resourceVersion": result[path: ["metadata", "resourceVersion"]] ?? .null])
    }
}
