import ProofCore

/// `restarts`: per workload, container restarts plus pod replacements since a baseline capture are at most
/// `max`.
public struct RestartsInvariant: Invariant {
    public static let kind = "restarts"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "RestartsInvariant", doc: "Containers of matching pods restart at most `max` times per workload, pod replacements included.", properties: [
        Property("match", .object(ObjectMatch.schema(fixedKind: "Pod")), required: true),
        Property("max", .integer("The most restarts a workload may have.", minimum: 0), required: true),
        Property("since", .string("The capture restarts are counted from (default the run's first capture).")),
        Property("replacements", .boolean("A pod replaced by its owner counts as one restart (default true).")),
    ])
    /// The pods judged.
    public var match: ObjectMatch
    /// The most restarts allowed per workload.
    public var max: Int
    /// The baseline capture (default: the run's first).
    public var sinceLabel: String?
    /// Whether a replaced pod counts as one restart.
    public var replacements: Bool

    public var since: String? { sinceLabel }

    /// A `restarts` invariant.
    public init(match: ObjectMatch, max: Int, since: String? = nil, replacements: Bool = true) {
        self.match = match
        self.max = max
        self.sinceLabel = since
        self.replacements = replacements
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        guard let max = try fields.optionalInt("max") else { throw fields.invalid(nil, "missing required key 'max'") }
        self.init(
            match: try fields.match(fixedKind: "Pod"), max: max, since: try fields.optionalString("since"),
            replacements: try fields.optionalBool("replacements") ?? true)
    }

    /// The workload a pod belongs to: `Kind/namespace/name` of its controlling owner (a ReplicaSet named
    /// without its `pod-template-hash` suffix, as `ReplicaSet→Deployment`), or the pod itself.
    public static func workload(of pod: JSON) -> String {
        let namespace = pod.namespaceValue
        let owners = pod[path: "metadata", "ownerReferences"]?.arrayValue ?? []
        guard let owner = owners.first(where: { $0["controller"]?.boolValue == true }) ?? owners.first,
            let kind = owner["kind"]?.stringValue, var name = owner["name"]?.stringValue
        else { return "Pod/\(namespace)/\(pod.nameValue)" }
        if kind == "ReplicaSet" {
            if let hash = pod[path: "metadata", "labels", "pod-template-hash"]?.stringValue, name.hasSuffix("-" + hash) {
                name = String(name.dropLast(hash.count + 1))
            } else if let dash = name.lastIndex(of: "-") {
                name = String(name[..<dash])
            }
            return "Deployment/\(namespace)/\(name)"
        }
        return "\(kind)/\(namespace)/\(name)"
    }

    static func restartCount(_ pod: JSON) -> Int64 {
        let statuses = (pod[path: "status", "containerStatuses"]?.arrayValue ?? []) + (pod[path: "status", "initContainerStatuses"]?.arrayValue ?? [])
        return statuses.reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) }
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let base = sinceLabel.flatMap { context.capture(labeled: $0) } ?? context.first
        let basePods = base.objects(matching: match)
        let nowPods = context.current.objects(matching: match)
        var baseByUID: [String: JSON] = [:]
        for pod in basePods { if let uid = pod.uidValue { baseByUID[uid] = pod } }
        let nowUIDs = Set(nowPods.compactMap(\.uidValue))
        struct Tally { var restarts: Int64 = 0; var replaced: Int64 = 0; var pods: [String] = [] }
        var tallies: [String: Tally] = [:]
        for pod in nowPods {
            let key = Self.workload(of: pod)
            var tally = tallies[key, default: Tally()]
            let count = Self.restartCount(pod)
            if let uid = pod.uidValue, let old = baseByUID[uid] {
                tally.restarts += Swift.max(0, count - Self.restartCount(old))
            } else if base.label != context.current.label || base.sequence != context.current.sequence {
                tally.restarts += count
            }
            tally.pods.append(pod.nameValue)
            tallies[key] = tally
        }
        if replacements {
            for pod in basePods where !(pod.uidValue.map(nowUIDs.contains) ?? true) {
                tallies[Self.workload(of: pod), default: Tally()].replaced += 1
            }
        }
        var problems: [InvariantEvaluation.Problem] = []
        for (workload, tally) in tallies.sorted(by: { $0.key < $1.key }) where tally.restarts + tally.replaced > Int64(max) {
            let parts = workload.split(separator: "/", maxSplits: 2).map(String.init)
            let identity = ObjectIdentity(
                apiVersion: parts[0] == "Pod" ? "v1" : "apps/v1", kind: parts[0], namespace: parts.count > 2 ? parts[1] : "", name: parts.last ?? "")
            problems.append(
                .failed(
                    "\(workload) restarted \(tally.restarts + tally.replaced) time(s) since '\(base.label)' (\(tally.restarts) container restart(s), \(tally.replaced) pod(s) replaced), expected at most \(max)",
                    expected: ["max": .int(Int64(max))],
                    actual: ["restarts": .int(tally.restarts), "replaced": .int(tally.replaced), "pods": .array(tally.pods.sorted().map(JSON.string))],
                    object: identity, evidence: ["since": .string(base.label)]))
        }
        return InvariantEvaluation(
            problems: problems, summary: "\(tallies.count) workload(s) restarted at most \(max) time(s) since '\(base.label)'",
            expected: ["max": .int(Int64(max))], actual: ["workloads": .int(Int64(tallies.count))])
    }
}
