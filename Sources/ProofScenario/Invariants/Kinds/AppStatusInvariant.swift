import ProofCore

/// `appStatus`: Argo CD Applications named by a glob are in the expected sync/health state (optionally at a
/// revision), and at least `min` of them exist.
public struct AppStatusInvariant: Invariant {
    public static let kind = "appStatus"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "AppStatusInvariant", doc: "Argo CD Applications are in the expected sync/health state.", properties: [
        Property("name", .string("Application name glob (`feast-*`)."), required: true),
        Property("namespace", .string("The Applications' namespace (default argocd).")),
        Property("sync", .oneOf([.string(), .strings()], "Expected sync status, or a list of accepted ones (default Synced).")),
        Property("health", .oneOf([.string(), .strings()], "Expected health status, or a list of accepted ones (default Healthy).")),
        Property("revision", .string("`status.sync.revision` must start with this.")),
        Property("min", .integer("How many Applications must match the name (default 1).", minimum: 0)),
    ])
    /// Application name glob.
    public var name: Glob
    /// The Applications' namespace.
    public var namespace: String
    /// Acceptable `status.sync.status` values.
    public var sync: [String]
    /// Acceptable `status.health.status` values.
    public var health: [String]
    /// A prefix `status.sync.revision` must start with.
    public var revision: String?
    /// How many apps must match the name.
    public var min: Int

    /// An `appStatus` invariant.
    public init(name: Glob, namespace: String = "argocd", sync: [String] = ["Synced"], health: [String] = ["Healthy"], revision: String? = nil, min: Int = 1) {
        self.name = name
        self.namespace = namespace
        self.sync = sync
        self.health = health
        self.revision = revision
        self.min = min
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        let sync = try fields.stringList("sync"), health = try fields.stringList("health")
        self.init(
            name: Glob(try fields.string("name")), namespace: try fields.optionalString("namespace") ?? "argocd",
            sync: sync.isEmpty ? ["Synced"] : sync, health: health.isEmpty ? ["Healthy"] : health,
            revision: try fields.optionalString("revision"), min: try fields.optionalInt("min") ?? 1)
    }

    var match: ObjectMatch { ObjectMatch(kind: "Application", namespace: Glob(namespace), name: name) }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        let match = self.match
        if let error = context.listingProblem(for: match) { return InvariantEvaluation(problems: [error], summary: "") }
        let apps = context.current.objects(matching: match)
        var expected: JSON = ["name": .string(name.pattern), "sync": .array(sync.map(JSON.string)), "health": .array(health.map(JSON.string))]
        if let revision { expected.set(.string(revision), at: ["revision"]) }
        var problems: [InvariantEvaluation.Problem] = []
        if apps.count < min {
            problems.append(
                .failed(
                    "expected at least \(min) Application named \(name.pattern) in \(namespace), found \(apps.count)",
                    expected: ["name": .string(name.pattern), "min": .int(Int64(min))], actual: ["count": .int(Int64(apps.count))]))
        }
        for app in apps {
            let s = app[path: "status", "sync", "status"]?.stringValue ?? "Unknown"
            let h = app[path: "status", "health", "status"]?.stringValue ?? "Unknown"
            let r = app[path: "status", "sync", "revision"]?.stringValue
            var wrong: [String] = []
            if !sync.contains(s) { wrong.append("sync \(s)") }
            if !health.contains(h) { wrong.append("health \(h)") }
            if let revision, !(r ?? "").hasPrefix(revision) { wrong.append("revision \(r.map { String($0.prefix(12)) } ?? "none")") }
            guard !wrong.isEmpty else { continue }
            problems.append(
                .failed(
                    "Application \(app.nameValue) is \(wrong.joined(separator: ", ")); expected \(sync.joined(separator: "|"))/\(health.joined(separator: "|"))\(revision.map { " at \($0)" } ?? "")\(Self.why(app))",
                    expected: expected, actual: ["sync": .string(s), "health": .string(h), "revision": r.map(JSON.string) ?? .null],
                    object: app.identityValue, evidence: context.digests([app])))
        }
        return InvariantEvaluation(
            problems: problems, summary: "\(apps.count) Application(s) \(name.pattern) \(sync.joined(separator: "|"))/\(health.joined(separator: "|"))",
            expected: expected, actual: ["count": .int(Int64(apps.count))])
    }

    /// What Argo CD says is wrong, for the failure message: its `status.conditions` (`ComparisonError: Failed
    /// to load target state: …`, each cut to 200 characters) and a health message, or "" when it says nothing.
    static func why(_ app: JSON) -> String {
        var reasons = (app[path: "status", "conditions"]?.arrayValue ?? []).compactMap { condition -> String? in
            guard let type = condition["type"]?.stringValue else { return nil }
            let message = (condition["message"]?.stringValue ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")
            return message.isEmpty ? type : "\(type): \(message.count > 200 ? String(message.prefix(199)) + "…" : message)"
        }
        if let message = app[path: "status", "health", "message"]?.stringValue, !message.isEmpty {
            reasons.append("health: \(message.count > 200 ? String(message.prefix(199)) + "…" : message)")
        }
        return reasons.isEmpty ? "" : " — " + reasons.joined(separator: "; ")
    }
}
