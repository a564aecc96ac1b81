/// `expect`: one inline invariant (same syntax as `spec.invariants[]`), checked once at a capture taken for it.
///
/// ```yaml
/// - expect:
///     id: fastapi-present
///     description: FastAPI runs.
///     present: {match: {kind: Deployment, namespace: fastapi-dev, name: fastapi}}
/// ```
public struct ExpectStep: StepAction {
    /// The YAML key.
    public static let kind = "expect"
    /// The invariant.
    public var invariant: InvariantSpec

    /// The schema (an invariant; see docs/invariants.md).
    public static var schema: Schema { .object(InvariantSpec.objectSchema, "An invariant (`id`, `description`, one kind key), checked once here; see docs/invariants.md.") }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        invariant = try InvariantSpec.decode(node)
    }

    /// What it does.
    public var summary: String { "expect \(invariant.id)" }

    /// Captures (label `expect-<id>`) and evaluates the invariant there.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let findings = try await context.session.check(invariant, label: "expect-\(invariant.id)", step: context.stepNumber)
        let failed = findings.filter { $0.status != .held }
        if failed.isEmpty { return .passed("\(invariant.id) held") }
        return .failed(failed.map(\.message).joined(separator: "; "))
    }
}
