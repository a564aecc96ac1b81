import ProofCore

/// The Argo CD application tree of one capture, rendered as markdown: parent → children, grouped per
/// environment, with project, destination, sync, health, short revision and last operation per app.
///
/// A pure function of the captured Application and AppProject objects. An app's parent is the app that
/// lists it among its `status.resources[]` (app-of-apps) or that it names in an owner reference. Its
/// environment is its AppProject when that is not `default`; otherwise the suffix of its name or destination
/// namespace when that names a project (`core-dev` → `dev`); otherwise `shared`.
public struct AppTree: Sendable {
    /// One Application as the tree shows it.
    public struct Node: Sendable, Equatable {
        /// `metadata.name`.
        public var name: String
        /// `spec.project`.
        public var project: String
        /// `in-cluster/namespace` (or `server/namespace` for another cluster).
        public var destination: String
        /// `status.sync.status`, `Unknown` when absent.
        public var sync: String
        /// `status.health.status`, `Unknown` when absent.
        public var health: String
        /// The first seven characters of `status.sync.revision`, or `nil`.
        public var revision: String?
        /// The last sync operation (with its message when it did not succeed); `nil` when none ran.
        public var lastOperation: Operation?
        /// `type: message` of each condition.
        public var conditions: [String]
        /// Whether the Application is being deleted.
        public var deleting: Bool
        /// The environment it is grouped under.
        public var environment: String
        /// The parent app, if any.
        public var parent: String?
        /// The child apps, sorted.
        public var children: [String]
    }

    /// Every Application, by name.
    public let nodes: [String: Node]
    /// The AppProjects: name → destinations (`server/namespace` globs).
    public let projects: [(name: String, destinations: [String], sourceRepos: [String])]

