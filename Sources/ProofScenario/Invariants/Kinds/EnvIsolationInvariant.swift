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
        var projectOfApp: [String: String] = [:]
        for app in apps { projectOfApp[app.nameValue] = app[path: "spec", "project"]?.stringValue ?? "default" }
        // The first environment of each project, and each distinct namespace's environment, looked up once.
        var environmentOfProject: [String: Environment] = [:]
        for environment in environments where environmentOfProject[environment.project] == nil {
            environmentOfProject[environment.project] = environment
        }
        func environmentOfApp(_ name: String) -> Environment? {
            projectOfApp[name].flatMap { environmentOfProject[$0] }
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
        func report(_ object: ObjectIdentity, app: String, env: Environment, objectEnv: Environment, how: String, evidence: JSON?) {
            guard reported.insert("\(object)|\(app)").inserted else { return }
            problems.append(
                .failed(
                    "\(object) in a \(objectEnv.project) namespace is \(how) Application \(app) of project \(env.project)",
                    expected: ["project": .string(objectEnv.project), "namespaces": .string(objectEnv.namespaces.pattern)],
                    actual: ["application": .string(app), "project": .string(env.project), "via": .string(how)], object: object, evidence: evidence))
        }
        // 1. Destinations.
        for app in apps {
            let appName = app.nameValue
            guard let env = environmentOfApp(appName) else { continue }
            let destination = app[path: "spec", "destination", "namespace"]?.stringValue ?? ""
            if let target = environment(of: destination), target != env {
                problems.append(
                    .failed(
                        "Application \(appName) of project \(env.project) targets namespace \(destination) of \(target.project)",
                        expected: ["project": .string(env.project), "namespaces": .string(env.namespaces.pattern)],
                        actual: ["destination": .string(destination)], object: app.identityValue, evidence: context.digests([app])))
            }
            // 2. Resources the app lists as its own.
            for resource in app[path: "status", "resources"]?.arrayValue ?? [] {
                let namespace = resource["namespace"]?.stringValue ?? ""
                guard let objectEnv = environment(of: namespace), objectEnv != env else { continue }
                let group = resource["group"]?.stringValue ?? ""
                let identity = ObjectIdentity(
                    apiVersion: (group.isEmpty ? "" : group + "/") + (resource["version"]?.stringValue ?? ""),
                    kind: resource["kind"]?.stringValue ?? "", namespace: namespace, name: resource["name"]?.stringValue ?? "")
                report(identity, app: appName, env: env, objectEnv: objectEnv, how: "listed in status.resources of", evidence: context.digests([app]))
            }
        }
        // 3. Tracking metadata and owner references of every object in an environment's namespace, in that order.
        for object in context.current.objects {
            guard case .object(let metadata)? = object["metadata"], case .string(let namespace)? = metadata["namespace"],
                !namespace.isEmpty, let objectEnv = environment(of: namespace)
            else { continue }
            func claim(_ app: String, _ how: String) {
                guard let env = environmentOfApp(app), env != objectEnv else { return }
                report(object.identityValue, app: app, env: env, objectEnv: objectEnv, how: how, evidence: context.digests([object]))
            }
            if case .string(let tracking)? = metadata["annotations"]?["argocd.argoproj.io/tracking-id"], let colon = tracking.firstIndex(of: ":") {
                claim(String(tracking[..<colon]), "tracked (tracking-id) by")
            }
            if case .string(let instance)? = metadata["labels"]?["app.kubernetes.io/instance"], projectOfApp[instance] != nil {
                claim(instance, "tracked (app.kubernetes.io/instance) by")
            }
            if case .array(let owners)? = metadata["ownerReferences"] {
                for owner in owners where owner["kind"]?.stringValue == "Application" {
                    if let name = owner["name"]?.stringValue { claim(name, "owned by") }
                }
            }
        }
        return InvariantEvaluation(
            problems: problems,
            summary: "\(apps.count) Application(s) checked: \(environments.map { "\($0.project)→\($0.namespaces.pattern)" }.joined(separator: ", ")) kept apart",
            expected: .array(environments.map { ["project": .string($0.project), "namespaces": .string($0.namespaces.pattern)] }),
            actual: ["applications": .int(Int64(apps.count))])
    }
}
