import Foundation
import ProofCore
import ProofSim
import Testing

/// Issue 11 §1: `dryRun=All` is honoured on every verb, in the query string and in a DELETE's `DeleteOptions`
/// body; nothing is stored, no resourceVersion is spent, no watch event is sent.
@Suite("dryRun=All changes nothing", .tags(.kubectl), .serialized)
struct DryRunTests {
    /// What a dry run must leave untouched: the store's resourceVersion and the objects it names.
    static func fingerprint(_ cluster: SimulatedCluster) throws -> [String] {
        let state = cluster.state
        let deployments = try #require(state.registry.type(group: "apps", version: "v1", resource: "deployments"))
        let configMaps = try #require(state.registry.type(group: "", version: "v1", resource: "configmaps"))
        let deployment = try state.get(deployments, namespace: "airflow-dev", name: "airflow-web")
        let configMap = try state.get(configMaps, namespace: "airflow-dev", name: "airflow-config")
        let created = try? state.get(configMaps, namespace: "airflow-dev", name: "dry-new")
        return [state.resourceVersion, deployment.canonicalString, configMap.canonicalString, created?.canonicalString ?? "absent"]
    }

    @Test("kubectl --dry-run=server on create, apply, patch, replace, delete, scale and label stores nothing")
    func kubectlServerDryRun() async throws {
        try await SimFixture.withCluster({ $0.timing.bookmarkInterval = .seconds(3600) }) { cluster, client in
            let manifest = client.directory + "/dry-new.yaml"
            try """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: dry-new, namespace: airflow-dev}
                data: {a: "1"}
                """.write(toFile: manifest, atomically: true, encoding: .utf8)
            let replacement = client.directory + "/airflow-config.yaml"
            try """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: airflow-config, namespace: airflow-dev}
                data: {executor: CeleryExecutor}
                """.write(toFile: replacement, atomically: true, encoding: .utf8)
            let commands: [[String]] = [
                ["create", "-f", manifest],
                ["apply", "-f", manifest],
                ["patch", "configmap", "airflow-config", "-n", "airflow-dev", "--type=merge", "-p", #"{"data":{"executor":"K8s"}}"#],
                ["replace", "-f", replacement],
                ["delete", "configmap", "airflow-config", "-n", "airflow-dev"],
                ["delete", "deployment", "airflow-web", "-n", "airflow-dev"],
                ["scale", "deployment", "airflow-web", "-n", "airflow-dev", "--replicas=5"],
                ["label", "configmap", "airflow-config", "-n", "airflow-dev", "dry=run"],
            ]
            for command in commands {
                // The cluster's own controllers may still write meanwhile (Argo CD's periodic refresh, 120 s apart,
                // comes round when a loaded machine makes this test slow): a dry run whose objects stayed as they
                // were but whose resourceVersion moved is tried again, after the cluster settles, up to three
                // times. A dry run that stores anything, or spends a resourceVersion, does so every time.
                var attempts = 0
                while true {
                    attempts += 1
                    // Let the controllers settle so nothing else moves the resourceVersion meanwhile.
                    try await cluster.waitUntilSettled(timeout: .seconds(20))
                    let before = try Self.fingerprint(cluster)
                    let result = try await Client.run("/usr/bin/kubectl", command + ["--dry-run=server"],
                        environment: ["KUBECONFIG": client.kubeconfig, "HOME": client.directory])
                    #expect(result.status == 0, "kubectl \(command.joined(separator: " ")) --dry-run=server: \(result.stderr)")
                    // kubectl marks its output "(server dry run)", except `kubectl patch`, which prints "patched" only.
                    if command[0] != "patch" {
                        #expect(result.stdout.contains("(server dry run)"), "kubectl \(command.joined(separator: " ")): \(result.stdout)")
                    }
                    let after = try Self.fingerprint(cluster)
                    if after == before { break }
                    let onlyTheVersionMoved = after.dropFirst() == before.dropFirst()
                    if !onlyTheVersionMoved || attempts == 3 {
                        Issue.record("kubectl \(command.joined(separator: " ")) --dry-run=server changed the store (attempt \(attempts)): \(before) → \(after)")
                        break
                    }
                }
            }
        }
    }

    @Test("raw HTTP: dryRun=All in the query on POST, PUT, PATCH, DELETE, deletecollection, scale and finalize; in the DeleteOptions body; other values 422 Invalid")
    func rawDryRun() async throws {
        try await SimFixture.withCluster({ $0.timing.bookmarkInterval = .seconds(3600) }) { cluster, client in
            try await cluster.waitUntilSettled(timeout: .seconds(20))
            let before = try Self.fingerprint(cluster)
            let configMaps = "/api/v1/namespaces/airflow-dev/configmaps"
            let created = try await client.request("POST", configMaps + "?dryRun=All",
                body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "dry-new"]])
            #expect(created.status == 201)
            #expect(created.json[path: ["metadata", "uid"]] != nil)
            var current = try await client.request("GET", configMaps + "/airflow-config").json
            current.set(["executor": "Dry"], at: ["data"])
            #expect(try await client.request("PUT", configMaps + "/airflow-config?dryRun=All", body: current).json[path: ["data", "executor"]] == "Dry")
            let patched = try await client.request("PATCH", configMaps + "/airflow-config?dryRun=All", body: ["data": ["executor": "Dry"]],
                contentType: "application/merge-patch+json")
            #expect(patched.json[path: ["data", "executor"]] == "Dry")
            #expect(try await client.request("DELETE", configMaps + "/airflow-config?dryRun=All").status == 200)
            // kubectl and client-go send dryRun in the DeleteOptions body.
            let bodyDelete = try await client.request("DELETE", configMaps + "/airflow-config",
                body: ["kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"], "propagationPolicy": "Background"])
            #expect(bodyDelete.status == 200)
            #expect(try await client.request("DELETE", "/apis/apps/v1/namespaces/airflow-dev/deployments/airflow-web",
                body: ["kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]]).status == 200)
            let collection = try await client.request("DELETE", configMaps + "?dryRun=All")
            #expect((collection.json["items"]?.arrayValue ?? []).count >= 1)
            #expect(try await client.request("PATCH", "/apis/apps/v1/namespaces/airflow-dev/deployments/airflow-web/scale?dryRun=All",
                body: ["spec": ["replicas": 7]], contentType: "application/merge-patch+json").json[path: ["spec", "replicas"]] == 7)
            #expect(try Self.fingerprint(cluster) == before)

            // A namespace's finalize subresource honours it too.
            var namespace = try await client.request("GET", "/api/v1/namespaces/airflow-dev").json
            namespace.set([], at: ["spec", "finalizers"])
            _ = try await client.request("PUT", "/api/v1/namespaces/airflow-dev/finalize?dryRun=All", body: namespace)
            #expect(try await client.request("GET", "/api/v1/namespaces/airflow-dev").json[path: ["spec", "finalizers"]] == ["kubernetes"])

            let createBody: JSON = ["metadata": ["name": "x"]]
            let deleteBody: JSON = ["kind": "DeleteOptions", "dryRun": ["Everything"]]
            for (method, path, body) in [("POST", configMaps + "?dryRun=Some", createBody), ("DELETE", configMaps + "/airflow-config", deleteBody)] {
                let refused = try await client.request(method, path, body: body)
                #expect(refused.status == 422)
                #expect(refused.json["reason"] == "Invalid")
                #expect(refused.json["message"]?.stringValue?.contains("dryRun: Unsupported value") == true)
                #expect(refused.json[path: ["details", "causes"]]?[0]?["field"] == "dryRun")
            }
            #expect(try Self.fingerprint(cluster) == before)
        }
    }
}
