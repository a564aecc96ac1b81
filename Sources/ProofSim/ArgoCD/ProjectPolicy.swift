import ProofCore

/// The rules of one AppProject: which repositories, destinations and kinds its Applications may use.
struct ProjectPolicy: Sendable {
    let name: String
    let sourceRepos: [Glob]
    let destinations: [(server: Glob?, name: Glob?, namespace: Glob)]
    let clusterAllow: [(group: Glob, kind: Glob)]
    let clusterDeny: [(group: Glob, kind: Glob)]
    let namespacedAllow: [(group: Glob, kind: Glob)]?
    let namespacedDeny: [(group: Glob, kind: Glob)]

    init(project: JSON) {
        name = project[path: ["metadata", "name"]]?.stringValue ?? ""
        let spec = project["spec"] ?? [:]
        sourceRepos = (spec["sourceRepos"]?.arrayValue ?? []).compactMap { item -> Glob? in
            guard let text = item.stringValue else { return nil }
            return Glob(text)
        }
        destinations = (spec["destinations"]?.arrayValue ?? []).map { item -> (server: Glob?, name: Glob?, namespace: Glob) in
            let server: Glob? = item["server"]?.stringValue.map { Glob($0) }
            let name: Glob? = item["name"]?.stringValue.map { Glob($0) }
            return (server, name, Glob(item["namespace"]?.stringValue ?? "*"))
        }
        func kinds(_ key: String) -> [(group: Glob, kind: Glob)] {
            (spec[key]?.arrayValue ?? []).map { (Glob($0["group"]?.stringValue ?? ""), Glob($0["kind"]?.stringValue ?? "*")) }
        }
        clusterAllow = kinds("clusterResourceWhitelist")
        clusterDeny = kinds("clusterResourceBlacklist")
        namespacedAllow = spec["namespaceResourceWhitelist"] == nil ? nil : kinds("namespaceResourceWhitelist")
        namespacedDeny = kinds("namespaceResourceBlacklist")
    }

    /// Whether `repoURL` is one of the project's source repositories.
    func permitsSource(_ repoURL: String) -> Bool {
        sourceRepos.contains { $0.matches(repoURL) }
    }

    /// Whether the in-cluster destination (`server` or `name`) and `namespace` match a project destination.
    func permitsDestination(server: String?, name: String?, namespace: String) -> Bool {
        destinations.contains { destination in
            let serverMatches = destination.server.map { glob in
                glob.matches(server ?? ArgoCDNames.inClusterServer)
            } ?? false
            let nameMatches = destination.name.map { glob in glob.matches(name ?? ArgoCDNames.inClusterName) } ?? false
            return (serverMatches || nameMatches) && destination.namespace.matches(namespace)
        }
    }

    /// Whether a resource of `group`/`kind` (cluster-scoped or not) may be deployed by this project.
    func permitsKind(group: String, kind: String, namespaced: Bool) -> Bool {
        func listed(_ list: [(group: Glob, kind: Glob)]) -> Bool {
            list.contains { $0.group.matches(group) && $0.kind.matches(kind) }
        }
        if namespaced {
            if listed(namespacedDeny) { return false }
            if let allow = namespacedAllow { return listed(allow) }
            return true
        }
        return listed(clusterAllow) && !listed(clusterDeny)
    }
}
