import Foundation
import ProofCluster
import ProofCore
import ProofReport
import ProofScenario
import ProofStore
import Testing

@testable import ProofCommands

/// The run lifecycle against one embedded simulated cluster: an interrupted run is closed as aborted with
/// its evidence and its `finally`; a wait that times out reports what it last saw; step kinds do their work.
@Suite(.serialized) struct RunLifecycleTests {
    static let platform = RunTests.path("scenarios/platform")

    static func withCluster<T>(_ body: (ClusterConnection, EvidenceStore) async throws -> T) async throws -> T {
        let directory = try RunTests.temporaryDirectory()
        let connection = try await ClusterConnection.open(try ClusterOptions.parse([]), platformDirectory: platform)
        do {
            let store = try EvidenceStore.open(path: directory.appendingPathComponent("e.sqlite").path)
            let result = try await body(connection, store)
            await connection.close()
            try? FileManager.default.removeItem(at: directory)
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    static func scenario(_ rawSteps: String, finally: String = "[]", invariants: String = "[]") throws -> Scenario {
        // A block list goes on its own lines, indented under `spec.steps`.
        let steps = rawSteps.contains("\n")
            ? "\n" + rawSteps.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") : rawSteps
        return try Scenario.decode("""
            apiVersion: proof.gitops/v1alpha1
            kind: Scenario
            metadata: {name: lifecycle, description: Lifecycle test.}
            spec:
              environment: dev
              capture: {kinds: [Namespace, Deployment, Application], namespaces: [fastapi-dev, argocd]}
              invariants: \(invariants)
              steps: \(steps)
              finally: \(finally)
            """, file: RunTests.path("scenarios/lifecycle-test.yaml"))
    }

    @Test func anInterruptedRunIsAbortedKeepsItsEvidenceAndRunsFinally() async throws {
        try await Self.withCluster { connection, store in
            let scenario = try Self.scenario(
                "[{capture: {label: before-sleep}}, {sleep: {duration: 60s}}, {capture: {label: never}}]",
                finally: "[{name: cleanup, scale: {target: {kind: Deployment, namespace: fastapi-dev, name: fastapi}, replicas: 1}}]")
            let runner = ScenarioRunner(
                client: connection.client, store: store, options: .init(gitopsRepository: connection.argoCD?.repository.path, timeline: false))
            let task = Task { try await runner.run(scenario) }
            // Cancel once the sleep step is running (after the before-sleep capture is stored).
            while true {
                if let run = try await store.runs().first, try await store.snapshots(run: run.id).count >= 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let result = try await task.value
            #expect(result.status == .aborted && result.exitCode == 3)
            let run = try #require(try await store.run(result.run))
            #expect(run.status == .aborted && run.exitCode == 3 && run.finishedAt != nil)
            let labels = try await store.snapshots(run: result.run).map(\.label)
            #expect(labels == ["start", "before-sleep", "end"])
            let steps = try await store.steps(run: result.run)
            try #require(steps.map(\.phase) == ["main", "main", "main", "finally"])
            #expect(steps.last?.name == "cleanup" && steps.last?.status == .passed)
            #expect(steps[2].status == .skipped)
            #expect(try await store.verifyIntegrity(run: result.run).isEmpty)
        }
    }

    /// A wait that times out is a failed step (the cluster answered but did not get there: exit 1, not 3). The
    /// runner captures the cluster as the step left it (`failed-step`), and the invariants of the capture the
    /// run never reached are judged there, so the proof says what was wrong, not only that a wait timed out.
    @Test func aWaitThatTimesOutReportsWhatItLastSaw() async throws {
        try await Self.withCluster { connection, store in
            let scenario = try Self.scenario("""
                [{name: "five replicas in {{environment}}", wait: {field: {kind: Deployment, namespace: fastapi-dev, name: fastapi, path: spec.replicas, equals: 5}}, timeout: 1s}, {capture: {label: scaled}}]
                """, invariants: """
                [{id: five-replicas, description: Five FastAPI replicas., at: [scaled], field: {match: {kind: Deployment, namespace: fastapi-dev, name: fastapi}, path: spec.replicas, equals: 5}}]
                """)
            let runner = ScenarioRunner(client: connection.client, store: store, options: .init(timeline: false))
            let result = try await runner.run(scenario)
            #expect(result.exitCode == 1 && result.status == .failed)
            #expect(try await store.snapshots(run: result.run).map(\.label) == ["start", "failed-step", "end"])
            let finding = try #require(result.findings.first { $0.invariantID == "five-replicas" })
            #expect(finding.status == .failed && finding.actual?["value"] == 1 && finding.message.contains("expected"))
            #expect(result.findings.filter { $0.invariantID == "five-replicas" }.count == 1, "judged at failed-step only")
            let step = try #require(result.steps.first { $0.kind == "wait" })
            #expect(step.status == .timeout)
            #expect(step.name == "five replicas in dev", "variables are filled into step names")
            // CI sees the timed-out step in the JUnit, not only the findings.
            let junit = JUnitReport.render([try await ProofInput.load(from: store, run: result.run)])
            #expect(junit.contains(#"<testcase name="step 1: five replicas in dev" classname="lifecycle.steps""#))
            #expect(junit.contains(#"type="wait timeout""#))
            #expect(step.message?.contains("fastapi-dev/fastapi: spec.replicas is 1, expected 5") == true)
            let lastSeen = step.detail?.value(atDottedPath: "result.lastSeen")?.arrayValue ?? []
            #expect(lastSeen.first?["name"]?.stringValue == "fastapi")
            #expect(!(try await store.diagnostics(run: result.run)).isEmpty, "a failure collects diagnostics")
        }
    }

    @Test func stepKindsAgainstTheSimulatedCluster() async throws {
        try await Self.withCluster { connection, store in
            let scenario = try Self.scenario("""
                - apply: {manifests: [{apiVersion: v1, kind: ConfigMap, metadata: {name: proof-test, namespace: fastapi-dev}, data: {a: "1"}}]}
                - patch: {target: {kind: ConfigMap, namespace: fastapi-dev, name: proof-test}, patch: {data: {a: "2"}}}
                - wait: {field: {kind: ConfigMap, namespace: fastapi-dev, name: proof-test, path: data.a, equals: "2"}}
                - apply: {manifests: [{apiVersion: apps/v1, kind: Deployment, metadata: {name: proof-web, namespace: fastapi-dev}, spec: {replicas: 1, selector: {matchLabels: {app: proof-web}}, template: {metadata: {labels: {app: proof-web}}, spec: {containers: [{name: web, image: nginx}]}}}}]}
                - scale: {target: {kind: Deployment, namespace: fastapi-dev, name: proof-web}, replicas: 2}
                - wait: {rollout: {kind: Deployment, namespace: fastapi-dev, name: proof-web}}
                - wait: {count: {kind: Pod, namespace: fastapi-dev, labels: app=proof-web, equal: 2}}
                - restart: {target: {kind: Deployment, namespace: fastapi-dev, name: proof-web}, mode: rollout}
                - wait: {rollout: {kind: Deployment, namespace: fastapi-dev, name: proof-web}}
                - restart: {target: {kind: Deployment, namespace: fastapi-dev, name: proof-web}}
                - wait: {count: {kind: Pod, namespace: fastapi-dev, labels: app=proof-web, equal: 2}}
                - delete: {target: {kind: ConfigMap, namespace: fastapi-dev, name: proof-test}, mustExist: true}
                - wait: {absent: {kind: ConfigMap, namespace: fastapi-dev, name: proof-test}}
                - git: {file: core/envs/dev/fastapi/fastapi.yaml, document: {kind: Deployment}, set: {metadata.annotations.proof/touched: "yes"}, message: touch fastapi}
                - refresh: {app: fastapi-dev}
                - wait: {app: {name: fastapi-dev, revision: "{{commit}}"}}
                  timeout: 30s
                - sync: {app: fastapi-dev}
                - http: {service: {namespace: fastapi-dev, name: fastapi, port: "8080"}, path: /healthz}
                - http: {service: {namespace: mlflow-dev, name: mlflow, port: "5000"}, path: "/api/2.0/mlflow/registered-models/alias?name=mlp-model&alias=champion", json: {model_version.version: "1"}, save: {champion: model_version.version}}
                - exec: {command: [sh, -c, "echo champion={{champion}}"], expectOutput: champion=1}
                - expect: {id: fastapi-present, description: FastAPI exists., present: {match: {kind: Deployment, namespace: fastapi-dev, name: fastapi}}}
                - sleep: {duration: 10ms}
                - capture: {label: done}
                - detach: {app: root-optional}
                - wait: {absent: {kind: Application, namespace: argocd, name: root-optional}}
                - attach: {app: root-optional}
                - wait: {app: {name: "feast-*", min: 2}}
                  timeout: 60s
                """)
            let runner = ScenarioRunner(
                client: connection.client, store: store, options: .init(gitopsRepository: connection.argoCD?.repository.path, timeline: false))
            let result = try await runner.run(scenario)
            let failed = result.steps.filter { $0.status != .passed }.map { "\($0.sequence) \($0.kind): \($0.message ?? "")" }
            #expect(failed.isEmpty, "\(failed)")
            #expect(result.exitCode == 0, "\(result.message)")
            #expect(Set(result.steps.map(\.kind)).count == 16, "every kind but rollback (see scenarios/rollback.yaml)")
        }
    }
}
