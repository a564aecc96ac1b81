import ProofCore

/// `count`: the number of matching objects is within `min`/`max` or equals `equal`.
public struct CountInvariant: Invariant {
    public static let kind = "count"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "CountInvariant", doc: "The number of matching objects is within bounds (give at least one of min, max, equal).", properties: [
        Property("match", .object(ObjectMatch.schema()), required: true),
        Property("min", .integer("At least this many.", minimum: 0)),
        Property("max", .integer("At most this many.", minimum: 0)),
        Property("equal", .integer("Exactly this many.", minimum: 0)),
    ])
    /// The objects counted.
    public var match: ObjectMatch
    /// Lower bound.
    public var min: Int?
    /// Upper bound.
    public var max: Int?
    /// Exact count.
    public var equal: Int?

    /// A `count` invariant.
    public init(match: ObjectMatch, min: Int? = nil, max: Int? = nil, equal: Int? = nil) {
        self.match = match
        self.min = min
        self.max = max
        self.equal = equal
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        self.init(
            match: try fields.match(), min: try fields.optionalInt("min"), max: try fields.optionalInt("max"),
            equal: try fields.optionalInt("equal"))
        guard min != nil || max != nil || equal != nil else { throw fields.invalid(nil, "give at least one of min, max, equal") }
        if let min, let max, min > max { throw fields.invalid("min", "min \(min) is above max \(max)") }
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let found = context.current.objects(matching: match)
        var bounds: [String: JSON] = ["match": match.json]
        var wanted: [String] = []
        if let min { bounds["min"] = .int(Int64(min)); wanted.append("at least \(min)") }
        if let max { bounds["max"] = .int(Int64(max)); wanted.append("at most \(max)") }
        if let equal { bounds["equal"] = .int(Int64(equal)); wanted.append("exactly \(equal)") }
        let count = found.count
        let ok = (min.map { count >= $0 } ?? true) && (max.map { count <= $0 } ?? true) && (equal.map { count == $0 } ?? true)
        let actual: JSON = ["count": .int(Int64(count))]
        guard ok else {
            return InvariantEvaluation(
                problems: [
                    .failed(
                        "expected \(wanted.joined(separator: " and ")) \(match), found \(count)", expected: .object(bounds),
                        actual: ["count": .int(Int64(count)), "objects": .array(found.map { .string($0.identityValue.description) })]),
                ], summary: "")
        }
        return InvariantEvaluation(problems: [], summary: "\(count) \(match)", expected: .object(bounds), actual: actual)
    }
}
