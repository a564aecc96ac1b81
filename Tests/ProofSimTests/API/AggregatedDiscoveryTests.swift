import Foundation
import ProofCore
import ProofSim
import Testing

/// `/api` and `/apis` in the aggregated form (`apidiscovery.k8s.io/v2`), as kube-apiserver 1.30+ serves them
/// and kubectl asks for them first: the same resources as the per-group-version documents, in two answers.
@Suite("Aggregated discovery (apidiscovery.k8s.io/v2)")
struct AggregatedDiscoveryTests {
    static let v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    static let kubectlAccept = "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    @Test("every group version's resources and subresources are those of its plain document")
    func aggregatedMatchesThePlainDocuments() async throws {
        try await SimFixture.withCluster { _, client in
            let core = try await client.request("GET", "/api", accept: Self.kubectlAccept)
            let groups = try await client.request("GET", "/apis", accept: Self.kubectlAccept)
            for answer in [core, groups] {
                #expect(answer.status == 200)
                #expect(answer.headers["content-type"] == Self.v2, "protobuf is passed over; JSON v2 is the first it speaks")
                #expect(answer.json["kind"]?.stringValue == "APIGroupDiscoveryList")
                #expect(answer.json["apiVersion"]?.stringValue == "apidiscovery.k8s.io/v2")
            }
            let coreItems = try #require(core.json["items"]?.arrayValue)
            #expect(coreItems.count == 1)
            #expect(coreItems.first?[path: ["metadata", "name"]] == nil, "the core group has no name")

            // The plain documents, group by group, version by version, preferred first.
            let plainGroups = try await client.request("GET", "/apis").json["groups"]?.arrayValue ?? []
            let items = try #require(groups.json["items"]?.arrayValue)
            #expect(items.map { $0[path: ["metadata", "name"]]?.stringValue } == plainGroups.map { $0["name"]?.stringValue })
            var checked = 0
            for (group, item) in [("", coreItems[0])] + zip(plainGroups.map { $0["name"]?.stringValue ?? "" }, items) {
                let plainVersions = group.isEmpty ? ["v1"]
                    : (plainGroups.first { $0["name"]?.stringValue == group }?["versions"]?.arrayValue ?? []).compactMap { $0["version"]?.stringValue }
                let versions = item["versions"]?.arrayValue ?? []
                #expect(versions.compactMap { $0["version"]?.stringValue } == plainVersions, "\(group)")
                for version in versions {
                    let name = version["version"]?.stringValue ?? ""
                    #expect(version["freshness"]?.stringValue == "Current")
                    let path = group.isEmpty ? "/api/\(name)" : "/apis/\(group)/\(name)"
                    let plain = try await client.request("GET", path).json["resources"]?.arrayValue ?? []
                    try Self.expectSame(aggregated: version["resources"]?.arrayValue ?? [], plain: plain, group: group,
                        version: name)
                    checked += 1
                }
            }
            #expect(checked >= 15)
        }
    }

    /// `aggregated` describes exactly the resources of `plain` (an `APIResourceList`'s `resources`).
    static func expectSame(aggregated: [JSON], plain: [JSON], group: String, version: String) throws {
        let main = plain.filter { !($0["name"]?.stringValue ?? "").contains("/") }
        #expect(aggregated.map { $0["resource"]?.stringValue } == main.map { $0["name"]?.stringValue }, "\(group)/\(version)")
        for (entry, legacy) in zip(aggregated, main) {
            let resource = entry["resource"]?.stringValue ?? ""
            #expect(entry["responseKind"] == ["group": .string(group), "version": .string(version), "kind": legacy["kind"] ?? .null])
            #expect(entry["scope"]?.stringValue == (legacy["namespaced"]?.boolValue == true ? "Namespaced" : "Cluster"))
            #expect(entry["singularResource"] == legacy["singularName"])
            #expect(entry["verbs"] == legacy["verbs"])
            #expect(entry["shortNames"] == legacy["shortNames"])
            #expect(entry["categories"] == legacy["categories"])
            let subresources = plain.filter { ($0["name"]?.stringValue ?? "").hasPrefix(resource + "/") }
            let listed = entry["subresources"]?.arrayValue ?? []
            #expect(listed.map { "\(resource)/\($0["subresource"]?.stringValue ?? "")" } == subresources.map { $0["name"]?.stringValue ?? "" })
            for (sub, legacySub) in zip(listed, subresources) {
                #expect(sub["verbs"] == legacySub["verbs"])
                #expect(sub[path: ["responseKind", "kind"]] == legacySub["kind"])
                #expect(sub[path: ["responseKind", "group"]]?.stringValue == legacySub["group"]?.stringValue ?? group)
            }
        }
    }

    @Test("Accept decides the form: plain JSON first or alone gets the plain form; v2beta1 gets v2beta1")
    func negotiation() async throws {
        try await SimFixture.withCluster { _, client in
            let plain = try await client.request("GET", "/apis")
            #expect(plain.json["kind"]?.stringValue == "APIGroupList")
            #expect(plain.headers["content-type"] == "application/json")
            let plainFirst = try await client.request("GET", "/api", accept: "application/json," + Self.v2)
            #expect(plainFirst.json["kind"]?.stringValue == "APIVersions")
            let beta = try await client.request("GET", "/apis",
                accept: "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
            #expect(beta.json["apiVersion"]?.stringValue == "apidiscovery.k8s.io/v2beta1")
            #expect(beta.headers["content-type"] == "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
            let unknown = try await client.request("GET", "/apis",
                accept: "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json")
            #expect(unknown.json["kind"]?.stringValue == "APIGroupList", "a version it does not serve is passed over")
        }
    }

    @Test("kubectl discovers everything from the two aggregated documents", .tags(.kubectl))
    func kubectlUsesTheAggregatedDocuments() async throws {
        try await SimFixture.withCluster { _, client in
            let resources = try await client.runKubectl("api-resources", "-v=6")
            #expect(resources.status == 0, "\(resources.stderr)")
            for line in ["deployments", "applications", "servicemonitors", "horizontalpodautoscalers"] {
                #expect(resources.stdout.contains(line), "\(line) is listed")
            }
            let gets = resources.stderr.split(separator: "\n").filter { $0.contains("GET https://") }
            #expect(gets.contains { $0.contains("/api?") } && gets.contains { $0.contains("/apis?") }, "\(resources.stderr)")
            let perGroupVersion = gets.filter { $0.contains("/apis/") || $0.contains("/api/") }
            #expect(perGroupVersion.isEmpty, "no per-group-version discovery: \(perGroupVersion.joined(separator: "\n"))")
            // What kubectl read works: a short name and a group-qualified name resolve.
            let deploy = try await client.runKubectl("get", "deploy,hpa", "-A", "-o", "name")
            #expect(deploy.status == 0, "\(deploy.stderr)")
        }
    }
}
