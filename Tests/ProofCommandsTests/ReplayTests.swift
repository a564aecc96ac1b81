import ArgumentParser
import Foundation
import ProofCluster
import ProofCore
import ProofReport
import ProofScenario
import ProofSim
import ProofStore
import Testing

@testable import ProofCommands

/// Recorded runs built through the store's own API, as the runner records them: captures, the invariant
/// results evaluated at each, and the run closed with its exit code. Shared by the evidence command tests.
enum EvidenceFixture {
    static let scenarioText = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: fixture-toggle, description: Detach keeps the namespace and removes Redis.}
        spec:
          environment: dev
          invariants:
            - id: namespace-kept
              description: feature-store-dev survives.
              namespaceKept: {names: [feature-store-dev], since: before}
            - id: redis-gone
              description: Redis is removed while detached.
              at: [after]
              absent: {match: {kind: StatefulSet, namespace: feature-store-dev, name: redis}}
          steps:
            - capture: {label: before}
            - capture: {label: after}
        """

    /// A temporary directory with the scenario file.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proof-evidence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try scenarioText.write(to: url.appendingPathComponent("fixture.yaml"), atomically: true, encoding: .utf8)
        return url
    }

    static func namespace(_ name: String, uid: String) -> JSON {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name), "uid": .string(uid), "resourceVersion": "1"], "status": ["phase": "Active"]]
    }

    static func redis(resourceVersion: String = "5") -> JSON {
        ["apiVersion": "apps/v1", "kind": "StatefulSet",
         "metadata": ["name": "redis", "namespace": "feature-store-dev", "uid": "sts-1", "resourceVersion": .string(resourceVersion)],
         "spec": ["replicas": 1]]
    }

    /// A ReplicaSet-owned pod with a template hash and random suffix.
    static func pod(hash: String, suffix: String, image: String = "feast:1", resourceVersion: String = "7") -> JSON {
        ["apiVersion": "v1", "kind": "Pod",
         "metadata": [
            "name": .string("web-\(hash)-\(suffix)"), "generateName": .string("web-\(hash)-"), "namespace": "feature-store-dev",
            "uid": .string("pod-\(suffix)"), "resourceVersion": .string(resourceVersion), "creationTimestamp": "2026-11-27T10:00:00Z",
            "labels": ["app": "web", "pod-template-hash": .string(hash)],
            "ownerReferences": [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": .string("web-\(hash)"), "uid": .string("rs-\(hash)")]],
         ],
         "spec": ["containers": [["name": "web", "image": .string(image)]]],
         "status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True", "lastTransitionTime": "2026-11-27T10:00:05Z"]]]]
    }

    /// Records one run of the fixture scenario. `redisRemoved: false` makes `redis-gone` fail (exit 1).
    @discardableResult
    static func record(
        into store: EvidenceStore, scenarioFile: String, redisRemoved: Bool = true, podSuffix: String = "abcde",
        recordInvariants: Bool = true
    ) async throws -> RunID {
        let scenario = try Scenario.load(path: scenarioFile)
        var attributes: [String: JSON] = ["file": .string(scenarioFile), "description": .string(scenario.description)]
        if recordInvariants { attributes["invariants"] = .array(scenario.invariants.map(\.source)) }
        let run = try await store.beginRun(RunInfo(
            scenario: scenario.name, scenarioDigest: scenario.digest, environment: "dev", cluster: "fixture",
            command: "proof run fixture.yaml", harnessVersion: "test", attributes: .object(attributes)))
        let before = [namespace("feature-store-dev", uid: "ns-1"), redis(), pod(hash: "7d9f8", suffix: podSuffix)]
        var after = [namespace("feature-store-dev", uid: "ns-1"), pod(hash: "7d9f8", suffix: podSuffix)]
        if !redisRemoved { after.append(redis(resourceVersion: "9")) }
        var captures: [CapturedState] = []
        var failed = false
        for (label, objects) in [("before", before), ("after", after)] {
            let step = try await store.recordStep(
                StepRecord(name: "capture \(label)", kind: "capture", startedAt: Date(), finishedAt: Date(), status: .passed), run: run)
            let written = try await store.writeSnapshot(run: run, label: label, objects: objects, step: step)
            let state = try await CapturedState.load(from: store, snapshot: written.snapshot)
            let findings = InvariantEvaluator.evaluate(scenario.invariants, in: EvaluationContext(current: state, earlier: captures))
            captures.append(state)
            failed = failed || findings.contains { $0.status != .held }
            _ = try await store.recordFindings(findings.map { $0.record(snapshot: written.snapshot.id, step: step) }, run: run)
        }
        try await store.finishRun(run, status: failed ? .failed : .passed, exitCode: failed ? 1 : 0)
        return run
    }

    /// Runs `sqlite3` on a store (tests tamper with rows the way only a tool dropping triggers could).
    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw EvidenceInputError("sqlite3 failed: \(sql)") }
    }
}

/// `proof replay`: the recorded findings come back without a cluster, with the live run's exit codes.
@Suite struct ReplayTests {
    @Test func aPassingRunReplaysToTheSameFindingsAndExitZero() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let run = try await EvidenceFixture.record(into: store, scenarioFile: directory.appendingPathComponent("fixture.yaml").path)
        let result = try await Replayer(store: store).replay(run, source: .recorded)
        #expect(result.exitCode == 0)
        #expect(result.matchesRecord, "differences: \(result.differences)")
        #expect(result.results.map(\.finding.invariantID) == ["namespace-kept", "redis-gone"])
        #expect(result.results.allSatisfy { $0.finding.status == .held })
        let command = try Proof.Replay.parse([run.rawValue, "--db", db, "--quiet"])
        #expect(try await command.execute() == 0)
    }

    @Test func aFailingRunReplaysToTheSameFindingAndExitOne() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let run = try await EvidenceFixture.record(into: store, scenarioFile: directory.appendingPathComponent("fixture.yaml").path, redisRemoved: false)
        let result = try await Replayer(store: store).replay(run, source: .recorded)
        #expect(result.exitCode == 1)
        #expect(result.matchesRecord, "differences: \(result.differences)")
        let failure = try #require(result.failures.first)
        #expect(failure.finding.invariantID == "redis-gone" && failure.label == "after")
        #expect(failure.finding.object?.name == "redis")
        // Markdown and JUnit of the replay come out like a live run's.
        let out = directory.appendingPathComponent("proof").path
        let junit = directory.appendingPathComponent("junit.xml").path
        let command = try Proof.Replay.parse([String(run.rawValue.suffix(8)), "--db", db, "--markdown", out, "--junit", junit, "--quiet"])
        #expect(try await command.execute() == 1)
        let proof = try #require(try FileManager.default.subpathsOfDirectory(atPath: out).first { $0.hasSuffix(".md") && !$0.hasSuffix("README.md") })
        let text = try String(contentsOfFile: out + "/" + proof, encoding: .utf8)
        #expect(text.contains("FAILED") && text.contains("redis-gone"))
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<failure"))
    }

    @Test func anUpdatedScenarioIsJudgedAgainstEveryRecordedRun() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let file = directory.appendingPathComponent("fixture.yaml").path
        try await EvidenceFixture.record(into: store, scenarioFile: file)
        try await EvidenceFixture.record(into: store, scenarioFile: file, redisRemoved: false)
        // The invariant is relaxed: Redis may stay. Both runs now pass, and the replay names what changed.
        let relaxed = directory.appendingPathComponent("relaxed.yaml").path
        try EvidenceFixture.scenarioText.replacingOccurrences(of: "absent: {match:", with: "present: {match:")
            .replacingOccurrences(of: "name: redis}}", with: "name: web-*}}")
            .replacingOccurrences(of: "kind: StatefulSet, namespace", with: "kind: Pod, namespace")
            .write(toFile: relaxed, atomically: true, encoding: .utf8)
        let replay = try Proof.Replay.parse(["--all", "--scenario", relaxed, "--db", db, "--quiet"])
        #expect(try await replay.execute() == 0)
        let result = try await Replayer(store: store).replay(try await store.runs()[1].id, source: .scenario(try Scenario.load(path: relaxed)))
        #expect(!result.matchesRecord && result.differences.contains { $0.hasPrefix("- ") && $0.contains("[redis-gone] failed") })
        // Recorded invariants: one run fails, so --all exits 1.
        #expect(try await Proof.Replay.parse(["--all", "--db", db, "--quiet"]).execute() == 1)
    }

    @Test func recordedInvariantsFallBackToTheUnchangedScenarioFileAndRefuseAChangedOne() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let file = directory.appendingPathComponent("fixture.yaml").path
        let run = try await EvidenceFixture.record(into: store, scenarioFile: file, recordInvariants: false)
        #expect(try await Replayer(store: store).replay(run, source: .recorded).matchesRecord)
        try EvidenceFixture.scenarioText.replacingOccurrences(of: "feature-store-dev survives.", with: "Kept.")
            .write(toFile: file, atomically: true, encoding: .utf8)
        await #expect(throws: ReplayError.self) { try await Replayer(store: store).replay(run, source: .recorded) }
        let command = try Proof.Replay.parse([run.rawValue, "--db", db])
        await #expect(throws: ExitCode(2)) { try await command.run() }
    }

    @Test func aRunnerRecordedRunReplaysByItsRecordedInvariantsWhenTheScenarioAndIncludesAreGone() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("with-include.yaml").path
        let include = directory.appendingPathComponent("shared.yaml").path
        try """
            invariants:
              - id: default-kept
                description: The default namespace survives.
                namespaceKept: {names: [default], since: before}
            """.write(toFile: include, atomically: true, encoding: .utf8)
        try """
            apiVersion: proof.gitops/v1alpha1
            kind: Scenario
            metadata: {name: include-demo, description: Invariants of the file and of an include.}
            spec:
              environment: dev
              include: [shared.yaml]
              capture: {kinds: [configmaps, namespaces], namespaces: [default], loki: [{environment: dev, defaults: false}]}
              invariants:
                - id: config-present
                  description: The ConfigMap exists after the apply.
                  at: [after]
                  present: {match: {kind: ConfigMap, namespace: default, name: demo}}
              steps:
                - capture: {label: before}
                - apply: {manifests: [{apiVersion: v1, kind: ConfigMap, metadata: {name: demo, namespace: default}, data: {k: v}}]}
                - capture: {label: after}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let scenario = try Scenario.load(path: file)
        let store = try EvidenceStore.open(path: directory.appendingPathComponent("e.sqlite").path)
        let sim = try await SimulatedCluster.start(SimOptions())
        let config = directory.appendingPathComponent("sim.kubeconfig").path
        try sim.writeKubeconfig(to: config)
        let result = try await ScenarioRunner(
            client: KubernetesClient(config: try Kubeconfig.load(path: config)), store: store, options: .init(timeline: false)
        ).run(scenario)
        await sim.stop()
        #expect(result.exitCode == 0, "\(result.message)")
        // The resolved declarations (include expanded) are in the run's attributes.
        let run = try #require(try await store.run(result.run))
        let recorded = try #require(run.info.attributes["invariants"]?.arrayValue)
        #expect(recorded.compactMap { $0["id"]?.stringValue } == ["config-present", "default-kept"])

        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.removeItem(atPath: include)
        let replay = try await Replayer(store: store).replay(result.run, source: .recorded)
        #expect(replay.matchesRecord, "differences: \(replay.differences)")
        #expect(Set(replay.results.map(\.finding.invariantID)) == ["config-present", "default-kept"])
        #expect(replay.exitCode == 0)
        let command = try Proof.Replay.parse([String(result.run.rawValue.suffix(8)), "--db", store.path, "--quiet"])
        #expect(try await command.execute() == 0)
    }

    @Test func badInputExitsTwoAndAnUnexecutedRunExitsThree() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        await #expect(throws: ExitCode(2)) { try await Proof.Replay.parse(["NOSUCHRUN", "--db", db]).run() }
        await #expect(throws: ExitCode(2)) { try await Proof.Replay.parse(["--all", "--db", directory.appendingPathComponent("missing.sqlite").path]).run() }
        let run = try await store.beginRun(RunInfo(scenario: "fixture-toggle", environment: "dev",
            attributes: ["invariants": .array([])]))
        try await store.finishRun(run, status: .error, exitCode: 3, message: "cluster unreachable")
        #expect(try await Proof.Replay.parse([run.rawValue, "--db", db, "--quiet"]).execute() == 3)
    }
}
