import Foundation
import ProofCore
import ProofSim
import Testing

/// The wire protocol over real HTTPS, without kubectl: pagination, watch, conflicts, errors, auth.
@Suite("Kubernetes API over raw HTTP")
struct RawAPITests {
    @Test("limit/continue pages share the list resourceVersion and stitch to the unpaged list")
    func pagination() async throws {
        try await SimFixture.withCluster { _, client in
            let full = try await client.request("GET", "/api/v1/events").json
            let all = full["items"]?.arrayValue ?? []
            #expect(all.count > 5)
            var stitched: [JSON] = []
            var token: String?
            var versions: Set<String> = []
            repeat {
                let query = "limit=3" + (token.map { "&continue=\($0)" } ?? "")
                let page = try await client.request("GET", "/api/v1/events?\(query)")
                #expect(page.status == 200)
                stitched += page.json["items"]?.arrayValue ?? []
                versions.insert(page.json[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
                token = page.json[path: ["metadata", "continue"]]?.stringValue
                // Writes between pages do not change what the pages show.
                _ = try await client.request("POST", "/api/v1/namespaces/default/configmaps",
                    body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "between-"]])
            } while token != nil && stitched.count < 10_000
            #expect(versions.count == 1)
            #expect(versions.first == full[path: ["metadata", "resourceVersion"]]?.stringValue || versions.count == 1)
            #expect(stitched.map { $0[path: ["metadata", "uid"]] } == all.map { $0[path: ["metadata", "uid"]] })
        }
    }

    @Test("an expired continue token gets 410 Expired")
    func continueExpires() async throws {
        try await SimFixture.withCluster({ $0.continueTokenTTL = .milliseconds(200) }) { _, client in
            let page = try await client.request("GET", "/api/v1/pods?limit=1").json
            let token = try #require(page[path: ["metadata", "continue"]]?.stringValue)
            try await Task.sleep(for: .milliseconds(300))
            let expired = try await client.request("GET", "/api/v1/pods?limit=1&continue=\(token)")
            #expect(expired.status == 410)
            #expect(expired.json["reason"]?.stringValue == "Expired")
        }
    }

