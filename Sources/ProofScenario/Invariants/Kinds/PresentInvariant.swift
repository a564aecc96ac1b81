import ProofCore

/// `present`: at least `min` (default 1) objects match.
public struct PresentInvariant: Invariant {
    public static let kind = "present"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "PresentInvariant", doc: "At least `min` matching objects exist.", properties: [
        Property("match", .object(ObjectMatch.schema()), required: true),
        Property("min", .integer("How many must match (default 1).", minimum: 1)),
    ])
    /// The objects looked for.
    public var match: ObjectMatch
    /// How many must exist.
    public var min: Int

    /// A `present` invariant.
    public init(match: ObjectMatch, min: Int = 1) {
        self.match = match
        self.min = min
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        self.init(match: try fields.match(), min: try fields.optionalInt("min", minimum: 1) ?? 1)
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        let found = context.current.objects(matching: match)
        let expected: JSON = ["match": match.json, "min": .int(Int64(min))]
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        guard found.count >= min else {
            return InvariantEvaluation(
                problems: [
                    .failed(
                        "expected at least \(min) \(match), found \(found.count)", expected: expected,
                        actual: ["count": .int(Int64(found.count)), "objects": .array(found.map { .string($0.identityValue.description) })]),
                ], summary: "")
        }
        return InvariantEvaluation(
            problems: [], summary: "\(found.count) \(match) present", expected: expected,
            actual: ["count": .int(Int64(found.count))], evidence: context.digests(matching: match))
    }
}
