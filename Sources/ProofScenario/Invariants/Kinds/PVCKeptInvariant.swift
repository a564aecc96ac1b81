import ProofCore

/// `pvcKept`: PersistentVolumeClaims stay Bound and (with `since`) keep the uid they had then — the claim is
/// the data.
public struct PVCKeptInvariant: Invariant {
    public static let kind = "pvcKept"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "PVCKeptInvariant", doc: "PersistentVolumeClaims keep their uid and stay in a phase (the claim is the data).", properties: [
        Property("match", .object(ObjectMatch.schema(fixedKind: "PersistentVolumeClaim")), required: true),
        Property("since", .string("A capture label: every claim matched then must still be there with the same uid.")),
        Property("phase", .string("The expected phase (default Bound).")),
    ])
    /// The claims judged.
    public var match: ObjectMatch
    /// The capture whose uids must be kept.
    public var sinceLabel: String?
    /// The phase they must be in.
    public var phase: String

    public var since: String? { sinceLabel }

    /// A `pvcKept` invariant.
    public init(match: ObjectMatch, since: String? = nil, phase: String = "Bound") {
        self.match = match
        self.sinceLabel = since
        self.phase = phase
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        self.init(
            match: try fields.match(fixedKind: "PersistentVolumeClaim"), since: try fields.optionalString("since"),
            phase: try fields.optionalString("phase") ?? "Bound")
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        var now: [ObjectIdentity: JSON] = [:]
        for claim in context.current.objects(matching: match) { now[claim.identityValue] = claim }
        let before = sinceLabel.flatMap { context.capture(labeled: $0) }.map { $0.objects(matching: match) }
        var problems: [InvariantEvaluation.Problem] = []
        let expected: JSON = ["match": match.json, "phase": .string(phase)]
        if let before {
            for old in before {
                let identity = old.identityValue
                let want: JSON = ["uid": old.uidValue.map(JSON.string) ?? .null, "phase": .string(phase)]
                guard let claim = now[identity] else {
                    problems.append(.failed("\(identity) existed at '\(sinceLabel ?? "")' and is gone (its data with it)", expected: want, actual: ["exists": false], object: identity))
                    continue
                }
                if claim.uidValue != old.uidValue {
                    problems.append(
                        .failed(
                            "\(identity) was re-created since '\(sinceLabel ?? "")' (uid \(old.uidValue ?? "-") → \(claim.uidValue ?? "-")): the old data is gone",
                            expected: want, actual: ["uid": claim.uidValue.map(JSON.string) ?? .null, "phase": claim[path: "status", "phase"] ?? .null],
                            object: identity, evidence: context.digests([claim])))
                }
            }
        } else if now.isEmpty {
            problems.append(.failed("no \(match)", expected: expected, actual: ["count": 0]))
        }
        for (identity, claim) in now.sorted(by: { $0.key < $1.key }) {
            let current = claim[path: "status", "phase"]?.stringValue ?? "Unknown"
            if current != phase {
                problems.append(
                    .failed(
                        "\(identity) is \(current), expected \(phase)", expected: expected,
                        actual: ["phase": .string(current), "uid": claim.uidValue.map(JSON.string) ?? .null], object: identity,
                        evidence: context.digests([claim])))
            }
        }
        return InvariantEvaluation(
            problems: problems, summary: "\(now.count) claim(s) \(phase)\(sinceLabel.map { ", same uid as at '\($0)'" } ?? "")",
            expected: expected, actual: ["count": .int(Int64(now.count))])
    }
}
