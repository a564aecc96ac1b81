/// One step of a scenario: optional name and timeout, and exactly one step-kind key whose value is the
/// step's body.
///
/// ```yaml
/// - name: detach the optional layer
///   detach: {app: root-optional}
/// - wait: {absent: {kind: Application, namespace: argocd, name: "feast-*"}}
///   timeout: 60s
/// ```
public struct Step: Sendable {
    /// The step's name (defaults to the action's summary).
    public var name: String
    /// Its timeout (the scenario's `stepTimeout` when omitted).
    public var timeout: Duration?
    /// Whether a failure of this step lets the run go on (default false).
    public var continueOnError: Bool
    /// What the step does.
    public var action: any StepAction
    /// Where the step is written.
    public var location: SourceLocation
    /// Where its `name` is written, when the scenario names it (names must then be unique).
    public var nameLocation: SourceLocation? = nil

    /// The step's kind key (`wait`).
    public var kind: String { type(of: action).kind }

    /// Every step kind, in documentation order.
    public static let kinds: [any StepAction.Type] = [
        ApplyStep.self, PatchStep.self, DeleteStep.self, ScaleStep.self, RestartStep.self, SyncStep.self,
        RollbackStep.self, RefreshStep.self, DetachStep.self, AttachStep.self, GitStep.self, HTTPStep.self,
        ExecStep.self, WaitStep.self, CaptureStep.self, ExpectStep.self, SleepStep.self,
    ]

    /// The schema of a step: common keys plus one key per kind, exactly one of which must be present.
    public static let objectSchema = ObjectSchema(
        name: "Step", doc: "One step: optional `name`/`timeout`, and exactly one step-kind key.",
        properties: [
            Property("name", .string("A name for the step in the proof (defaults to a summary of what it does).")),
            Property("timeout", .duration("How long the step may take (default `spec.stepTimeout`).")),
            Property("continueOnError", .boolean("Go on with the next step when this one fails (default false).")),
        ] + kinds.map { Property($0.kind, $0.schema) },
        exactlyOneOf: kinds.map { $0.kind })

    /// Decodes step `index` (0-based) of a list.
    public static func decode(_ node: YAMLNode, index: Int, phase: String) throws -> Step {
        let kindName = kindKey(of: node) ?? "?"
        let described = node.described(as: "\(phase == "finally" ? "finally step" : "step") \(index + 1) (\(kindName))")
        let object = try described.object(objectSchema)
        guard let key = object.presentKeys.first(where: { name in kinds.contains { $0.kind == name } }),
            let type = kinds.first(where: { $0.kind == key })
        else { throw ScenarioError.invalid(at: node.location, "\(described.context) has no step kind") }
        let body = object.optional(key)?.described(as: described.context)
            ?? YAMLNode(content: .mapping([]), location: node.location, context: described.context, path: described.path)
        let action = try type.init(from: body)
        return Step(
            name: try object.string("name", default: nil) ?? action.summary, timeout: try object.positiveDuration("timeout"),
            continueOnError: try object.bool("continueOnError", default: false), action: action, location: node.location,
            nameLocation: object.optional("name")?.location)
    }

    private static func kindKey(of node: YAMLNode) -> String? {
        guard case .mapping(let entries) = node.content else { return nil }
        return entries.first { entry in kinds.contains { $0.kind == entry.key } }?.key
    }
}
