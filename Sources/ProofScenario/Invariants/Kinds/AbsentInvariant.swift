import ProofCore

/// `absent`: no object matches; one finding per object that does.
public struct AbsentInvariant: Invariant {
    public static let kind = "absent"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "AbsentInvariant", doc: "No matching object exists (one finding per object that is there).", properties: [
        Property("match", .object(ObjectMatch.schema()), required: true),
    ])
    /// The objects that must not exist.
    public var match: ObjectMatch

    /// An `absent` invariant.
    public init(match: ObjectMatch) { self.match = match }

    public init(fields: InvariantFields) throws(ScenarioError) {
        self.init(match: try fields.match())
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let found = context.current.objects(matching: match)
        let expected: JSON = ["match": match.json, "count": 0]
        let problems = found.map { object in
            InvariantEvaluation.Problem.failed(
                "\(object.identityValue) exists but no \(match) should", expected: expected,
                actual: ["exists": true, "uid": object.uidValue.map(JSON.string) ?? .null,
                         "deleting": .bool(object[path: "metadata", "deletionTimestamp"] != nil)],
                object: object.identityValue, evidence: context.digests([object]))
        }
        return InvariantEvaluation(problems: problems, summary: "no \(match)", expected: expected, actual: ["count": 0])
    }
}
