import ProofCore

/// One kind of step (`apply`, `wait`, …): its YAML key, its schema and what it does — the small interface
/// every step file under `Runner/Steps/` implements (like chainsaw's operations).
public protocol StepAction: NodeDecodable {
    /// The YAML key of the kind (`wait`).
    static var kind: String { get }
    /// One line for people: what this step does (`wait for Application argocd/feast-dev Synced+Healthy`).
    var summary: String { get }
    /// Does it. Returns the outcome (a failed expectation is a `.failed` outcome, not a thrown error); throws
    /// ``ScenarioError`` only when the step cannot execute.
    func execute(in context: StepContext) async throws -> StepOutcome
}

/// How a step ended, with structured detail for the evidence store.
public struct StepOutcome: Sendable {
    /// `true` when the step did what it should.
    public var passed: Bool
    /// One line for people.
    public var message: String?
    /// Structured detail (inputs, outputs, last state seen).
    public var detail: JSON?
    /// Findings the step produced itself (an `expect` step, an `http` expectation).
    public var findings: [Finding]

    /// A passed step.
    public static func passed(_ message: String? = nil, detail: JSON? = nil) -> StepOutcome {
        StepOutcome(passed: true, message: message, detail: detail, findings: [])
    }
    /// A failed step.
    public static func failed(_ message: String, detail: JSON? = nil, findings: [Finding] = []) -> StepOutcome {
        StepOutcome(passed: false, message: message, detail: detail, findings: findings)
    }
}