    /// Builds the tree from captured `applications` and `projects` (either may be empty).
    public init(applications: [JSON], projects: [JSON] = []) {
        let apps = applications.filter { $0["kind"]?.stringValue ?? "Application" == "Application" }
        var projectNames = Set(projects.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        projectNames.formUnion(apps.compactMap { $0[path: ["spec", "project"]]?.stringValue })
        projectNames.remove("default")
        projectNames.remove("")

        let names = Set(apps.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        var parentOf: [String: String] = [:]
        for app in apps.sorted(by: { Self.name($0) < Self.name($1) }) {
            let parent = Self.name(app)
            for resource in app[path: ["status", "resources"]]?.arrayValue ?? []
            where resource["kind"]?.stringValue == "Application" && (resource["group"]?.stringValue ?? "argoproj.io") == "argoproj.io" {
                if let child = resource["name"]?.stringValue, names.contains(child), child != parent, parentOf[child] == nil {
                    parentOf[child] = parent
                }
            }
        }
        for app in apps {
            let child = Self.name(app)
            guard parentOf[child] == nil else { continue }
            for owner in app[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            where owner["kind"]?.stringValue == "Application" {
                if let parent = owner["name"]?.stringValue, names.contains(parent), parent != child {
                    parentOf[child] = parent
                    break
                }
            }
        }
        // Break any cycle so every app is reachable from a root.
        for name in names.sorted() {
            var seen: Set<String> = [name]
            var current = name
            while let parent = parentOf[current] {
                if seen.contains(parent) { parentOf[current] = nil; break }
                seen.insert(parent)
                current = parent
            }
        }

        var nodes: [String: Node] = [:]
        for app in apps {
            let name = Self.name(app)
            let children = parentOf.filter { $0.value == name }.map(\.key).sorted()
            nodes[name] = Node(
                name: name,
                project: app[path: ["spec", "project"]]?.stringValue ?? "",
                destination: Self.destination(app),
                sync: app[path: ["status", "sync", "status"]]?.stringValue ?? "Unknown",
                health: app[path: ["status", "health", "status"]]?.stringValue ?? "Unknown",
                revision: app[path: ["status", "sync", "revision"]]?.stringValue.map { String($0.prefix(7)) },
                lastOperation: Self.lastOperation(app),
                conditions: (app[path: ["status", "conditions"]]?.arrayValue ?? []).map {
                    "\($0["type"]?.stringValue ?? "Condition"): \($0["message"]?.stringValue ?? "")"
                },
                deleting: app[path: ["metadata", "deletionTimestamp"]] != nil,
                environment: Self.environment(app, projects: projectNames),
                parent: parentOf[name],
                children: children)
        }
        self.nodes = nodes
        self.projects = projects.map { project in
            let destinations = (project[path: ["spec", "destinations"]]?.arrayValue ?? []).map { destination in
                let server = destination["server"]?.stringValue ?? destination["name"]?.stringValue ?? "*"
                return "\(Self.cluster(server))/\(destination["namespace"]?.stringValue ?? "*")"
            }
            let repos = (project[path: ["spec", "sourceRepos"]]?.arrayValue ?? []).compactMap(\.stringValue)
            return (Self.name(project), destinations, repos)
        }.sorted { $0.name < $1.name }
    }

    /// The environments present, `shared` first, then alphabetical.
    public var environments: [String] {
        Set(nodes.values.map(\.environment)).sorted { lhs, rhs in
            if (lhs == "shared") != (rhs == "shared") { return lhs == "shared" }
            return lhs < rhs
        }
    }

    /// The markdown: a summary table per environment, then each environment's tree, then the projects.
    /// `level` is the heading level of the section title (`###` by default). Every name, status and message is
    /// escaped with ``Markdown/escape(_:as:)``; `legacy` writes the first proof format instead (only pipes and
    /// newlines escaped), which `proof verify` needs to re-render proofs written before format 2.
    public func markdown(level: Int = 3, legacy: Bool = false) -> String {
        let text: (String) -> String = legacy ? { $0 } : { Markdown.escape($0) }
        let heading = String(repeating: "#", count: max(1, level))
        var lines: [String] = ["\(heading) Argo CD applications", ""]
        if nodes.isEmpty {
            lines.append("No Argo CD Applications were captured.")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("| environment | apps | Synced | Healthy | not Synced/Healthy |")
        lines.append("| --- | ---: | ---: | ---: | --- |")
        for environment in environments {
            let members = nodes.values.filter { $0.environment == environment }.sorted { $0.name < $1.name }
            let synced = members.filter { $0.sync == "Synced" }.count
            let healthy = members.filter { $0.health == "Healthy" }.count
            let problems = members.filter { $0.sync != "Synced" || $0.health != "Healthy" }.map { text($0.name) }
            lines.append("| \(text(environment)) | \(members.count) | \(synced) | \(healthy) | \(problems.isEmpty ? "—" : problems.joined(separator: ", ")) |")
        }
        for environment in environments {
            lines.append("")
            lines.append("\(heading)# \(text(environment))")
            lines.append("")
            let roots = nodes.values.filter { node in
                node.environment == environment
                    && (node.parent.map { nodes[$0]?.environment != environment } ?? true)
            }.sorted { $0.name < $1.name }
            for root in roots { render(root, depth: 0, environment: environment, legacy: legacy, into: &lines) }
        }
        if !projects.isEmpty {
            lines.append("")
            lines.append("\(heading)# AppProjects")
            lines.append("")
            lines.append("| project | destinations | source repos |")
            lines.append("| --- | --- | --- |")
            for project in projects {
                lines.append("| \(text(project.name)) | \(Self.code(project.destinations, legacy: legacy)) | \(Self.code(project.sourceRepos, legacy: legacy)) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func render(_ node: Node, depth: Int, environment: String, legacy: Bool, into lines: inout [String]) {
        let text: (String) -> String = legacy ? { $0 } : { Markdown.escape($0) }
        let code: (String) -> String = legacy ? { "`\($0)`" } : { Markdown.escape($0, as: .code) }
        let indent = String(repeating: "  ", count: depth)
        var line = "\(indent)- **\(text(node.name))**"
        if depth == 0, let parent = node.parent { line += " (child of \(text(parent)))" }
        if node.deleting { line += " _(deleting)_" }
        line += " — \(Self.status(text(node.sync), good: node.sync == "Synced")), \(Self.status(text(node.health), good: node.health == "Healthy"))"
        line += ", rev \(code(node.revision ?? "—")), project \(code(node.project)) → \(code(node.destination))"
        line += ", last operation: \(node.lastOperation.map { Self.operation($0, legacy: legacy) } ?? "—")"
        for condition in node.conditions { line += "; ⚠ \(legacy ? Self.escape(condition) : text(condition))" }
        lines.append(line)
        for childName in node.children {
            guard let child = nodes[childName] else { continue }
            if child.environment == environment {
                render(child, depth: depth + 1, environment: environment, legacy: legacy, into: &lines)
            } else {
                lines.append("\(indent)  - \(text(child.name)) → see _\(text(child.environment))_")
            }
        }
    }

    // MARK: Field rendering

    static func name(_ object: JSON) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }

    static func cluster(_ server: String) -> String {
        server == "https://kubernetes.default.svc" ? "in-cluster" : server
    }

    static func destination(_ app: JSON) -> String {
        let destination = app[path: ["spec", "destination"]] ?? [:]
        let server = destination["server"]?.stringValue ?? destination["name"]?.stringValue ?? "in-cluster"
        return "\(cluster(server))/\(destination["namespace"]?.stringValue ?? "")"
    }

    /// An Application's last sync operation, as the tree shows it.
    public struct Operation: Sendable, Equatable {
        /// `status.operationState.phase`.
        public var phase: String
        /// `auto`, the user who started it, or `manual`.
        public var initiator: String
        /// When it finished (or started), as Argo CD wrote it.
        public var time: String?
        /// The first seven characters of the synced revision.
        public var revision: String?
        /// The operation's message when it did not succeed.
        public var message: String?
    }

    static func lastOperation(_ app: JSON) -> Operation? {
        guard let state = app[path: ["status", "operationState"]], let phase = state["phase"]?.stringValue else { return nil }
        let initiator: String
        if state[path: ["operation", "initiatedBy", "automated"]]?.boolValue == true {
            initiator = "auto"
        } else if let user = state[path: ["operation", "initiatedBy", "username"]]?.stringValue, !user.isEmpty {
            initiator = user
        } else {
            initiator = "manual"
        }
        let revision = state[path: ["syncResult", "revision"]]?.stringValue ?? state[path: ["operation", "sync", "revision"]]?.stringValue
        let message = state["message"]?.stringValue
        return Operation(
            phase: phase, initiator: initiator, time: state["finishedAt"]?.stringValue ?? state["startedAt"]?.stringValue,
            revision: revision.map { String($0.prefix(7)) }, message: phase != "Succeeded" && message?.isEmpty == false ? message : nil)
    }

    /// `Succeeded (auto) 2026-11-27T14:55:15Z to `533de08``, escaped unless `legacy`.
    static func operation(_ operation: Operation, legacy: Bool) -> String {
        let text: (String) -> String = legacy ? { $0 } : { Markdown.escape($0) }
        var line = "\(text(operation.phase)) (\(text(operation.initiator)))"
        if let time = operation.time { line += " \(text(time))" }
        if let revision = operation.revision { line += " to \(legacy ? "`\(revision)`" : Markdown.escape(revision, as: .code))" }
        if let message = operation.message { line += ": \(legacy ? escape(message) : text(message))" }
        return line
    }

    static func status(_ value: String, good: Bool) -> String { good ? value : "**\(value)**" }

    static func code(_ values: [String], legacy: Bool) -> String {
        values.isEmpty ? "—" : values.map { legacy ? "`\($0)`" : Markdown.escape($0, as: .tableCode) }.joined(separator: ", ")
    }

    static func environment(_ app: JSON, projects: Set<String>) -> String {
        let project = app[path: ["spec", "project"]]?.stringValue ?? ""
        if !project.isEmpty && project != "default" { return project }
        for candidate in [name(app), app[path: ["spec", "destination", "namespace"]]?.stringValue ?? ""] {
            if let suffix = candidate.split(separator: "-").last.map(String.init), candidate.contains("-"), projects.contains(suffix) {
                return suffix
            }
        }
        return "shared"
    }

    /// The first format's escaping (pipes escaped, newlines flattened), kept for ``markdown(level:legacy:)``.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
