import ProofCore

/// `envIsolation`: no Application of one environment's project targets another environment's namespaces,
/// and no object in one environment's namespaces is tracked by, listed by or owned by another environment's
/// Application.
public struct EnvIsolationInvariant: Invariant {
    public static let kind = "envIsolation"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "EnvIsolationInvariant", doc: "No app of one environment targets or owns another environment's namespaces.", properties: [
        Property("environments", .array(.object(ObjectSchema(name: "IsolatedEnvironment", doc: "An environment: its Argo CD project and namespaces.", properties: [
            Property("project", .string("The AppProject name."), required: true),
            Property("namespaces", .string("Namespace glob (`*-dev`)."), required: true),
        ])), "At least two environments (default dev: `*-dev`, prod: `*-prod`).")),
        Property("appNamespace", .string("Where the Applications live (default argocd).")),
    ])
    /// One environment: its AppProject and its namespace glob.
    public struct Environment: Sendable, Hashable {
        /// AppProject name.
        public var project: String
        /// Namespace glob.
        public var namespaces: Glob
        /// An environment.
        public init(project: String, namespaces: Glob) {
            self.project = project
            self.namespaces = namespaces
        }
    }
    /// The environments kept apart.
    public var environments: [Environment]
    /// Where the Applications live.
    public var appNamespace: String

    /// The platform's dev/prod split.
    public static let platform = [Environment(project: "dev", namespaces: "*-dev"), Environment(project: "prod", namespaces: "*-prod")]

    /// An `envIsolation` invariant.
    public init(environments: [Environment] = platform, appNamespace: String = "argocd") {
        self.environments = environments
        self.appNamespace = appNamespace
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        var environments: [Environment] = []
        if let list = fields.optional("environments") {
            guard case .sequence(let items) = list.content else { throw list.typeMismatch(expected: "a list of {project, namespaces}") }
            for item in items {
                let entry = try InvariantFields(item, allowed: ["project", "namespaces"])
                environments.append(Environment(project: try entry.string("project"), namespaces: Glob(try entry.string("namespaces"))))
            }
            guard environments.count >= 2 else { throw fields.invalid("environments", "give at least two environments") }
        }
        self.init(environments: environments.isEmpty ? Self.platform : environments, appNamespace: try fields.optionalString("appNamespace") ?? "argocd")
    }

    func environment(ofNamespace namespace: String) -> Environment? { environments.first { $0.namespaces.matches(namespace) } }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        let appMatch = ObjectMatch(kind: "Application", namespace: Glob(appNamespace))
        if let error = context.listingProblem(for: appMatch) { return InvariantEvaluation(problems: [error], summary: "") }
        let apps = context.current.objects(matching: appMatch)
        // What the capture says (apps, their resources, the objects' claims) is derived once per capture
        // (EnvIsolationInvariant+Facts.swift); what depends on the environments is decided here, once per
        // distinct namespace, app, and (namespace, app) pair, and only violations go back to single objects.
        let facts = context.current.envIsolationApps(appMatch)
        var environmentOfProject: [String: Environment] = [:]
        for environment in environments where environmentOfProject[environment.project] == nil {
            environmentOfProject[environment.project] = environment
        }
        func environmentOfApp(_ name: String) -> Environment? {
            facts.projectOfApp[name].flatMap { environmentOfProject[$0] }
        }
        var environmentOfNamespace: [String: Environment?] = [:]
        func environment(of namespace: String) -> Environment? {
            if let known = environmentOfNamespace[namespace] { return known }
            let found = self.environment(ofNamespace: namespace)
            environmentOfNamespace[namespace] = .some(found)
            return found
        }
        var problems: [InvariantEvaluation.Problem] = []
        var reported: Set<String> = []
        func report(_ object: ObjectIdentity, app: String, env: Environment, objectEnv: Environment, how: String, evidence: @autoclosure () -> JSON?) {
            guard reported.insert("\(object)|\(app)").inserted else { return }
            problems.append(
                .failed(
                    "\(object) in a \(objectEnv.project) namespace is \(how) Application \(app) of project \(env.project)",
                    expected: ["project": .string(objectEnv.project), "namespaces": .string(objectEnv.namespaces.pattern)],
                    actual: ["application": .string(app), "project": .string(env.project), "via": .string(how)], object: object, evidence: evidence()))
        }
        // 1. Destinations.
        for app in facts.apps {
            guard let env = environmentOfApp(app.name) else { continue }
            if let target = environment(of: app.destination), target != env {
                problems.append(
                    .failed(
                        "Application \(app.name) of project \(env.project) targets namespace \(app.destination) of \(target.project)",
                        expected: ["project": .string(env.project), "namespaces": .string(env.namespaces.pattern)],
                        actual: ["destination": .string(app.destination)], object: apps[app.index].identityValue,
                        evidence: context.digests([apps[app.index]])))
            }
            // 2. Resources the app lists as its own (only apps with a resource in another environment's namespace
            // are walked resource by resource).
            var foreign: [String: Environment] = [:]
            for namespace in app.resourceNamespaces {
                if let objectEnv = environment(of: namespace), objectEnv != env { foreign[namespace] = objectEnv }
            }
            guard !foreign.isEmpty else { continue }
            for resource in app.resources {
                guard let objectEnv = foreign[resource.namespace] else { continue }
                report(resource.identity, app: app.name, env: env, objectEnv: objectEnv, how: "listed in status.resources of",
                    evidence: context.digests([apps[app.index]]))
            }
        }
        // 3. Tracking metadata and owner references of every object in an environment's namespace, in object order.
        let claims = context.current.envIsolationClaims
        var violating: Set<Claims.Pair> = []
        for pair in claims.pairs {
            guard let objectEnv = environment(of: pair.namespace), let env = environmentOfApp(pair.app), env != objectEnv else { continue }
            violating.insert(pair)
        }
        if !violating.isEmpty {
            let objects = context.current.objects
            for claim in claims.claims where violating.contains(.init(namespace: claim.namespace, app: claim.app)) {
                guard let objectEnv = environment(of: claim.namespace), let env = environmentOfApp(claim.app) else { continue }
                let object = objects[claim.object]
                report(object.identityValue, app: claim.app, env: env, objectEnv: objectEnv, how: claim.how, evidence: context.digests([object]))
            }
        }
        return InvariantEvaluation(
            problems: problems,
            summary: "\(apps.count) Application(s) checked: \(environments.map { "\($0.project)→\($0.namespaces.pattern)" }.joined(separator: ", ")) kept apart",
            expected: .array(environments.map { ["project": .string($0.project), "namespaces": .string($0.namespaces.pattern)] }),
            actual: ["applications": .int(Int64(apps.count))])
    }
}
