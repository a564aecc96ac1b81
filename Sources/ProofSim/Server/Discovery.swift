import ProofCore

/// The discovery documents: `/version`, `/api`, `/apis`, `/apis/G`, `/api/v1`, `/apis/G/V`.
///
/// The aggregated (v2) discovery `Accept` is answered with the plain forms, which client-go accepts
/// silently and then falls back to per-group-version discovery.
enum Discovery {
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
            for sub in type.subresources {
                var subEntry: JSON = ["name": .string("\(type.resource)/\(sub)"), "singularName": "",
                    "namespaced": .bool(type.namespaced), "kind": .string(type.kind), "verbs": ["get", "patch", "update"]]
                switch sub {
                case "scale":
                    subEntry["group"] = "autoscaling"
                    subEntry["version"] = "v1"
                    subEntry["kind"] = "Scale"
                case "log":
                    subEntry["verbs"] = ["get"]
                case "proxy":
                    subEntry["kind"] = .string("\(type.kind)ProxyOptions")
                    subEntry["verbs"] = ["create", "delete", "get", "patch", "update"]
                default: break
                }
                resources.append(subEntry)
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources),
        ]
    }
}
