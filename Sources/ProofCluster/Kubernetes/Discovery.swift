/// What the API server serves: every resource type of every group version, preferred versions first.
public struct Discovery: Sendable {
    /// All resource types (subresources excluded); for each group the preferred version's types come first.
    public var resources: [ResourceType]
    /// The preferred version of each group (`""` is the core group).
    public var preferredVersions: [String: String]
    /// Group versions whose discovery failed (an unavailable aggregated API, say), with the reason.
    public var failedGroupVersions: [String: String]

    /// Creates a discovery result.
    public init(resources: [ResourceType], preferredVersions: [String: String], failedGroupVersions: [String: String] = [:]) {
        self.resources = resources
        self.preferredVersions = preferredVersions
        self.failedGroupVersions = failedGroupVersions
    }

    /// The type with this exact `apiVersion` and `kind`; with `apiVersion == nil`, the preferred version's.
    public func resource(apiVersion: String?, kind: String) -> ResourceType? {
        if let apiVersion { return resources.first { $0.apiVersion == apiVersion && $0.kind == kind } }
        return resources.first { $0.kind == kind && preferredVersions[$0.group] == $0.version }
            ?? resources.first { $0.kind == kind }
    }

    /// Resolves a name as kubectl does: plural, singular, short name or kind (case-insensitive), optionally
    /// qualified by group (`deployments.apps`, `applications.argoproj.io`). Preferred versions win.
    public func resource(named text: String) -> ResourceType? {
        let lowered = text.lowercased()
        func matches(_ type: ResourceType, _ name: String) -> Bool {
            type.name == name || type.singularName == name || type.kind.lowercased() == name
                || type.shortNames.contains(name)
        }
        let candidates = resources.filter { matches($0, lowered) }
            + resources.filter { type in
                guard lowered.hasSuffix("." + type.group), !type.group.isEmpty else { return false }
                return matches(type, String(lowered.dropLast(type.group.count + 1)))
            }
        return candidates.first { preferredVersions[$0.group] == $0.version } ?? candidates.first
    }
}
