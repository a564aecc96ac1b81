import ProofCore

extension KubernetesClient {
    /// What the server serves, fetched once (all group versions concurrently) and cached; `refresh` fetches
    /// it again (after CRDs were installed, say).
    public func discovery(refresh: Bool = false) async throws -> Discovery {
        if !refresh, let cached = discoveryCache.withLock({ $0 }) { return cached }
        // The core group and the named groups are asked at once (two round trips at the start of every capture
        // otherwise), then every group version at once.
        async let coreAnswer = json(path: "/api")
        async let groupsAnswer = json(path: "/apis")
        let (core, groups) = try await (coreAnswer, groupsAnswer)
        var groupVersions: [(group: String, version: String, preferred: Bool)] = []
        var preferred: [String: String] = [:]
        for version in core["versions"]?.arrayValue ?? [] {
            guard let version = version.stringValue else { continue }
            if preferred[""] == nil { preferred[""] = version }
            groupVersions.append(("", version, preferred[""] == version))
        }
        for group in groups["groups"]?.arrayValue ?? [] {
            guard let name = group["name"]?.stringValue else { continue }
            let preferredVersion = group[path: ["preferredVersion", "version"]]?.stringValue
            let versions = (group["versions"]?.arrayValue ?? []).compactMap { $0["version"]?.stringValue }
            preferred[name] = preferredVersion ?? versions.first
            for version in versions { groupVersions.append((name, version, version == preferred[name])) }
        }
        let results = await withTaskGroup(of: (Int, Result<[ResourceType], ClusterError>).self) { tasks in
            for (index, entry) in groupVersions.enumerated() {
                tasks.addTask {
                    do {
                        return (index, .success(try await self.resources(group: entry.group, version: entry.version)))
                    } catch let error as ClusterError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(ClusterError(kind: .transport, message: "\(error)")))
                    }
                }
            }
            var collected: [(Int, Result<[ResourceType], ClusterError>)] = []
            for await result in tasks { collected.append(result) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var resources: [ResourceType] = []
        var later: [ResourceType] = []
        var failed: [String: String] = [:]
        for (entry, result) in zip(groupVersions, results) {
            switch result {
            case .success(let types): if entry.preferred { resources += types } else { later += types }
            case .failure(let error):
                failed[entry.group.isEmpty ? entry.version : "\(entry.group)/\(entry.version)"] = error.description
            }
        }
        let discovery = Discovery(resources: resources + later, preferredVersions: preferred, failedGroupVersions: failed)
        discoveryCache.withLock { $0 = discovery }
        return discovery
    }

    /// The resource type for `apiVersion` + `kind`, refreshing discovery once when it is unknown (a CRD
    /// installed since). Throws a `ClusterError` (404) when the server does not serve it.
    public func resource(apiVersion: String?, kind: String) async throws -> ResourceType {
        if let type = try await discovery().resource(apiVersion: apiVersion, kind: kind) { return type }
        if let type = try await discovery(refresh: true).resource(apiVersion: apiVersion, kind: kind) { return type }
        throw ClusterError(
            kind: .http, message: "the server does not serve \(apiVersion.map { "\($0) " } ?? "")\(kind)",
            url: config.server, status: 404, reason: "NotFound", hint: "is its CRD installed?")
    }

    /// The resource type named as kubectl accepts (`pods`, `po`, `Deployment`, `applications.argoproj.io`).
    public func resource(named name: String) async throws -> ResourceType {
        if let type = try await discovery().resource(named: name) { return type }
        if let type = try await discovery(refresh: true).resource(named: name) { return type }
        throw ClusterError(
            kind: .http, message: "the server does not serve a resource named \"\(name)\"", url: config.server,
            status: 404, reason: "NotFound", hint: "is its CRD installed?")
    }

    /// The resource type of an object, from its `apiVersion` and `kind`.
    public func resource(for object: JSON) async throws -> ResourceType {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else {
            throw ClusterError(kind: .protocolViolation, message: "the object has no apiVersion or kind")
        }
        return try await resource(apiVersion: apiVersion, kind: kind)
    }

    private func resources(group: String, version: String) async throws -> [ResourceType] {
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let list = try await json(path: path)
        return (list["resources"]?.arrayValue ?? []).compactMap { item -> ResourceType? in
            guard let name = item["name"]?.stringValue, !name.contains("/"),
                let kind = item["kind"]?.stringValue
            else { return nil }
            return ResourceType(
                group: group, version: version, name: name, kind: kind,
                namespaced: item["namespaced"]?.boolValue ?? false,
                singularName: item["singularName"]?.stringValue ?? "",
                verbs: (item["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                shortNames: (item["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
    }
}
