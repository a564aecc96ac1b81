import ProofCore

/// `namespaceKept`: namespaces exist, are not Terminating, and (with `since`) have the uid they had then.
public struct NamespaceKeptInvariant: Invariant {
    public static let kind = "namespaceKept"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "NamespaceKeptInvariant", doc: "Namespaces still exist, are not Terminating, and (with since) are the same namespaces.", properties: [
        Property("names", .oneOf([.string(), .strings()], "Namespace name globs."), required: true),
        Property("since", .string("A capture label: each namespace's uid must equal its uid then.")),
    ])
    /// Namespace name globs.
    public var names: [Glob]
    /// The capture whose uids must be kept.
    public var sinceLabel: String?

    public var since: String? { sinceLabel }

    /// A `namespaceKept` invariant.
    public init(names: [Glob], since: String? = nil) {
        self.names = names
        self.sinceLabel = since
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        let names = try fields.stringList("names")
        guard !names.isEmpty else { throw fields.invalid("names", "give at least one namespace name") }
        self.init(names: names.map { Glob($0) }, since: try fields.optionalString("since"))
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        let match = ObjectMatch(kind: "Namespace")
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let base = sinceLabel.flatMap { context.capture(labeled: $0) }
        func selected(_ state: CapturedState) -> [String: JSON] {
            var result: [String: JSON] = [:]
            for (name, namespace) in state.namespacesByName where names.contains(where: { $0.matches(name) }) {
                result[name] = namespace
            }
            return result
        }
        let now = selected(context.current)
        let then = base.map(selected)
        // Literal names must exist; glob names must exist when they did at `since`.
        var expectedNames = Set(names.filter { !$0.hasWildcards }.map(\.pattern))
        if let then { expectedNames.formUnion(then.keys) }
        var problems: [InvariantEvaluation.Problem] = []
        for name in expectedNames.sorted() {
            let identity = ObjectIdentity(apiVersion: "v1", kind: "Namespace", namespace: "", name: name)
            let oldUID = then?[name]?.uidValue
            let expected: JSON = ["exists": true, "phase": "Active", "uid": oldUID.map(JSON.string) ?? .null]
            guard let namespace = now[name] else {
                problems.append(.failed("namespace \(name) is gone", expected: expected, actual: ["exists": false], object: identity))
                continue
            }
            let phase = namespace[path: "status", "phase"]?.stringValue ?? "Active"
            let deleting = namespace[path: "metadata", "deletionTimestamp"] != nil
            let actual: JSON = ["exists": true, "phase": .string(phase), "uid": namespace.uidValue.map(JSON.string) ?? .null, "deleting": .bool(deleting)]
            if phase == "Terminating" || deleting {
                problems.append(.failed("namespace \(name) is Terminating", expected: expected, actual: actual, object: identity, evidence: context.digests([namespace])))
            } else if let base, then?[name] == nil {
                problems.append(.error("namespace \(name) did not exist at '\(base.label)'", object: identity))
            } else if let oldUID, oldUID != namespace.uidValue {
                problems.append(
                    .failed(
                        "namespace \(name) was deleted and re-created since '\(sinceLabel ?? "")' (uid \(oldUID) → \(namespace.uidValue ?? "-"))",
                        expected: expected, actual: actual, object: identity, evidence: context.digests([namespace])))
            }
        }
        return InvariantEvaluation(
            problems: problems, summary: "\(expectedNames.count) namespace(s) kept\(sinceLabel.map { " since '\($0)'" } ?? "")",
            expected: ["names": .array(names.map { .string($0.pattern) })], actual: ["count": .int(Int64(now.count))])
    }
}
