import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCluster

/// Runs `body` against a freshly started simulated cluster, with a client made from its kubeconfig.
func withSimulatedCluster(
    _ options: SimOptions = SimOptions(), retry: RetryPolicy = RetryPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(100)),
    _ body: (SimulatedCluster, KubernetesClient) async throws -> Void
) async throws {
    let cluster = try await SimulatedCluster.start(options)
    let temp = try TempDirectory()
    do {
        let path = temp.path + "/kubeconfig"
        try cluster.writeKubeconfig(to: path)
        let config = try Kubeconfig.load(path: path, environment: ["HOME": temp.path])
        let client = KubernetesClient(config: config, options: HTTPClientOptions(retry: retry))
        try await body(cluster, client)
    } catch {
        await cluster.stop()
        throw error
    }
    await cluster.stop()
}

func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:], data: [String: String] = [:]) -> JSON {
    [
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": .string(name), "namespace": .string(namespace),
                     "labels": .object(labels.mapValues(JSON.string))],
        "data": .object(data.mapValues(JSON.string)),
    ]
}

@Suite("Kubernetes client against the simulated cluster")
struct SimulatedClusterTests {
    @Test func discoveryMapsKindsToResources() async throws {
        try await withSimulatedCluster { _, client in
            let discovery = try await client.discovery()
            let pods = try #require(discovery.resource(named: "po"))
            #expect(pods.apiVersion == "v1" && pods.namespaced && pods.supports("watch"))
            let namespaces = try #require(discovery.resource(apiVersion: "v1", kind: "Namespace"))
            #expect(!namespaces.namespaced)
            #expect(try await client.resource(apiVersion: "apps/v1", kind: "Deployment").name == "deployments")
            let error = await #expect(throws: ClusterError.self) {
                _ = try await client.resource(apiVersion: "example.com/v1", kind: "Nothing")
            }
            #expect(error?.isNotFound == true)
        }
    }

    @Test func aggregatedDiscoveryGivesWhatEveryGroupVersionsDocumentGives() async throws {
        try await withSimulatedCluster { _, client in
            let aggregated = try await client.discovery(refresh: true)
            let plain = try await client.discovery(refresh: true, accept: "application/json")
            #expect(aggregated.resources.count > 40)
            #expect(aggregated.resources == plain.resources)
            #expect(aggregated.preferredVersions == plain.preferredVersions)
            #expect(aggregated.failedGroupVersions.isEmpty && plain.failedGroupVersions.isEmpty)
        }
    }

    @Test func listStitchesPagesAndFiltersBySelector() async throws {
        try await withSimulatedCluster { _, client in
            let cms = try await client.resource(named: "configmaps")
            for index in 0..<25 {
                _ = try await client.create(configMap("page-\(index)", labels: ["proof-test": "paging"]))
            }
            _ = try await client.create(configMap("other", labels: ["proof-test": "other"]))
            let list = try await client.list(cms, namespace: "default", labelSelector: "proof-test=paging", pageSize: 10)
            #expect(list.items.count == 25)
            #expect(Set(list.items.compactMap { $0[path: ["metadata", "name"]]?.stringValue }).count == 25)
            #expect(list.items.allSatisfy { $0["kind"] == "ConfigMap" && $0["apiVersion"] == "v1" })
            #expect(!list.resourceVersion.isEmpty)
            let notOther = try await client.list(cms, namespace: "default", labelSelector: "proof-test in (other)")
            #expect(notOther.items.map { $0[path: ["metadata", "name"]] } == ["other"])
            let byName = try await client.list(cms, fieldSelector: "metadata.name=page-3")
            #expect(byName.items.count == 1)
        }
    }

    @Test("a list answer is written as the API server writes it: kind, apiVersion, metadata (its continue token), items")
    func listAnswerPutsMetadataBeforeItems() async throws {
        try await withSimulatedCluster { _, client in
            for index in 0..<3 { _ = try await client.create(configMap("order-\(index)", labels: ["t": "order"])) }
            let response = try await client.send(path: "/api/v1/namespaces/default/configmaps", query: [("labelSelector", "t=order"), ("limit", "2")])
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.hasPrefix(#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"continue":""#), "\(text.prefix(120))")
            let list = try JSON(parsing: response.body)
            #expect(list["items"]?.arrayValue?.count == 2)
            let head = response.body.withUnsafeBufferPointer { JSON.listHead($0) }
            #expect(head == .metadata(continueToken: list[path: ["metadata", "continue"]]?.stringValue))
        }
    }

    @Test("each next page is asked for from the continue token at the start of the answer before it, and the list is whole")
    func nextPageIsAskedForEarly() async throws {
        try await withSimulatedCluster { _, client in
            let cms = try await client.resource(named: "configmaps")
            for index in 0..<23 {
                _ = try await client.create(configMap(String(format: "early-%02d", index), labels: ["t": "early"], data: ["pad": String(repeating: "x", count: 3000)]))
            }
            var askedEarly = 0
            var names: [String] = []
            var pages = 0
            _ = try await client.listRawPages(cms, namespace: "default", labelSelector: "t=early", fieldSelector: nil, pageSize: 5, askedEarly: &askedEarly) { page, restarted in
                #expect(!restarted)
                pages += 1
                names += try page.items().compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            }
            #expect(pages == 5)
            #expect(askedEarly == 4, "every page after the first was asked for before the answer before it had arrived")
            #expect(names == (0..<23).map { String(format: "early-%02d", $0) })
        }
    }

    @Test func listRestartsWhenItsContinueTokenExpires() async throws {
        var options = SimOptions()
        options.continueTokenTTL = .milliseconds(200)
        try await withSimulatedCluster(options) { cluster, client in
            let cms = try await client.resource(named: "configmaps")
            for index in 0..<12 { _ = try await client.create(configMap("ttl-\(index)", labels: ["t": "ttl"])) }
            // Both first requests wait 300 ms: the second one's token (issued 300 ms earlier) has expired.
            cluster.faults.add(FaultRule(method: "GET", path: "/api/v1/namespaces/default/configmaps",
                                         action: .latency(milliseconds: 300), count: 2))
            let list = try await client.list(cms, namespace: "default", labelSelector: "t=ttl", pageSize: 5)
            #expect(list.items.count == 12)
            #expect(cluster.faults.active.isEmpty)
        }
    }

    @Test func writesGetPatchUpdateDelete() async throws {
        try await withSimulatedCluster { _, client in
            let cms = try await client.resource(named: "configmaps")
            let created = try await client.create(configMap("w", data: ["a": "1"]))
            #expect(created[path: ["metadata", "uid"]] != nil)
            let duplicate = await #expect(throws: ClusterError.self) { _ = try await client.create(configMap("w")) }
            #expect(duplicate?.isConflict == true && duplicate?.reason == "AlreadyExists")

            let merged = try await client.patch(cms, name: "w", patch: ["metadata": ["labels": ["x": "y"]]])
            #expect(merged[path: ["metadata", "labels", "x"]] == "y")
            let jsonPatched = try await client.patch(
                cms, name: "w", patch: [["op": "replace", "path": "/data/a", "value": "2"]], as: .json)
            #expect(jsonPatched[path: ["data", "a"]] == "2")

            var stale = created
            stale.set(.string("3"), at: ["data", "a"])
            let conflict = await #expect(throws: ClusterError.self) { _ = try await client.update(stale) }
            #expect(conflict?.isConflict == true)
            var fresh = try await client.get(cms, name: "w")
            fresh.set(.string("4"), at: ["data", "a"])
            #expect(try await client.update(fresh)[path: ["data", "a"]] == "4")

            try await client.delete(cms, name: "w", propagation: .foreground)
            let gone = await #expect(throws: ClusterError.self) { _ = try await client.get(cms, name: "w") }
            #expect(gone?.isNotFound == true)
            #expect(gone?.description.contains("/api/v1/namespaces/default/configmaps/w: HTTP 404 NotFound") == true)
            #expect(try await client.getIfPresent(cms, name: "w") == nil)
        }
    }

    @Test func watchSurvivesADroppedConnectionAndA410() async throws {
        try await withSimulatedCluster { cluster, client in
            let cms = try await client.resource(named: "configmaps")
            _ = try await client.create(configMap("keep-0"))
            _ = try await client.create(configMap("keep-1"))
            let initial = try await client.list(cms, namespace: "default")
            let path = "/api/v1/namespaces/default/configmaps"
            cluster.faults.add(FaultRule(path: path, action: .dropWatch(afterEvents: 1), count: 1))
            let iterator = client.watch(cms, namespace: "default", from: initial).makeAsyncIterator()

            _ = try await client.create(configMap("w-1"))
            let first = try #require(try await iterator.next())
            #expect(first.type == .added && first.object[path: ["metadata", "name"]] == "w-1")

            // The server ended that stream after one event. While we are away, things change, and the
            // resourceVersion we come back with is "too old".
            cluster.faults.add(FaultRule(path: path, action: .gone, count: 1))
            _ = try await client.create(configMap("w-2"))
            _ = try await client.patch(cms, name: "keep-0", patch: ["data": ["changed": "yes"]])
            try await client.delete(cms, name: "keep-1")

            var seen: [String: ProofCluster.WatchEvent.EventType] = [:]
            for _ in 0..<3 {
                let event = try #require(try await iterator.next())
                seen[event.object[path: ["metadata", "name"]]?.stringValue ?? "?"] = event.type
            }
            #expect(seen == ["w-2": .added, "keep-0": .modified, "keep-1": .deleted])
            #expect(cluster.faults.active.isEmpty, "both faults were met")

            // And the watch goes on from the re-list's resourceVersion.
            _ = try await client.create(configMap("w-3"))
            let after = try #require(try await iterator.next())
            #expect(after.type == .added && after.object[path: ["metadata", "name"]] == "w-3")
        }
    }

    /// A real server answers a watch from a compacted resourceVersion with HTTP 200 and one ERROR event holding
    /// a 410 Expired Status (not an HTTP 410): the watch re-lists and goes on.
    @Test func watchRelistsOnAnErrorEventHolding410() async throws {
        try await withSimulatedCluster { cluster, client in
            let cms = try await client.resource(named: "configmaps")
            _ = try await client.create(configMap("stay"))
            _ = try await client.create(configMap("leave"))
            let initial = try await client.list(cms, namespace: "default")
            _ = try await client.create(configMap("arrive"))
            _ = try await client.patch(cms, name: "stay", patch: ["data": ["changed": "yes"]])
            try await client.delete(cms, name: "leave")
            cluster.state.compactEventLog()
            let raw = try await client.send(path: "/api/v1/namespaces/default/configmaps",
                query: [("watch", "1"), ("resourceVersion", initial.resourceVersion)])
            #expect(raw.status == 200)
            #expect(String(decoding: raw.body, as: UTF8.self).contains(#""type":"ERROR""#))

            let iterator = client.watch(cms, namespace: "default", from: initial).makeAsyncIterator()
            var seen: [String: ProofCluster.WatchEvent.EventType] = [:]
            for _ in 0..<3 {
                let event = try #require(try await iterator.next())
                seen[event.object[path: ["metadata", "name"]]?.stringValue ?? "?"] = event.type
            }
            #expect(seen == ["arrive": .added, "stay": .modified, "leave": .deleted])
            _ = try await client.create(configMap("after"))
            let after = try #require(try await iterator.next())
            #expect(after.type == .added && after.object[path: ["metadata", "name"]] == "after")
        }
    }

    @Test func watchWithoutAListStartsWithTheExistingObjects() async throws {
        try await withSimulatedCluster { _, client in
            let cms = try await client.resource(named: "configmaps")
            _ = try await client.create(configMap("exists", namespace: "kube-system"))
            let iterator = client.watch(cms, namespace: "kube-system").makeAsyncIterator()
            var names: [String] = []
            while !names.contains("exists") {
                let event = try #require(try await iterator.next())
                #expect(event.type == .added)
                names.append(event.object[path: ["metadata", "name"]]?.stringValue ?? "")
            }
        }
    }

    @Test func retriesThroughInjected503And429ButNeverRepeatsAPOST() async throws {
        try await withSimulatedCluster { cluster, client in
            let cms = try await client.resource(named: "configmaps")
            let path = "/api/v1/namespaces/default/configmaps"
            cluster.faults.add(FaultRule(method: "GET", path: path, action: .status(code: 503, retryAfterSeconds: nil), count: 2))
            #expect(try await client.list(cms, namespace: "default").type == cms)
            cluster.faults.add(FaultRule(method: "GET", path: path, action: .status(code: 429, retryAfterSeconds: 0), count: 2))
            _ = try await client.list(cms, namespace: "default")
            #expect(cluster.faults.active.isEmpty)

            // 429 means "not handled": a POST may be sent again.
            cluster.faults.add(FaultRule(method: "POST", path: path, action: .status(code: 429, retryAfterSeconds: 0), count: 1))
            _ = try await client.create(configMap("after-429"))
            #expect(try await client.getIfPresent(cms, name: "after-429") != nil)

            // 503 on a POST may have been handled: it is reported, not repeated.
            cluster.faults.add(FaultRule(method: "POST", path: path, action: .status(code: 503, retryAfterSeconds: nil), count: 1))
            let error = await #expect(throws: ClusterError.self) { _ = try await client.create(configMap("after-503")) }
            #expect(error?.status == 503 && error?.reason == "ServiceUnavailable")
            #expect(try await client.getIfPresent(cms, name: "after-503") == nil, "a repeated POST would have created it")
        }
    }

    @Test func wrongTokenIsUnauthorizedWithAHint() async throws {
        try await withSimulatedCluster { cluster, _ in
            let client = KubernetesClient(config: ClusterConfig(
                server: cluster.url, tls: TLSOptions(certificateAuthorityPEM: Array(cluster.caPEM.utf8)),
                authentication: .bearerToken("wrong")))
            let error = await #expect(throws: ClusterError.self) { _ = try await client.json(path: "/api/v1/namespaces") }
            #expect(error?.status == 401, "\(String(describing: error))")
            #expect(error?.hint?.contains("credentials") == true)
            #expect(error?.description.contains("wrong") == false)
        }
    }
}
