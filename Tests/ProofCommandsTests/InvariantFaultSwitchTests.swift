import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCommands

/// Issue 6 with the natural Argo CD fault switches (docs/argocd-sim.md), end to end: the switch is on from
/// before the run, so the scenario's own wait for the state an invariant checks times out. That wait is a failed
/// step (exit 1, not 3); the runner then takes the `failed-step` capture, where every invariant whose `at:` names
/// a capture the run never reached is judged (docs/scenarios.md "wait", docs/invariants.md). Each run caps step
/// timeouts with `--max-step-timeout` so the failing wait gives up in seconds.
///
/// These complement the held-back captures of `InvariantFaultTests`/`InvariantFaultCoreTests` (there the
/// invariant fails at its own capture, here at `failed-step`).
@Suite struct InvariantFaultSwitchTests {
    /// The cap on every step's timeout: long enough for the steps that pass (a few seconds each on the embedded
    /// cluster, also at width 2), short enough that the faulted wait fails fast.
    static let arguments = ["--max-step-timeout", "8s"]

    /// optional-toggle with Argo CD `noPrune` on from the start: detaching `root-optional` orphans its
    /// resources, the wait for the Feast apps to go times out, and at `failed-step` `feast-apps-gone`,
    /// `optional-env-apps-gone` and `redis-gone` name what was left behind.
    @Test func optionalToggleNoPrune() async throws {
        let outcome = try await FaultRun.run(
            "optional-toggle", arguments: Self.arguments,
            [.now(.connected) { connection in try connection.argoCDFaults.update { $0.noPrune = true } }])
        print("optional-toggle with noPrune: \(outcome.seconds) s, captures \(outcome.labels)\n\(outcome.timedOutSteps.joined(separator: "\n"))\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectTimedOutWait(before: "after-detach")
        outcome.expectFinding("feast-apps-gone", at: "failed-step", about: "feast-dev")
        outcome.expectFinding("feast-apps-gone", at: "failed-step", about: "feast-prod")
        outcome.expectFinding("optional-env-apps-gone", at: "failed-step", about: "optional-envs-dev")
        outcome.expectFinding("optional-env-apps-gone", at: "failed-step", about: "optional-envs-prod")
        outcome.expectFinding("redis-gone", at: "failed-step", about: "feature-store-dev")
        outcome.expectFinding("redis-gone", at: "failed-step", about: "feature-store-prod")
        for id in ["feast-apps-gone", "optional-env-apps-gone", "redis-gone"] {
            outcome.expectReportsShowFailed(id)
        }
    }

    /// rollback with `rollbackToCurrent`: the rollback re-applies 1.1.0, the wait for 1.0.0 times out, and at
    /// `failed-step` `rolled-back-image` expects `…:1.0.0` and finds `…:1.1.0`, and `fastapi-healthy-after-rollback`
    /// finds the app Synced (a real rollback leaves it OutOfSync with HEAD).
    @Test func rollbackToCurrent() async throws {
        let outcome = try await FaultRun.run(
            "rollback", arguments: Self.arguments,
            [.now(.connected) { connection in try connection.argoCDFaults.update { $0.rollbackToCurrent = true } }])
        print("rollback with rollbackToCurrent: \(outcome.seconds) s, captures \(outcome.labels)\n\(outcome.timedOutSteps.joined(separator: "\n"))\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectTimedOutWait(before: "after-rollback")
        let finding = outcome.expectFinding("rolled-back-image", at: "failed-step", about: "fastapi")
        #expect(finding?.expected?["equals"]?.stringValue == "ghcr.io/example/mlp-fastapi:1.0.0", "expected: \(finding?.expected?.canonicalString ?? "nil")")
        #expect(finding?.actual?["value"]?.stringValue == "ghcr.io/example/mlp-fastapi:1.1.0", "actual: \(finding?.actual?.canonicalString ?? "nil")")
        // Argo CD synced to the current revision: Synced, where a rollback leaves the app OutOfSync.
        outcome.expectFinding("fastapi-healthy-after-rollback", at: "failed-step", about: "fastapi-dev")
        outcome.expectReportsShowFailed("rolled-back-image")
    }

    /// deploy with `skipApply ["fastapi-dev"]`: Argo CD reports the commit's sync Succeeded but applies nothing,
    /// a deploy wait times out, and at `failed-step` `fastapi-new-image` finds the old image 1.0.0 and
    /// `fastapi-app-healthy` an OutOfSync app. (At `end` the scenario's `finally` has committed the tree the run
    /// started from, which matches what is live, so the app may be Synced again by then: `end` is not judged.)
    /// Both deploy ids fail here, so the former hand-edit deploy test (image set back by hand after
    /// `after-git-deploy`) was dropped.
    @Test func deploySkipApply() async throws {
        let outcome = try await FaultRun.run(
            "deploy", arguments: Self.arguments,
            [.now(.connected) { connection in try connection.argoCDFaults.update { $0.skipApply = ["fastapi-dev"] } }])
        print("deploy with skipApply: \(outcome.seconds) s, captures \(outcome.labels)\n\(outcome.timedOutSteps.joined(separator: "\n"))\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectTimedOutWait(before: "after-git-deploy")
        let finding = outcome.expectFinding("fastapi-new-image", at: "failed-step", about: "fastapi")
        #expect(finding?.expected?["equals"]?.stringValue == "ghcr.io/example/mlp-fastapi:1.1.0", "expected: \(finding?.expected?.canonicalString ?? "nil")")
        #expect(finding?.actual?["value"]?.stringValue == "ghcr.io/example/mlp-fastapi:1.0.0", "actual: \(finding?.actual?.canonicalString ?? "nil")")
        // The app compares OutOfSync with the commit it claims to have synced (`fastapi-app-healthy` has no `at:`).
        outcome.expectFinding("fastapi-app-healthy", at: "failed-step", about: "fastapi-dev")
        outcome.expectReportsShowFailed("fastapi-new-image")
        outcome.expectReportsShowFailed("fastapi-app-healthy")
    }
}
