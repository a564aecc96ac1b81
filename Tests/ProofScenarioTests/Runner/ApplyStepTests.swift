import Foundation
import ProofCluster
import ProofCore
import ProofSim
import Testing

@testable import ProofScenario

/// The `apply` step is a three-way apply, as `kubectl apply`: what the manifest dropped is removed, what others
/// set is kept, and kubectl can take over from it (the last-applied annotation is shared).
@Suite struct ApplyStepTests {
    static func manifest(_ data: JSON) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "default"], "data": data]
    }

    @Test func aFieldDroppedFromTheManifestIsRemovedAndOthersEditsStay() async throws {
        let cluster = try await SimulatedCluster.start(SimOptions())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-apply-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let client = KubernetesClient(config: try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory]))
            let configMaps = try await client.resource(named: "configmaps")

            #expect(try await ApplyStep.apply(Self.manifest(["a": "1", "b": "2"]), namespace: nil, client: client) == "created ConfigMap default/settings")
            // Someone else adds a key and a label.
            _ = try await client.patch(configMaps, name: "settings", namespace: "default",
                patch: ["metadata": ["labels": ["owner": "someone"]], "data": ["c": "3"]], as: .merge)
            #expect(try await ApplyStep.apply(Self.manifest(["a": "10"]), namespace: nil, client: client) == "configured ConfigMap default/settings")
            var live = try #require(try await client.getIfPresent(configMaps, name: "settings", namespace: "default"))
            #expect(live["data"] == ["a": "10", "c": "3"], "b (dropped by the manifest) is gone, c (someone else's) stays")
            #expect(live[path: ["metadata", "labels", "owner"]] == "someone")
            let recorded = try #require(live[path: ["metadata", "annotations", ApplyStep.lastApplied]]?.stringValue)
            #expect(try JSON(parsing: Array(recorded.utf8)) == Self.manifest(["a": "10"]))

            // kubectl apply reads the same annotation: dropping `a` there removes it.
            let file = directory + "/settings.yaml"
            try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {d: \"4\"}\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await ExternalCommand.run(
                ["kubectl", "--kubeconfig", directory + "/kubeconfig", "apply", "-f", file], timeout: .seconds(30))
            #expect(result.exitCode == 0, "\(result.error)")
            live = try #require(try await client.getIfPresent(configMaps, name: "settings", namespace: "default"))
            #expect(live["data"] == ["c": "3", "d": "4"])
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
