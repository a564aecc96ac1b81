import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Testing

/// The run's timeline (watch events between captures) misses nothing a step does: the first step waits until
/// every timeline kind has been listed, so each watch starts before the step's changes.
@Suite("Timeline readiness")
struct TimelineReadinessTests {
    @Test("a step's change is a timeline event even when the timeline's list answers late")
    func aSlowTimelineListDoesNotSwallowTheFirstStep() async throws {
        try await CaptureCacheTests.with { cluster, client, store, directory in
            // The timeline's Namespace list answers after 1.5 s (the capture lists ConfigMaps only). Without the
            // wait, the step creates the namespace before that list is read: the namespace is in the list and no
            // ADDED event is ever recorded.
            cluster.faults.add(FaultRule(method: "GET", path: "/api/v1/namespaces", action: .latency(milliseconds: 1500), count: 1))
            let scenario = """
                apiVersion: proof.gitops/v1alpha1
                kind: Scenario
                metadata: {name: timeline-ready, description: Creates a namespace right after the start capture.}
                spec:
                  environment: dev
                  capture: {kinds: [ConfigMap], loki: []}
                  steps:
                    - apply:
                        manifests:
                          - {apiVersion: v1, kind: Namespace, metadata: {name: timeline-demo}}
                    - sleep: {duration: 700ms}
                """
            let runner = ScenarioRunner(client: client, store: store, options: .init(timeline: true))
            let result = try await runner.run(try Scenario.decode(scenario, file: directory + "/timeline.yaml"))
            #expect(cluster.faults.active.isEmpty, "the delayed list was made")
            let events = try await store.watchEvents(run: result.run)
            #expect(
                events.contains { $0.type == "ADDED" && $0.identity?.kind == "Namespace" && $0.identity?.name == "timeline-demo" },
                "\(events.map { "\($0.type) \($0.identity.map { "\($0.kind)/\($0.name)" } ?? "-")" })")
        }
    }
}
