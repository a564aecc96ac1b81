import ArgumentParser
import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Testing

@testable import ProofCommands

/// A scenario recorded with the HTTP recorder on, then re-run offline against the cassette server, gives the
/// same findings (the harness is tested against exactly what the cluster answered).
@Suite struct CassetteScenarioTests {
    static let scenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: cassette-demo, description: Apply a ConfigMap and see it.}
        spec:
          environment: dev
          capture: {kinds: [configmaps, namespaces], namespaces: [default], loki: [{environment: dev, defaults: false}]}
          invariants:
            - id: config-present
              description: The ConfigMap exists after the apply.
              at: [after]
              present: {match: {kind: ConfigMap, namespace: default, name: demo}}
            - id: config-absent-before
              description: Not before.
              at: [before]
              absent: {match: {kind: ConfigMap, namespace: default, name: demo}}
          steps:
            - capture: {label: before}
            - apply: {manifests: [{apiVersion: v1, kind: ConfigMap, metadata: {name: demo, namespace: default}, data: {k: v}}]}
            - capture: {label: after}
        """

    static func findings(_ store: EvidenceStore, _ run: RunID) async throws -> [String] {
        try await store.findings(run: run).map { "\($0.invariantID) \($0.status.rawValue) \($0.message)" }
    }

    @Test func aRecordedScenarioReplaysOfflineToTheSameFindings() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cassette.yaml").path
        try Self.scenario.write(toFile: file, atomically: true, encoding: .utf8)
        let scenario = try Scenario.load(path: file)
        let store = try EvidenceStore.open(path: directory.appendingPathComponent("e.sqlite").path)

        // Live, recording.
        let sim = try await SimulatedCluster.start(SimOptions())
        let simConfig = directory.appendingPathComponent("sim.kubeconfig").path
        try sim.writeKubeconfig(to: simConfig)
        let recorder = CassetteRecorder()
        var options = HTTPClientOptions()
        options.recorder = recorder
        let live = ScenarioRunner(
            client: KubernetesClient(config: try Kubeconfig.load(path: simConfig), options: options), store: store,
            options: .init(timeline: false))
        let first = try await live.run(scenario)
        await sim.stop()
        #expect(first.exitCode == 0, "\(first.message)")
        // The runner does not save the cassette yet; it goes into a run of its own here.
        let cassette = try await store.beginRun(RunInfo(scenario: "cassette-of-\(first.run.short)", environment: "dev"))
        #expect(try await CassetteRecording.save(recorder, to: store, run: cassette) > 0)
        try await store.finishRun(cassette, status: .passed, exitCode: 0)

        // Offline, against the cassette.
        let (_, entries) = try await CassetteEntry.load(run: cassette.rawValue, store: store)
        let server = try await CassetteServer.start(entries: entries, pace: 0)
        let replayConfig = directory.appendingPathComponent("replay.kubeconfig").path
        try server.writeKubeconfig(to: replayConfig)
        let offline = ScenarioRunner(
            client: KubernetesClient(config: try Kubeconfig.load(path: replayConfig)), store: store, options: .init(timeline: false))
        let second = try await offline.run(scenario)
        await server.stop()
        #expect(server.unexpected.isEmpty, "\(server.unexpected)")
        #expect(second.exitCode == first.exitCode)
        #expect(try await Self.findings(store, second.run) == Self.findings(store, first.run))
        #expect(try await Self.findings(store, first.run).contains { $0.hasPrefix("config-present held") })
    }
}
