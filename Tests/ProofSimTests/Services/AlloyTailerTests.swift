import Foundation
import ProofCluster
import ProofCore
@testable import ProofSim
import Testing

/// Alloy DaemonSets that read the same `config.alloy` on the same nodes are shipped as one tailer (one push per
/// batch); one with another config ships its own pods; a member that leaves hands its positions on.
@Suite("Alloy: DaemonSets with one config ship as one tailer")
struct AlloyTailerTests {
    typealias Positions = AlloyShipper.Positions

    @Test func aTailerStartsWhereItsFurthestBehindMemberStands() {
        let a = Positions.Key(pod: "p1", container: "c")
        let b = Positions.Key(pod: "p2", container: "c")
        let shared = Positions([a: 30, b: 25])
        #expect(Positions.earliest([shared, shared]) == [a: 30, b: 25])
        let behind = Positions([a: 21, b: 40])
        #expect(Positions.earliest([shared, behind]) == [a: 21, b: 25])
        // A member that never saw a container starts it from its first line.
        let partial = Positions([a: 50])
        #expect(Positions.earliest([shared, partial]) == [a: 30])
        // A member that never shipped starts everything from the first line.
        #expect(Positions.earliest([shared, nil]).isEmpty)
        #expect(Positions.earliest([nil, shared]).isEmpty)
        #expect(Positions.earliest([]).isEmpty)
    }

    @Test(.tags(.slow)) func anotherConfigShipsItsOwnPodsAndACopyGoesOnWhereTheOriginalStood() async throws {
        try await PlatformCluster.with(check)
    }

    private func check(_ platform: PlatformCluster) async throws {
        let client = platform.client
        let configMaps = try await client.resource(named: "configmaps")
        let daemonSets = try await client.resource(named: "daemonsets")
        let pods = try await client.resource(named: "pods")
        let loki = LokiClient.platform(client, environment: "dev")
        func count(_ namespace: String) async throws -> Int {
            let result = try await loki.query(#"sum(count_over_time({namespace="\#(namespace)"}[1h]))"#)
            return Int(result.series.first?.points.first?.value ?? 0)
        }
        #expect(try await count("monitoring-dev") == 0, "the platform's Alloy does not collect monitoring-dev")

        // A second config, the platform's with only monitoring-dev, and a copy of the platform's DaemonSet.
        let original = try await client.get(configMaps, name: "alloy-config", namespace: "baseline-dev")
        let text = try #require(original[path: ["data", "config.alloy"]]?.stringValue)
        let names = #"names = ["airflow-dev", "mlflow-dev", "fastapi-dev", "triton-dev", "feature-store-dev"]"#
        #expect(text.contains(names))
        let monitoring = text.replacingOccurrences(of: names, with: #"names = ["monitoring-dev"]"#)
        _ = try await client.create(configMaps, [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "alloy-config-monitoring", "namespace": "baseline-dev"],
            "data": ["config.alloy": .string(monitoring)],
        ], namespace: "baseline-dev")
        let platformAlloy = try await client.get(daemonSets, name: "alloy", namespace: "baseline-dev")
        func daemonSet(_ name: String, config: String) throws -> JSON {
            var spec = try #require(platformAlloy[path: ["spec", "template", "spec"]])
            var volumes = spec["volumes"]?.arrayValue ?? []
            let index = try #require(volumes.firstIndex { $0["name"]?.stringValue == "config" })
            volumes[index] = ["name": "config", "configMap": ["name": .string(config)]]
            spec.set(.array(volumes), at: ["volumes"])
            let labels: JSON = ["app.kubernetes.io/name": .string(name), "mlp.example/env": "dev"]
            return [
                "apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": ["name": .string(name), "namespace": "baseline-dev", "labels": labels],
                "spec": ["selector": ["matchLabels": labels], "template": ["metadata": ["labels": labels], "spec": spec]],
            ]
        }
        _ = try await client.create(daemonSets, try daemonSet("alloy-copy", config: "alloy-config"), namespace: "baseline-dev")
        _ = try await client.create(daemonSets, try daemonSet("alloy-monitoring", config: "alloy-config-monitoring"),
            namespace: "baseline-dev")
        try await platform.eventually("monitoring-dev's lines reach Loki, shipped by the DaemonSet whose config lists it") {
            try await count("monitoring-dev") > 0
        }
        try await platform.eventually("mlflow-dev's lines reach Loki") { try await count("mlflow-dev") >= 20 }
        try await platform.eventually("the copy's pods are Ready") {
            let copy = try await client.list(pods, namespace: "baseline-dev", labelSelector: "app.kubernetes.io/name=alloy-copy").items
            return copy.count == 3 && copy.allSatisfy(APIServer.isReady)
        }

        // Loki forgets everything; the original goes away. The copy, shipped with it, goes on from where they
        // stood: new lines arrive and the lines shipped before the loss are not sent again.
        let before = try await count("mlflow-dev")
        platform.cluster.chaos.lokiLosesData()
        try await client.delete(daemonSets, name: "alloy", namespace: "baseline-dev")
        let after = try await count("mlflow-dev")
        #expect(after < before)
        try await platform.eventually("new mlflow-dev lines arrive, shipped by the copy alone") {
            let alloy = try await client.list(pods, namespace: "baseline-dev", labelSelector: "app.kubernetes.io/name=alloy").items
            guard alloy.isEmpty else { return false }
            return try await count("mlflow-dev") > after
        }
        let now = try await count("mlflow-dev")
        #expect(now < before, "the copy did not ship again what was shipped before the loss: \(now) lines, \(before) before")
    }
}
