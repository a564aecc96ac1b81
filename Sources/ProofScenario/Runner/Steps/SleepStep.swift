/// `sleep`: pauses the run (prefer `wait`; this is for letting time pass, e.g. for Loki windows).
///
/// ```yaml
/// - sleep: {duration: 2s}
/// ```
public struct SleepStep: StepAction {
    /// The YAML key.
    public static let kind = "sleep"
    /// How long.
    public var duration: Duration

    static let objectSchema = ObjectSchema(
        name: "SleepStep", doc: "Pause the run.",
        properties: [Property("duration", .duration("How long to pause."), required: true)])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        duration = try node.object(Self.objectSchema).required("duration").duration()
    }

    /// What it does.
    public var summary: String { "sleep \(duration)" }

    /// Sleeps.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try await Task.sleep(for: duration)
        return .passed()
    }
}
