import ProofCore

extension KubernetesClient {
    /// The `Accept` of `/api` and `/apis`: the aggregated form first (every resource of every group version in
    /// one document, kube-apiserver 1.26+), the plain form from servers without it.
    static let discoveryAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// What the server serves, fetched once and cached; `refresh` fetches it again (after CRDs were installed,
    /// say). `/api` and `/apis` are asked at once, in the aggregated form; a server that answers in the plain
    /// form is then asked every group version at once.
    public func discovery(refresh: Bool = false) async throws -> Discovery {
        try await discovery(refresh: refresh, accept: Self.discoveryAccept)
    }

    /// ``discovery(refresh:)`` asking `/api` and `/apis` with `accept` (tests ask for the plain form with it).
    func discovery(refresh: Bool, accept: String) async throws -> Discovery {
        if !refresh, let cached = discoveryCache.withLock({ $0 }) { return cached }
        async let coreAnswer = discoveryDocument(path: "/api", accept: accept)
        async let groupsAnswer = discoveryDocument(path: "/apis", accept: accept)
        let (core, groups) = try await (coreAnswer, groupsAnswer)
        // Group versions the aggregated answers described, and those still to ask for (plain answers).
        var described: [(group: String, version: String, preferred: Bool, result: Result<[ResourceType], ClusterError>)] = []
        var groupVersions: [(group: String, version: String, preferred: Bool)] = []
        var preferred: [String: String] = [:]
        for answer in [core, groups] {
            switch answer {
            case .aggregated(let document):
                for entry in Self.aggregatedGroupVersions(document) {
                    if preferred[entry.group] == nil { preferred[entry.group] = entry.version }
                    described.append((entry.group, entry.version, preferred[entry.group] == entry.version, entry.result))
                }
            case .plainCore(let document):
                for version in document["versions"]?.arrayValue ?? [] {
                    guard let version = version.stringValue else { continue }
                    if preferred[""] == nil { preferred[""] = version }
                    groupVersions.append(("", version, preferred[""] == version))
                }
            case .plainGroups(let document):
                for group in document["groups"]?.arrayValue ?? [] {
                    guard let name = group["name"]?.stringValue else { continue }
                    let preferredVersion = group[path: ["preferredVersion", "version"]]?.stringValue
                    let versions = (group["versions"]?.arrayValue ?? []).compactMap { $0["version"]?.stringValue }
                    preferred[name] = preferredVersion ?? versions.first
                    for version in versions { groupVersions.append((name, version, version == preferred[name])) }
                }
            }
        }
        let fetched = await withTaskGroup(of: (Int, Result<[ResourceType], ClusterError>).self) { tasks in
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
        let results = described + zip(groupVersions, fetched).map { ($0.group, $0.version, $0.preferred, $1) }
        var resources: [ResourceType] = []
        var later: [ResourceType] = []
        var failed: [String: String] = [:]
        for entry in results {
            switch entry.result {
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

    /// A discovery root (`/api` or `/apis`) as the server answered it.
    enum DiscoveryDocument {
        /// `APIGroupDiscoveryList` (`apidiscovery.k8s.io/v2` or `v2beta1`).
        case aggregated(JSON)
        /// `APIVersions` (`/api`).
        case plainCore(JSON)
        /// `APIGroupList` (`/apis`).
        case plainGroups(JSON)
    }

    private func discoveryDocument(path: String, accept: String) async throws -> DiscoveryDocument {
        let response = try await send(path: path, accept: accept)
        let document = try decode(response, method: "GET", path: path, query: [])
        // The content type says which form came; a body of kind APIGroupDiscoveryList is taken as one too.
        let contentType = response.header("content-type") ?? ""
        if contentType.contains("as=APIGroupDiscoveryList") || document["kind"]?.stringValue == "APIGroupDiscoveryList" {
            return .aggregated(document)
        }
        return path == "/api" ? .plainCore(document) : .plainGroups(document)
    }

    /// The group versions of an aggregated discovery document, each group's preferred (first) version first,
    /// with their resources. A version the server marks `Stale` (its aggregated API server did not answer) is a
    /// failure, as client-go reports it; a resource without a `responseKind` is left out.
    static func aggregatedGroupVersions(_ document: JSON)
        -> [(group: String, version: String, result: Result<[ResourceType], ClusterError>)]
    {
        var entries: [(group: String, version: String, result: Result<[ResourceType], ClusterError>)] = []
        for item in document["items"]?.arrayValue ?? [] {
            let group = item[path: ["metadata", "name"]]?.stringValue ?? ""
            for entry in item["versions"]?.arrayValue ?? [] {
                guard let version = entry["version"]?.stringValue else { continue }
                if entry["freshness"]?.stringValue == "Stale" {
                    let name = group.isEmpty ? version : "\(group)/\(version)"
                    entries.append((group, version, .failure(ClusterError(kind: .protocolViolation,
                        message: "discovery of \(name) is stale: the server could not reach the API server that serves it"))))
                    continue
                }
                let types = (entry["resources"]?.arrayValue ?? []).compactMap { resource -> ResourceType? in
                    guard let name = resource["resource"]?.stringValue, let kind = resource[path: ["responseKind", "kind"]]?.stringValue
                    else { return nil }
                    return ResourceType(
                        group: group, version: version, name: name, kind: kind,
                        namespaced: resource["scope"]?.stringValue == "Namespaced",
                        singularName: resource["singularResource"]?.stringValue ?? "",
                        verbs: (resource["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                        shortNames: (resource["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue))
                }
                entries.append((group, version, .success(types)))
            }
        }
        return entries
    }
}
