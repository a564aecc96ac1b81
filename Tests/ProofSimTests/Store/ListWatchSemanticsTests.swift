import Foundation
import ProofCore
@testable import ProofSim
import Synchronization
import Testing

/// Issue 11 §6: lists and watches as a real kube-apiserver serves them (kubernetes.io api-concepts
/// "Resource versions", "Watch bookmarks", "Streaming lists"; apiserver field label conversion functions).
@Suite("Lists and watches like a real API server")
struct ListWatchSemanticsTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    static func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = [:]) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": .object(labels.mapValues(JSON.string))],
            "data": .object(data.mapValues(JSON.string))]
    }

    @Test("a selector watch gets DELETED when an object leaves the selection and ADDED when it enters")
    func selectorWatchTransitions() async throws {
        try await SimFixture.withCluster { _, client in
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("tiered", labels: ["tier": "a"]))
            let rv = try #require(try await client.request("GET", Self.configMaps).json[path: ["metadata", "resourceVersion"]]?.stringValue)
            let merge = "application/merge-patch+json"
            _ = try await client.request("PATCH", Self.configMaps + "/tiered", body: ["data": ["x": "1"]], contentType: merge)
            _ = try await client.request("PATCH", Self.configMaps + "/tiered", body: ["metadata": ["labels": ["tier": "b"]]], contentType: merge)
            _ = try await client.request("PATCH", Self.configMaps + "/tiered", body: ["data": ["x": "2"]], contentType: merge)
            _ = try await client.request("PATCH", Self.configMaps + "/tiered", body: ["metadata": ["labels": ["tier": "a"]]], contentType: merge)
            _ = try await client.request("DELETE", Self.configMaps + "/tiered")
            let watch = try await client.request("GET", Self.configMaps + "?watch=1&labelSelector=tier%3Da&resourceVersion=\(rv)&timeoutSeconds=1")
            let events = watch.lines.map { "\($0["type"]?.stringValue ?? "?") \($0[path: ["object", "metadata", "labels", "tier"]]?.stringValue ?? "-")" }
            #expect(events == ["MODIFIED a", "DELETED b", "ADDED a", "DELETED a"])
        }
    }

    @Test("kubectl get -w -l shows an object leaving and entering the selection")
    func kubectlSelectorWatch() async throws {
        try await SimFixture.withCluster { cluster, client in
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("moving", labels: ["tier": "a"]))
            let watch = try client.kubectlInBackground("get", "configmaps", "-n", "default", "-l", "tier=a", "-w", "--output-watch-events")
            defer { watch.stop() }
            #expect(await watch.waitFor { $0.contains("ADDED") && $0.contains("moving") })
            let merge = "application/merge-patch+json"
            _ = try await client.request("PATCH", Self.configMaps + "/moving", body: ["metadata": ["labels": ["tier": "b"]]], contentType: merge)
            #expect(await watch.waitFor { $0.contains("DELETED") })
            _ = try await client.request("PATCH", Self.configMaps + "/moving", body: ["metadata": ["labels": ["tier": "a"]]], contentType: merge)
            #expect(await watch.waitFor { $0.components(separatedBy: "ADDED").count == 3 }, "\(watch.output())")
            _ = cluster
        }
    }

    @Test("list resourceVersion: NotOlderThan serves the latest, Exact rebuilds the past, 422 for a match without a version, 410 when compacted, 504 in the future")
    func listResourceVersions() async throws {
        try await SimFixture.withCluster({ $0.timing.resourceVersionWait = .milliseconds(200) }) { cluster, client in
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("versioned", data: ["v": "1"]))
            let before = try await client.request("GET", Self.configMaps).json
            let rv = try #require(before[path: ["metadata", "resourceVersion"]]?.stringValue)
            _ = try await client.request("PATCH", Self.configMaps + "/versioned", body: ["data": ["v": "2"]], contentType: "application/merge-patch+json")
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("later"))
            func names(_ list: JSON) -> [String] { (list["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue } }
            func version(_ list: JSON, _ name: String) -> String? {
                list["items"]?.arrayValue?.first { $0[path: ["metadata", "name"]] == .string(name) }?[path: ["data", "v"]]?.stringValue
            }

            let exact = try await client.request("GET", Self.configMaps + "?resourceVersion=\(rv)&resourceVersionMatch=Exact")
            #expect(exact.status == 200)
            #expect(exact.json[path: ["metadata", "resourceVersion"]]?.stringValue == rv)
            #expect(exact.json == before, "an Exact list is the list as it was")
            #expect(version(exact.json, "versioned") == "1" && !names(exact.json).contains("later"))
            // A version with limit and no match is Exact too (the legacy paging rule).
            let paged = try await client.request("GET", Self.configMaps + "?resourceVersion=\(rv)&limit=500").json
            #expect(version(paged, "versioned") == "1")

            let notOlder = try await client.request("GET", Self.configMaps + "?resourceVersion=\(rv)&resourceVersionMatch=NotOlderThan").json
            #expect(version(notOlder, "versioned") == "2" && names(notOlder).contains("later"))
            #expect(Int(notOlder[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0 > Int(rv)!)

            for query in ["resourceVersionMatch=NotOlderThan", "resourceVersionMatch=Exact&resourceVersion=0", "resourceVersionMatch=Newest&resourceVersion=1"] {
                let refused = try await client.request("GET", Self.configMaps + "?" + query)
                #expect(refused.status == 422, "\(query)")
                #expect(refused.json["reason"] == "Invalid")
            }
            let future = try await client.request("GET", Self.configMaps + "?resourceVersion=999999999&resourceVersionMatch=NotOlderThan")
            #expect(future.status == 504)
            #expect(future.json["message"]?.stringValue?.hasPrefix("Timeout: Too large resource version: 999999999, current: ") == true)
            #expect(future.json["reason"] == "Timeout")
            #expect(future.json[path: ["details", "causes"]] == [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]])
            #expect(future.json[path: ["details", "retryAfterSeconds"]] == 1)
            #expect(future.headers["retry-after"] == "1")

            cluster.state.compactEventLog()
            let expired = try await client.request("GET", Self.configMaps + "?resourceVersion=\(rv)&resourceVersionMatch=Exact")
            #expect(expired.status == 410)
            #expect(expired.json["reason"] == "Expired")
        }
    }

    @Test("a list at a resourceVersion the store has not reached waits for it and then answers with the write that reached it")
    func listWaitsForAFutureResourceVersion() async throws {
        try await SimFixture.withCluster({ $0.timing.resourceVersionWait = .seconds(20) }) { cluster, client in
            let next = (Int64(cluster.state.resourceVersion) ?? 0) + 1
            let pending = Task { try await client.request("GET", Self.configMaps + "?resourceVersion=\(next)&resourceVersionMatch=NotOlderThan") }
            // Once the server holds the list, waiting, a write reaches the version.
            #expect(try await eventually { cluster.state.resourceVersionWaiters.withLock { $0 } == 1 })
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("arrives"))
            let answer = try await pending.value
            #expect(answer.status == 200, "\(answer.json)")
            #expect(answer.json["items"]?.arrayValue?.contains { $0[path: ["metadata", "name"]] == "arrives" } == true)
            #expect(Int64(answer.json[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0 >= next)
        }
    }

    @Test("a watch from a compacted resourceVersion answers 200 and one ERROR event holding a 410 Expired Status, shaped as a real server's")
    func watchFromCompactedVersion() async throws {
        try await SimFixture.withCluster { cluster, client in
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("old"))
            cluster.state.compactEventLog()
            let watch = try await client.request("GET", Self.configMaps + "?watch=1&resourceVersion=2")
            #expect(watch.status == 200)
            let lines = watch.lines
            #expect(lines.count == 1)
            let event = try #require(lines.first)
            // The corpus sample (wso2/apk#571): {"type":"ERROR","object":{Status …}}.
            let sample = try JSON(parsing: #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 657887 (680402)","reason":"Expired","code":410}}"#)
            #expect(event["type"] == "ERROR")
            let keys = Set((event["object"]?.objectValue ?? [:]).keys)
            let sampleKeys = Set((sample["object"]?.objectValue ?? [:]).keys)
            #expect(keys == sampleKeys)
            #expect(event[path: ["object", "code"]] == 410 && event[path: ["object", "reason"]] == "Expired")
            #expect(event[path: ["object", "message"]]?.stringValue?.hasPrefix("too old resource version: 2 (") == true)
        }
    }

    @Test("sendInitialEvents: the current objects as ADDED, then a BOOKMARK annotated k8s.io/initial-events-end; 422 without NotOlderThan or bookmarks")
    func sendInitialEvents() async throws {
        try await SimFixture.withCluster { _, client in
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("first"))
            _ = try await client.request("POST", Self.configMaps, body: Self.configMap("second"))
            let query = "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1"
            let lines = try await client.request("GET", Self.configMaps + query).lines
            let adds = lines.prefix { $0["type"] == "ADDED" }
            let added = Set(adds.compactMap { $0[path: ["object", "metadata", "name"]]?.stringValue })
            #expect(added.contains("first") && added.contains("second"))
            let end = try #require(lines.dropFirst(adds.count).first)
            #expect(end["type"] == "BOOKMARK")
            #expect(end[path: ["object", "metadata", "annotations", "k8s.io/initial-events-end"]] == "true")
            let endVersion = Int(end[path: ["object", "metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0
            #expect(adds.allSatisfy { Int($0[path: ["object", "metadata", "resourceVersion"]]?.stringValue ?? "") ?? .max <= endVersion })

            for bad in ["?watch=1&sendInitialEvents=true&allowWatchBookmarks=true", "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
                "?watch=1&resourceVersionMatch=NotOlderThan&resourceVersion=1"]
            {
                #expect(try await client.request("GET", Self.configMaps + bad).status == 422, "\(bad)")
            }
        }
    }

    @Test("field selectors: metadata.name and per-type fields work; an unsupported field is 400 'field label not supported'")
    func fieldSelectors() async throws {
        try await SimFixture.withCluster { _, client in
            let byName = try await client.request("GET", "/api/v1/namespaces/airflow-dev/configmaps?fieldSelector=metadata.name%3Dairflow-config")
            #expect(byName.status == 200 && byName.json["items"]?.arrayValue?.count == 1)
            #expect(try await client.request("GET", "/api/v1/pods?fieldSelector=status.phase%3DRunning").status == 200)
            for path in ["/api/v1/configmaps?fieldSelector=data.executor%3DLocalExecutor", "/api/v1/pods?fieldSelector=spec.containers%3Dx",
                "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.labels%3Dx"]
            {
                let refused = try await client.request("GET", path)
                #expect(refused.status == 400, "\(path)")
                #expect(refused.json["message"]?.stringValue?.hasPrefix("field label not supported: ") == true)
            }
        }
    }

    @Test("garbage collection removes an object whose owner does not exist, on create and when an update points it at one")
    func orphansAreCollected() async throws {
        try await SimFixture.withCluster { _, client in
            let owner: JSON = [["apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "00000000-0000-0000-0000-00000000dead"]]
            var orphan = Self.configMap("orphan")
            orphan.set(owner, at: ["metadata", "ownerReferences"])
            #expect(try await client.request("POST", Self.configMaps, body: orphan).status == 201)
            #expect(try await client.request("GET", Self.configMaps + "/orphan").status == 404)

            // An owner that exists keeps its dependent; pointing the dependent at a missing owner collects it.
            let parent = try await client.request("POST", Self.configMaps, body: Self.configMap("parent")).json
            var child = Self.configMap("child")
            child.set([["apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": parent[path: ["metadata", "uid"]] ?? .null]],
                at: ["metadata", "ownerReferences"])
            #expect(try await client.request("POST", Self.configMaps, body: child).status == 201)
            #expect(try await client.request("GET", Self.configMaps + "/child").status == 200)
            _ = try await client.request("PATCH", Self.configMaps + "/child", body: ["metadata": ["ownerReferences": owner]],
                contentType: "application/merge-patch+json")
            #expect(try await client.request("GET", Self.configMaps + "/child").status == 404)
        }
    }

    @Test("lists stay in namespace/name order through creates and deletes, the kept key order re-made after each")
    func listOrderThroughCreatesAndDeletes() throws {
        let state = SimState()
        for namespace in ["default", "b", "a-b"] {
            try state.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        }
        let configMaps = try #require(state.registry.type(group: "", version: "v1", resource: "configmaps"))
        func names(_ filter: ObjectFilter? = nil) -> [String] {
            state.list(configMaps, filter: filter).items.map {
                "\($0[path: ["metadata", "namespace"]]?.stringValue ?? "")/\($0[path: ["metadata", "name"]]?.stringValue ?? "")"
            }
        }
        var expected: [String] = []
        for (index, name) in ["zeta", "alpha", "mu", "beta", "omega", "kappa"].enumerated() {
            let namespace = ["default", "b", "a-b"][index % 3]
            try state.create(Self.configMap(name).settingNamespace(namespace))
            expected.append("\(namespace)/\(name)")
            #expect(names() == expected.sorted(), "after creating \(name)")
        }
        _ = try state.delete(configMaps, namespace: "b", name: "alpha")
        expected.removeAll { $0 == "b/alpha" }
        #expect(names() == expected.sorted())
        try state.create(Self.configMap("alpha").settingNamespace("default"))
        expected.append("default/alpha")
        #expect(names() == expected.sorted())
        #expect(names(try ObjectFilter(namespace: "default")) == expected.filter { $0.hasPrefix("default/") }.sorted())
        #expect(names(try ObjectFilter(namespace: "a")) == [], "a namespace that is a prefix of another's name")
        // An update keeps the order (and the kept keys) as they are.
        var updated = try state.get(configMaps, namespace: "default", name: "zeta")
        updated["data"] = ["k": "v"]
        _ = try state.update(updated)
        #expect(names() == expected.sorted())
    }

    @Test("history is bounded in time: a watch from a version older than the window gets 410")
    func historyWindow() throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_000_000))
        let state = SimState(eventHistory: .seconds(300), now: { clock.withLock { $0 } })
        try state.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "default"]])
        let configMaps = try #require(state.registry.type(group: "", version: "v1", resource: "configmaps"))
        try state.create(Self.configMap("early").settingNamespace("default"))
        let early = state.resourceVersion
        _ = try state.watch(configMaps, filter: nil, from: early)
        clock.withLock { $0 += 200 }
        try state.create(Self.configMap("middle").settingNamespace("default"))
        #expect(throws: Never.self) { _ = try state.watch(configMaps, filter: nil, from: early) }
        clock.withLock { $0 += 400 }
        try state.create(Self.configMap("late").settingNamespace("default"))
        #expect(throws: SimError.self) { _ = try state.watch(configMaps, filter: nil, from: early) }
        #expect(state.oldestWatchableResourceVersion > Int64(early)!)
    }
}

extension JSON {
    fileprivate func settingNamespace(_ namespace: String) -> JSON {
        var copy = self
        copy.set(.string(namespace), at: ["metadata", "namespace"])
        return copy
    }
}
