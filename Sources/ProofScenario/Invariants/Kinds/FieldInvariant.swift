import Foundation
import ProofCore

/// `field`: a dotted path of every matching object equals a value or matches a regex.
public struct FieldInvariant: Invariant {
    public static let kind = "field"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "FieldInvariant", doc: "A field of every matching object equals a value or matches a regex (exactly one of equals, matches).", properties: [
        Property("match", .object(ObjectMatch.schema()), required: true),
        Property("path", .string("Dotted path; list items by index (`spec.template.spec.containers.0.image`)."), required: true),
        Property("equals", .any("The value, compared as JSON (1 and 1.0 are equal); `null` checks the field is absent.")),
        Property("matches", .string("A regular expression (ICU, unanchored) over the value's text.")),
        Property("allowNone", .boolean("When true, no matching object is not a finding (default false).")),
    ])
    /// How the field is judged.
    public enum Condition: Sendable, Hashable {
        /// Equal as JSON (numbers compared by value).
        case equals(JSON)
        /// The value's text matches the regex.
        case matches(String)
    }
    /// The objects judged.
    public var match: ObjectMatch
    /// The dotted path.
    public var path: String
    /// The condition.
    public var condition: Condition
    /// Whether no matching object at all is acceptable.
    public var allowNone: Bool

    /// A `field` invariant.
    public init(match: ObjectMatch, path: String, condition: Condition, allowNone: Bool = false) {
        self.match = match
        self.path = path
        self.condition = condition
        self.allowNone = allowNone
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        let condition: Condition
        switch (fields.contains("equals"), fields.has("matches")) {
        case (true, false): condition = .equals(fields.json("equals") ?? .null)
        case (false, true):
            let pattern = try fields.string("matches")
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw fields.invalid("matches", "'\(pattern)' is not a valid regular expression")
            }
            condition = .matches(pattern)
        default: throw fields.invalid(nil, "give exactly one of equals, matches")
        }
        self.init(
            match: try fields.match(), path: try fields.string("path"), condition: condition,
            allowNone: try fields.optionalBool("allowNone") ?? false)
    }

    var expectedJSON: JSON {
        switch condition {
        case .equals(let value): ["path": .string(path), "equals": value]
        case .matches(let pattern): ["path": .string(path), "matches": .string(pattern)]
        }
    }

    func holds(_ value: JSON) -> Bool {
        switch condition {
        case .equals(let expected): return Self.equal(value, expected)
        case .matches(let pattern):
            let text: String
            switch value {
            case .string(let string): text = string
            case .null: return false
            default: text = value.canonicalString
            }
            return text.range(of: pattern, options: .regularExpression) != nil
        }
    }

    /// JSON equality with numbers compared by value (`1 == 1.0`).
    static func equal(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.keys == b.keys && a.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        default: return lhs == rhs
        }
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let found = context.current.objects(matching: match)
        var expected = expectedJSON
        expected.set(match.json, at: ["match"])
        if found.isEmpty {
            if allowNone { return InvariantEvaluation(problems: [], summary: "no \(match) (allowed)", expected: expected) }
            return InvariantEvaluation(
                problems: [.failed("no \(match) to check \(path) on", expected: expected, actual: ["count": 0])], summary: "")
        }
        var problems: [InvariantEvaluation.Problem] = []
        for object in found {
            let value = object.value(atDottedPath: path) ?? .null
            if !holds(value) {
                problems.append(
                    .failed(
                        "\(object.identityValue) \(path) is \(value.canonicalString), expected \(describe)", expected: expected,
                        actual: ["path": .string(path), "value": value], object: object.identityValue,
                        evidence: context.digests([object])))
            }
        }
        return InvariantEvaluation(
            problems: problems, summary: "\(found.count) \(match): \(path) \(describe)", expected: expected,
            actual: ["count": .int(Int64(found.count))], evidence: context.digests(found))
    }

    var describe: String {
        switch condition {
        case .equals(let value): "= \(value.canonicalString)"
        case .matches(let pattern): "matches /\(pattern)/"
        }
    }
}
