import Foundation
import ProofScenario
import Testing

@testable import ProofCommands

/// Keeps issue 6's rule true as the scenarios change: every invariant id of a shipped scenario (its own and the
/// included ones) has a fault test that shows it failing, every invariant kind is among them, and every shipped
/// scenario runs green with no fault (optional-toggle's green run is `RunTests`').
@Suite struct InvariantFaultCoverageTests {
    /// Invariant id → the fault tests that show it failing (`InvariantFaultTests`, `InvariantFaultCoreTests`:
    /// held-back captures and hand edits, the finding at the invariant's own capture; `InvariantFaultSwitchTests`:
    /// Argo CD's fault switches alone, the wait timing out and the finding at `failed-step`).
    static let faultTests: [String: [String]] = [
        // optional-toggle (+ shared baseline health)
        "feast-apps-healthy": ["optionalToggle"], "baseline-apps-healthy": ["optionalToggle"],
        "logging-app-healthy": ["optionalToggle"], "monitoring-app-healthy": ["optionalToggle"],
        "feature-store-namespaces-kept": ["optionalToggle"], "redis-back": ["optionalToggle"],
        "feast-apps-gone": ["optionalToggle", "optionalToggleNoPrune"],
        "optional-env-apps-gone": ["optionalToggle", "optionalToggleNoPrune"],
        "redis-gone": ["optionalToggle", "optionalToggleNoPrune"],
        // baseline-always-on (+ shared baseline objects and logs)
        "monitoring-untouched": ["baselineAlwaysOnObjectsDeleted"], "grafana-untouched": ["baselineAlwaysOnObjectsDeleted"],
        "alloy-untouched": ["baselineAlwaysOnObjectsDeleted"], "minio-untouched": ["baselineAlwaysOnObjectsDeleted"],
        "baseline-statefulsets-untouched": ["baselineAlwaysOnObjectsDeleted"],
        "baseline-namespaces-kept": ["baselineAlwaysOnObjectsDeleted"], "loki-data-kept": ["baselineAlwaysOnObjectsDeleted"],
        "baseline-pods-stable": ["baselineAlwaysOnChaos"], "alloy-on-every-node": ["baselineAlwaysOnChaos"],
        "logs-flow": ["baselineAlwaysOnChaos"],
        // deploy
        "fastapi-new-image": ["deploySkipApply"], "fastapi-app-healthy": ["deploySkipApply"],
        // rollback
        "upgraded-image": ["rollback"], "rolled-back-image": ["rollback", "rollbackToCurrent"],
        "fastapi-healthy-after-rollback": ["rollback", "rollbackToCurrent"],
        // pod-restart (+ shared isolation), env-isolation
        "core-apps-healthy": ["podRestart"], "core-workloads-kept": ["podRestart"], "env-isolation": ["podRestart"],
        "env-isolation-before-and-after": ["envIsolation"], "misdirected-app-refused": ["envIsolation"],
        "nothing-landed-in-prod": ["envIsolation"], "prod-workloads-untouched": ["envIsolation"],
        "prod-apps-healthy": ["envIsolation"],
    ]

    /// The shipped scenario files.
    static let scenarioFiles: [String] = {
        let directory = FaultRun.root.appendingPathComponent("scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
    }()

    @Test func everyShippedInvariantAndKindHasAFaultTest() throws {
        var kinds: [String: String] = [:]
        var ids = Set<String>()
        for file in Self.scenarioFiles {
            for invariant in try Scenario.load(path: file).invariants {
                ids.insert(invariant.id)
                kinds[invariant.kind] = invariant.id
            }
        }
        #expect(Self.scenarioFiles.count == 6, "\(Self.scenarioFiles)")
        #expect(ids.subtracting(Self.faultTests.keys).sorted() == [], "shipped invariants without a fault test")
        #expect(Set(Self.faultTests.keys).subtracting(ids).sorted() == [], "fault tests for invariants no scenario ships")
        #expect(Set(InvariantSpec.kinds.keys).subtracting(kinds.keys).sorted() == [], "invariant kinds no shipped scenario uses")
        #expect(Self.faultTests.values.allSatisfy { !$0.isEmpty }, "an id with no fault test named")
    }

    /// The shipped scenarios other than optional-toggle run green (exit 0, every result held) with no fault.
    @Test(arguments: ["baseline-always-on", "deploy", "rollback", "pod-restart", "env-isolation"])
    func runsGreenWithoutAFault(_ scenario: String) async throws {
        let outcome = try await FaultRun.run(scenario, [])
        print("\(scenario) green: \(outcome.seconds) s")
        #expect(
            outcome.code == 0,
            "exit \(outcome.code): \(outcome.notHeld)\n\(outcome.log.joined(separator: "\n"))\n\(outcome.diagnostics.joined(separator: "\n"))")
        #expect(outcome.run.status == .passed)
        #expect(!outcome.results.isEmpty && outcome.results.allSatisfy { $0.record.status == .held }, "\(outcome.notHeld)")
        #expect(outcome.labels.first == "start" && outcome.labels.last == "end")
    }
}
