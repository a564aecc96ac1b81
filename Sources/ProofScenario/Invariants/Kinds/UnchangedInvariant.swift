import ProofCore

/// `unchanged`: every object matched at the `since` capture still exists with the same uid and/or the same
/// spec digest.
public struct UnchangedInvariant: Invariant {
    public static let kind = "unchanged"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "UnchangedInvariant", doc: "Objects matched at a named capture are still there, with the same uid and/or spec digest.", properties: [
        Property("match", .object(ObjectMatch.schema()), required: true),
        Property("since", .string("The capture label to compare with."), required: true),
        Property("compare", .array(.oneOf(["uid", "spec"]), "What must be the same (default both).")),
    ])
    /// What is compared.
    public enum Aspect: String, Sendable, Hashable, CaseIterable {
        /// `metadata.uid`: the same object, not a re-created one.
        case uid
        /// The digest of `spec` (or `data`, or the body without metadata/status).
        case spec
    }
    /// The objects judged.
    public var match: ObjectMatch
    /// The capture compared against.
    public var sinceLabel: String
    /// What must be the same.
    public var compare: [Aspect]

    public var since: String? { sinceLabel }

    /// An `unchanged` invariant.
    public init(match: ObjectMatch, since: String, compare: [Aspect] = [.uid, .spec]) {
        self.match = match
        self.sinceLabel = since
        self.compare = compare
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        var aspects: [Aspect] = []
        for name in try fields.stringList("compare") {
            guard let aspect = Aspect(rawValue: name) else { throw fields.invalid("compare", "unknown compare '\(name)'; expected uid or spec") }
            aspects.append(aspect)
        }
        self.init(match: try fields.match(), since: try fields.string("since"), compare: aspects.isEmpty ? [.uid, .spec] : aspects)
    }

    /// The digest `unchanged` compares: of `spec`, else `data`, else the body without metadata and status;
    /// in each case without what the server rewrites on its own (``ServerChurn``: a Lease's `renewTime`, an
    /// Event's count and last time), so a heartbeat is not a change. `managedFields`, `resourceVersion`,
    /// `generation` and status churn never enter it (metadata and status are not compared).
    public static func specDigest(_ object: JSON) -> String {
        let object = ServerChurn.strip(object)
        if let spec = object["spec"] { return spec.digest }
        if let data = object["data"] { return data.digest }
        var body = object
        body.set(nil, at: ["metadata"])
        body.set(nil, at: ["status"])
        return body.digest
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        guard let base = context.capture(labeled: sinceLabel) else {
            return InvariantEvaluation(problems: [.error("no capture labelled '\(sinceLabel)' before '\(context.current.label)'")], summary: "")
        }
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let before = base.objects(matching: match)
        let current = context.current.objects(matching: match)
        var now: [ObjectIdentity: Int] = [:]
        for (index, object) in current.enumerated() { now[object.identityValue] = index }
        // Spec digests come from each capture's memo: a `since:` capture is digested once, not at every later capture.
        let beforeDigests = compare.contains(.spec) ? base.specDigests(matching: match) : []
        let currentDigests = compare.contains(.spec) ? context.current.specDigests(matching: match) : []
        let expected: JSON = ["match": match.json, "since": .string(sinceLabel), "compare": .array(compare.map { .string($0.rawValue) })]
        var problems: [InvariantEvaluation.Problem] = []
        for (oldIndex, old) in before.enumerated() {
            let identity = old.identityValue
            // The evidence (a digest of the whole old body) is only built for a failure.
            func evidence() -> JSON { ["since": .string(sinceLabel), "sinceDigest": .string(old.digest)] }
            guard let newIndex = now[identity] else {
                problems.append(
                    .failed(
                        "\(identity) existed at '\(sinceLabel)' and is gone", expected: ["exists": true, "uid": old.uidValue.map(JSON.string) ?? .null],
                        actual: ["exists": false], object: identity, evidence: evidence()))
                continue
            }
            let new = current[newIndex]
            var want: [String: JSON] = [:]
            var got: [String: JSON] = [:]
            var changed: [String] = []
            if compare.contains(.uid), old.uidValue != new.uidValue {
                want["uid"] = old.uidValue.map(JSON.string) ?? .null
                got["uid"] = new.uidValue.map(JSON.string) ?? .null
                changed.append("re-created (uid \(old.uidValue ?? "-") → \(new.uidValue ?? "-"))")
            }
            if compare.contains(.spec) {
                let oldDigest = beforeDigests[oldIndex], newDigest = currentDigests[newIndex]
                if oldDigest != newDigest {
                    want["specDigest"] = .string(oldDigest)
                    got["specDigest"] = .string(newDigest)
                    changed.append("spec changed")
                }
            }
            if !changed.isEmpty {
                var detail = evidence()
                detail.set(.string(new.digest), at: ["digest"])
                problems.append(
                    .failed(
                        "\(identity) \(changed.joined(separator: ", ")) since '\(sinceLabel)'", expected: .object(want),
                        actual: .object(got), object: identity, evidence: detail))
            }
        }
        return InvariantEvaluation(
            problems: problems, summary: "\(before.count) \(match) unchanged since '\(sinceLabel)'", expected: expected,
            actual: ["count": .int(Int64(before.count))])
    }
}
