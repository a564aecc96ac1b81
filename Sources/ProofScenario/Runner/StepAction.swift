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
    /// The places (namespaces, Namespaces, Applications, GitOps paths) the step changes, as written; see the
    /// default implementation below.
    var changedPlaces: [String] { get }
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

extension StepAction {
    /// The namespaces (or Namespace objects, Applications, GitOps paths) this step changes, as written. `proof run`
    /// refuses a scenario before it starts when one of them looks like prod (``ProdGuard``) and `--allow-prod`
    /// is not given; names with a glob or a `{{variable}}` are left out here and checked by the step itself
    /// (``StepContext/guardProd(_:what:)``) once they are known. Read-only kinds change nothing: empty.
    public var changedPlaces: [String] { [] }
}

extension ObjectTarget {
    /// The namespace this target changes (the name, for a Namespace object), when written without a glob or
    /// a variable; what ``StepAction/changedPlaces`` reports for a target.
    var staticPlaces: [String] {
        var places = [namespace].compactMap { $0 }
        if isNamespaceKind, let name { places.append(name) }
        return places.filter(ProdGuard.isStatic)
    }

    /// Whether the kind names Namespaces (`Namespace`, `namespaces`, `ns`).
    var isNamespaceKind: Bool { ["namespace", "namespaces", "ns"].contains(kind.lowercased()) }

    /// The target with `{{variables}}` of its namespace and name filled in.
    func substituted(in context: StepContext) async -> ObjectTarget {
        var copy = self
        if let namespace { copy.namespace = await context.substitute(namespace) }
        if let name { copy.name = await context.substitute(name) }
        return copy
    }
}

extension ProdGuard {
    /// Whether `name` is known before the run (no glob, no `{{variable}}`), so the guard can judge it then.
    static func isStatic(_ name: String) -> Bool {
        !name.contains("{{") && !Glob(name).hasWildcards
    }
}
