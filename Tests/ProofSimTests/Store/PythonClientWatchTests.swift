import Foundation
import ProofCore
import ProofSim
import Testing

/// The official Python `kubernetes` client (PyPI; `scripts/setup.sh` installs it when missing) against the
/// simulated cluster: selector watches and the ERROR/410 event of a watch from a compacted version.
@Suite("Python kubernetes client watches")
struct PythonClientWatchTests {
    static let script = #"""
        import json, sys
        from kubernetes import client, config, watch
        from kubernetes.client.rest import ApiException
        config.load_kube_config(config_file=sys.argv[1])
        v1 = client.CoreV1Api()
        rv = sys.argv[2]
        out = {"selector": [], "expired": None}
        for event in watch.Watch().stream(v1.list_namespaced_config_map, "default", label_selector="tier=a",
                                          resource_version=rv, timeout_seconds=1):
            out["selector"].append(event["type"] + " " + (event["object"].metadata.labels or {}).get("tier", "-"))
        try:
            for event in watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version="2",
                                              timeout_seconds=1):
                out["expired"] = "event " + event["type"]
                break
        except ApiException as error:
            out["expired"] = error.status
        print(json.dumps(out))
        """#

    @Test("a selector watch sees DELETED/ADDED as the label moves; a watch from a compacted version raises ApiException 410")
    func pythonClient() async throws {
        let probe = try await Client.run("/usr/bin/env", ["python3", "-c", "import kubernetes"])
        try #require(probe.status == 0, "the Python kubernetes client is missing: run scripts/setup.sh")
        try await SimFixture.withCluster { cluster, client in
            let path = "/api/v1/namespaces/default/configmaps"
            let merge = "application/merge-patch+json"
            _ = try await client.request("POST", path, body: ["apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": "py", "labels": ["tier": "a"]]])
            // Everything up to now is compacted (so resourceVersion 2 is too old); the selector watch starts
            // after that and sees the label move out and back in.
            cluster.state.compactEventLog()
            let latest = cluster.state.resourceVersion
            _ = try await client.request("PATCH", path + "/py", body: ["metadata": ["labels": ["tier": "b"]]], contentType: merge)
            _ = try await client.request("PATCH", path + "/py", body: ["metadata": ["labels": ["tier": "a"]]], contentType: merge)
            let result = try await Client.run("/usr/bin/env", ["python3", "-c", Self.script, client.kubeconfig, latest],
                environment: ["HOME": client.directory])
            #expect(result.status == 0, "\(result.stderr)")
            let output = try JSON(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(output["selector"] == ["DELETED b", "ADDED a"])
            #expect(output["expired"] == 410)
        }
    }
}
