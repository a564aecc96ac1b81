import ProofCore

/// The discovery documents: `/version`, `/api`, `/apis`, `/apis/G`, `/api/v1`, `/apis/G/V`.
///
/// `/api` and `/apis` also answer in the aggregated form (`apidiscovery.k8s.io/v2`, or `v2beta1`) when the
/// `Accept` header asks for it before plain JSON, as kube-apiserver 1.30+ does: every resource of every group
/// version in two documents, which is what kubectl and client-go ask for first.
enum Discovery {
    /// The aggregated discovery version `accept` prefers (`v2` or `v2beta1`), or `nil` for the plain form: the
    /// media types are taken in the order written, and the first this server can answer wins (protobuf and other
    /// types it does not speak are passed over, as the real server's negotiation passes over types it lacks).
    static func aggregatedVersion(accept: String) -> String? {
        for entry in accept.split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = parts.first?.lowercased() else { continue }
            var parameters: [String: String] = [:]
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { parameters[pair[0].lowercased()] = pair[1] }
            }
            guard type == "application/json" || type == "application/*" || type == "*/*" else { continue }
            if parameters["g"] == nil, parameters["as"] == nil { return nil }
            if parameters["g"] == "apidiscovery.k8s.io", parameters["as"] == "APIGroupDiscoveryList",
                let version = parameters["v"], version == "v2" || version == "v2beta1"
            {
                return version
            }
        }
        return nil
    }

    /// The content type of an aggregated discovery answer in `version`.
    static func aggregatedContentType(_ version: String) -> String {
        "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList"
    }

    /// The aggregated discovery document of the core group (`core`, for `/api`) or of every named group
    /// (for `/apis`): each group with its versions, preferred first, and each version's resources.
    static func aggregated(core: Bool, version: String, registry: ResourceRegistry) -> JSON {
        let items = registry.groups.filter { $0.group.isEmpty == core }.map { entry -> JSON in
            var metadata: JSON = ["creationTimestamp": .null]
            if !core { metadata["name"] = .string(entry.group) }
            let versions = entry.versions.map { groupVersion -> JSON in
                let resources = registry.all.filter { $0.group == entry.group && $0.version == groupVersion }
                    .map(aggregatedResource)
                return ["version": .string(groupVersion), "resources": .array(resources), "freshness": "Current"]
            }
            return ["metadata": metadata, "versions": .array(versions)]
        }
        return [
            "kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version)"),
            "metadata": [:], "items": .array(items),
        ]
    }

    /// One resource of an aggregated discovery document, with its subresources.
    static func aggregatedResource(_ type: ResourceType) -> JSON {
        var entry: JSON = [
            "resource": .string(type.resource),
            "responseKind": ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)],
            "scope": type.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(type.singularName),
            "verbs": .array(type.verbs.map { .string($0) }),
        ]
        if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
        if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
        if !type.subresources.isEmpty {
            entry["subresources"] = .array(type.subresources.map { sub -> JSON in
                let legacy = subresource(sub, of: type)
                return [
                    "subresource": .string(sub),
                    "responseKind": [
                        "group": legacy["group"] ?? .string(type.group), "version": legacy["version"] ?? .string(type.version),
                        "kind": legacy["kind"] ?? .string(type.kind),
                    ],
                    "verbs": legacy["verbs"] ?? [],
                ]
            })
        }
        return entry
    }
    static let version: JSON = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-proof-sim", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    static func apiVersions(port: Int) -> JSON {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string("127.0.0.1:\(port)")]],
        ]
    }

    static func group(_ name: String, versions: [String]) -> JSON {
        let entries: [JSON] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return [
            "kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(entries),
            "preferredVersion": entries.first ?? .null,
        ]
    }

    static func groupList(registry: ResourceRegistry) -> JSON {
        let groups = registry.groups.filter { !$0.group.isEmpty }.map { entry -> JSON in
            var group = group(entry.group, versions: entry.versions)
            group["kind"] = nil
            group["apiVersion"] = nil
            return group
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    static func resourceList(group: String, version: String, registry: ResourceRegistry) -> JSON {
        var resources: [JSON] = []
        for type in registry.all where type.group == group && type.version == version {
            var entry: JSON = [
                "name": .string(type.resource), "singularName": .string(type.singularName),
                "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                "verbs": .array(type.verbs.map { .string($0) }),
                "storageVersionHash": .string(String(Digest.sha256Hex(type.qualifiedResource).prefix(11))),
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
            resources.append(entry)
            for sub in type.subresources { resources.append(subresource(sub, of: type)) }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources),
        ]
    }

    /// The plain discovery entry of subresource `sub` of `type` (`deployments/scale`, `pods/log`, …).
    static func subresource(_ sub: String, of type: ResourceType) -> JSON {
        var entry: JSON = ["name": .string("\(type.resource)/\(sub)"), "singularName": "",
            "namespaced": .bool(type.namespaced), "kind": .string(type.kind), "verbs": ["get", "patch", "update"]]
        switch sub {
        case "scale":
            entry["group"] = "autoscaling"
            entry["version"] = "v1"
            entry["kind"] = "Scale"
        case "log":
            entry["verbs"] = ["get"]
        case "proxy":
            entry["kind"] = .string("\(type.kind)ProxyOptions")
            entry["verbs"] = ["create", "delete", "get", "patch", "update"]
        default: break
        }
        return entry
    }
}
