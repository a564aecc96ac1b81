/// `capture`: takes a labelled capture (snapshot) and evaluates the invariants at it.
///
/// ```yaml
/// - capture: {label: after-detach}
/// ```
public struct CaptureStep: StepAction {
    /// The YAML key.
    public static let kind = "capture"
    /// The capture's label (invariants name it in `at:` and `since:`).
    public var label: String

    static let objectSchema = ObjectSchema(
        name: "CaptureStep", doc: "Take a labelled capture and check the invariants at it.",
        properties: [Property("label", .string("The capture's label, unique in the scenario (`after-detach`).", pattern: "^[a-z0-9][a-z0-9-]*$"), required: true)])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        label = try object.string("label")
        if label.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) == nil {
            throw ScenarioError.invalid(at: try object.required("label").location, "capture label '\(label)' must be lowercase letters, digits and '-'")
        }
    }

    /// What it does.
    public var summary: String { "capture \(label)" }

    /// Captures.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let findings = try await context.session.capture(label: label, step: context.stepNumber)
        let failed = findings.filter { $0.status != .held }
        return StepOutcome(
            passed: true, message: "\(findings.count - failed.count) held, \(failed.count) not held", detail: nil, findings: [])
    }
}