    @Test("watch from the list resourceVersion streams later changes; from a compacted one gets an ERROR event with 410")
    func watchSemantics() async throws {
        try await SimFixture.withCluster({ $0.eventLogCapacity = 50 }) { cluster, client in
            let list = try await client.request("GET", "/api/v1/namespaces/default/configmaps").json
            let rv = try #require(list[path: ["metadata", "resourceVersion"]]?.stringValue)
            try cluster.state.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "watched", "namespace": "default"]])
            let watch = try await client.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(rv)&timeoutSeconds=1")
            #expect(watch.status == 200)
            let events = watch.lines
            #expect(events.first?["type"]?.stringValue == "ADDED")
            #expect(events.first?[path: ["object", "metadata", "name"]]?.stringValue == "watched")

            // As a real server: HTTP 200, then one ERROR event holding the 410 Expired Status.
            let gone = try await client.request("GET", "/api/v1/pods?watch=1&resourceVersion=2")
            #expect(gone.status == 200)
            #expect(gone.lines.count == 1)
            #expect(gone.lines.first?["type"]?.stringValue == "ERROR")
            #expect(gone.lines.first?[path: ["object", "code"]] == 410)
            #expect(gone.lines.first?[path: ["object", "reason"]]?.stringValue == "Expired")
            #expect(gone.lines.first?[path: ["object", "kind"]]?.stringValue == "Status")

            // Without a resourceVersion: synthetic ADDED for what exists, then bookmarks when allowed.
            let synthetic = try await client.request("GET", "/api/v1/namespaces/airflow-dev/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=2")
            let types = synthetic.lines.compactMap { $0["type"]?.stringValue }
            #expect(types.prefix(2) == ["ADDED", "ADDED"])
            #expect(types.contains("BOOKMARK"))
        }
    }

    @Test("stale PUT gets 409 Conflict; missing object 404 Status; duplicate create 409 AlreadyExists; wrong token 401")
    func errors() async throws {
        try await SimFixture.withCluster { _, client in
            let path = "/api/v1/namespaces/airflow-dev/configmaps/airflow-config"
            var object = try await client.request("GET", path).json
            let staleRV = object[path: ["metadata", "resourceVersion"]]
            object.set(["executor": "Celery"], at: ["data"])
            #expect(try await client.request("PUT", path, body: object).status == 200)
            object.set(staleRV, at: ["metadata", "resourceVersion"])
            let stale = try await client.request("PUT", path, body: object)
            #expect(stale.status == 409)
            #expect(stale.json["reason"]?.stringValue == "Conflict")

            let missing = try await client.request("GET", "/api/v1/namespaces/airflow-dev/configmaps/nope")
            #expect(missing.status == 404)
            #expect(missing.json["kind"]?.stringValue == "Status")
            #expect(missing.json["reason"]?.stringValue == "NotFound")
            #expect(missing.json[path: ["details", "name"]]?.stringValue == "nope")

            let duplicate = try await client.request("POST", "/api/v1/namespaces/airflow-dev/configmaps",
                body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "airflow-config"]])
            #expect(duplicate.status == 409)
            #expect(duplicate.json["reason"]?.stringValue == "AlreadyExists")

            let unauthorized = try await client.request("GET", "/api/v1/namespaces", token: "wrong")
            #expect(unauthorized.status == 401)
            #expect(unauthorized.json["reason"]?.stringValue == "Unauthorized")
            #expect(!unauthorized.text.contains(client.token))

            let dryRun = try await client.request("POST", "/api/v1/namespaces/airflow-dev/configmaps?dryRun=All",
                body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "dry"]])
            #expect(dryRun.status == 201)
            #expect(try await client.request("GET", "/api/v1/namespaces/airflow-dev/configmaps/dry").status == 404)

            let apply = try await client.request("PATCH", path, body: ["data": ["x": "y"]], contentType: "application/apply-patch+yaml")
            // Server-side apply is served (AdmissionConformanceTests); without a fieldManager a real server refuses
            // the PatchOptions: 422 `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: …`.
            #expect(apply.status == 422 && apply.text.contains("fieldManager: Required value: is required for apply patch"), "\(apply.text)")
        }
    }

    @Test("JSON patch, strategic merge of containers, status subresource keeps spec")
    func patches() async throws {
        try await SimFixture.withCluster { _, client in
            let path = "/apis/apps/v1/namespaces/airflow-dev/deployments/airflow-web"
            let json = try await client.request("PATCH", path, body: [["op": "replace", "path": "/spec/replicas", "value": 1]],
                contentType: "application/json-patch+json")
            #expect(json.status == 200)
            #expect(json.json[path: ["spec", "replicas"]]?.intValue == 1)
            let strategic = try await client.request("PATCH", path,
                body: ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "apache/airflow:2.10.0"]]]]]],
                contentType: "application/strategic-merge-patch+json")
            let containers = strategic.json[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            #expect(containers.count == 1)
            #expect(containers.first?["image"]?.stringValue == "apache/airflow:2.10.0")
            #expect(containers.first?["ports"] != nil, "strategic merge keeps the other fields of the merged container")
            #expect(strategic.json[path: ["metadata", "generation"]]?.intValue == 3)
        }
    }

    @Test("owner references: Foreground and Background delete dependents; Orphan keeps them; StatefulSet PVCs stay")
    func garbageCollection() async throws {
        try await SimFixture.withCluster { cluster, client in
            let rsList = try await client.request("GET", "/apis/apps/v1/namespaces/airflow-dev/replicasets").json["items"]?.arrayValue ?? []
            #expect(rsList.count == 1)
            let orphan = try await client.request("DELETE", "/apis/apps/v1/namespaces/airflow-dev/deployments/airflow-web",
                body: ["propagationPolicy": "Orphan"])
            #expect(orphan.status == 200)
            let kept = try await client.request("GET", "/apis/apps/v1/namespaces/airflow-dev/replicasets").json["items"]?.arrayValue ?? []
            #expect(kept.count == 1)
            #expect(kept.first?[path: ["metadata", "ownerReferences"]] == nil)

            let rsName = try #require(kept.first?[path: ["metadata", "name"]]?.stringValue)
            let foreground = try await client.request("DELETE", "/apis/apps/v1/namespaces/airflow-dev/replicasets/\(rsName)",
                body: ["propagationPolicy": "Foreground"])
            #expect([200, 202].contains(foreground.status))
            let drained = await eventually {
                cluster.state.list(BuiltIn.pods, filter: try? ObjectFilter(namespace: "airflow-dev")).items.isEmpty
                    && (try? cluster.state.get(BuiltIn.replicaSets, namespace: "airflow-dev", name: rsName)) == nil
            }
            #expect(drained)

            let claims = cluster.state.list(BuiltIn.persistentVolumeClaims).items
            #expect(claims.map { $0[path: ["metadata", "name"]]?.stringValue } == ["storage-loki-0"])
            #expect(claims.first?[path: ["status", "phase"]]?.stringValue == "Bound")
            #expect(try await client.request("DELETE", "/apis/apps/v1/namespaces/baseline-dev/statefulsets/loki").status == 200)
            let podsGone = await eventually {
                (try? cluster.state.get(BuiltIn.pods, namespace: "baseline-dev", name: "loki-0")) == nil
            }
            #expect(podsGone)
            #expect(cluster.state.list(BuiltIn.persistentVolumeClaims).items.count == 1, "PVCs outlive their StatefulSet")
        }
    }

    @Test("finalizers hold an object with a deletionTimestamp until removed")
    func finalizers() async throws {
        try await SimFixture.withCluster { cluster, client in
            let created = try await client.request("POST", "/api/v1/namespaces/default/configmaps", body: [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": "held", "finalizers": ["example.com/hold"]],
            ])
            #expect(created.status == 201)
            let deleting = try await client.request("DELETE", "/api/v1/namespaces/default/configmaps/held")
            // 200 with the object, as a real server answers (202 only for the old orphanDependents=false).
            #expect(deleting.status == 200)
            #expect(deleting.json[path: ["metadata", "deletionTimestamp"]] != nil)
            #expect(try await client.request("GET", "/api/v1/namespaces/default/configmaps/held").status == 200)
            let released = try await client.request("PATCH", "/api/v1/namespaces/default/configmaps/held",
                body: ["metadata": ["finalizers": nil]], contentType: "application/merge-patch+json")
            #expect(released.status == 200)
            #expect(try await client.request("GET", "/api/v1/namespaces/default/configmaps/held").status == 404)
            _ = cluster
        }
    }

    @Test("discovery lists every required group and resource")
    func discovery() async throws {
        try await SimFixture.withCluster { _, client in
            let groups = try await client.request("GET", "/apis").json["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(groups).isSuperset(of: ["apps", "networking.k8s.io", "argoproj.io", "monitoring.coreos.com"]))
            let core = try await client.request("GET", "/api/v1").json["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(core).isSuperset(of: ["namespaces", "nodes", "pods", "pods/log", "services", "services/proxy", "endpoints",
                "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims", "persistentvolumes", "events"]))
            let argo = try await client.request("GET", "/apis/argoproj.io/v1alpha1").json["resources"]?.arrayValue ?? []
            #expect(argo.contains { $0["name"]?.stringValue == "applications" && $0["shortNames"]?.arrayValue?.contains("app") == true })
            let version = try await client.request("GET", "/version").json
            #expect(version["major"]?.stringValue == "1")
        }
    }
}
