import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCommands

/// Issue 6, continued (see `InvariantFaultTests`): the rollback, pod-restart and env-isolation scenarios, each
/// run once with a group of faults, every invariant id of the group shown failing. deploy's ids fail under
/// Argo CD's `skipApply` in `InvariantFaultSwitchTests.deploySkipApply`.
@Suite struct InvariantFaultCoreTests {
    /// rollback (automated sync of fastapi-dev is off in this scenario, so hand edits stay):
    /// - `upgraded-image` (field) ← while `after-upgrade` lists Deployments, FastAPI's image is set back to 1.0.0;
    /// - `rolled-back-image` (field) ← while `after-rollback` lists Deployments, the image is set to 1.1.0 again
    ///   (what a rollback that re-applies the current revision leaves behind);
    /// - `fastapi-healthy-after-rollback` (appStatus) ← meanwhile `unhealthyApps ["fastapi-dev"]`.
    @Test func rollback() async throws {
        let outcome = try await FaultRun.run(
            "rollback",
            FaultRun.Action.duringCapture(
                "after-upgrade", holdBack: ["/apis/apps/v1/deployments"],
                disrupt: { try await $0.setImage("ghcr.io/example/mlp-fastapi:1.0.0", deployment: "fastapi", namespace: "fastapi-dev") })
                + FaultRun.Action.duringCapture(
                    "after-rollback", holdBack: ["/apis/apps/v1/deployments", "/apis/argoproj.io/v1alpha1/applications"],
                    before: { try $0.argoCDFaults.unhealthyApps = ["fastapi-dev"] },
                    disrupt: { try await $0.setImage("ghcr.io/example/mlp-fastapi:1.1.0", deployment: "fastapi", namespace: "fastapi-dev") },
                    after: { try $0.argoCDFaults.unhealthyApps = [] }))
        print("rollback under faults: \(outcome.seconds) s\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectFinding("upgraded-image", at: "after-upgrade", about: "fastapi")
        outcome.expectFinding("rolled-back-image", at: "after-rollback", about: "fastapi")
        outcome.expectFinding("fastapi-healthy-after-rollback", at: "after-rollback", about: "fastapi-dev")
        outcome.expectReportsShowFailed("rolled-back-image")
    }

    /// pod-restart and the shared isolation invariant:
    /// - `core-apps-healthy` (appStatus) ← `unhealthyApps ["*-dev"]` until `start`;
    /// - `env-isolation` (envIsolation) ← a dev Application aimed at fastapi-prod exists at `start` (created
    ///   through the API before the run, deleted once `start` is recorded);
    /// - `core-workloads-kept` (unchanged) ← when the rollout wait starts, Deployment airflow-scheduler is
    ///   deleted (Argo CD's self-heal re-creates it with a new uid; the waits then see it roll out).
    @Test func podRestart() async throws {
        let outcome = try await FaultRun.run(
            "pod-restart",
            FaultRun.Action.unhealthyUntilStart(["*-dev"]) + FaultRun.Action.misdirectedAppUntilStart("stray-misdirected")
                + [
                    .later(.stepStarts("wait for the rollout of Deployment")) { connection in
                        try await connection.delete("deployments", namespace: "airflow-dev", name: "airflow-scheduler")
                    },
                ])
        print("pod-restart under faults: \(outcome.seconds) s\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectFinding("core-apps-healthy", at: "start", about: "fastapi-dev")
        outcome.expectFinding("env-isolation", at: "start", about: "stray-misdirected")
        outcome.expectFinding("core-workloads-kept", at: "after-restart", about: "airflow-scheduler")
        outcome.expectReportsShowFailed("env-isolation")
    }

    /// env-isolation:
    /// - `prod-apps-healthy` (appStatus) ← `unhealthyApps ["*-prod"]` until `start`;
    /// - `env-isolation-before-and-after` (envIsolation) ← a dev Application aimed at fastapi-prod exists at
    ///   `start` (deleted once it is recorded);
    /// - `misdirected-app-refused` (field) ← while `after-misdirected-app` lists Applications and Deployments,
    ///   Argo CD ignores project destinations (`ignoreProjectDestinations`): the misdirected app is accepted
    ///   and synced;
    /// - `nothing-landed-in-prod` (absent), `prod-workloads-untouched` (unchanged) ← meanwhile the misdirected
    ///   app's FastAPI lands on fastapi-prod's (its instance label and dev Triton URL written over it, as Argo CD
    ///   would render the dev manifests into the prod destination), and fastapi-prod's self-heal fails
    ///   (`failSync ["fastapi-prod"]`).
    @Test func envIsolation() async throws {
        let outcome = try await FaultRun.run(
            "env-isolation",
            FaultRun.Action.unhealthyUntilStart(["*-prod"]) + FaultRun.Action.misdirectedAppUntilStart("stray-misdirected")
                + FaultRun.Action.duringCapture(
                    "after-misdirected-app", holdBack: ["/apis/argoproj.io/v1alpha1/applications", "/apis/apps/v1/deployments"],
                    before: { connection in
                        try connection.argoCDFaults.update {
                            $0.ignoreProjectDestinations = true
                            $0.failSync = ["fastapi-prod"]
                        }
                    },
                    disrupt: { connection in
                        try await connection.patch(
                            "deployments", namespace: "fastapi-prod", name: "fastapi",
                            JSON.array([
                                ["op": "add", "path": "/metadata/labels/app.kubernetes.io~1instance", "value": "misdirected-fastapi"],
                                ["op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "http://triton.triton-dev.svc.cluster.local:8000"],
                            ]), as: .json)
                    },
                    after: { connection in
                        try connection.argoCDFaults.update {
                            $0.ignoreProjectDestinations = false
                            $0.failSync = []
                        }
                    }))
        print("env-isolation under faults: \(outcome.seconds) s\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectFinding("prod-apps-healthy", at: "start", about: "fastapi-prod")
        outcome.expectFinding("env-isolation-before-and-after", at: "start", about: "stray-misdirected")
        outcome.expectFinding("misdirected-app-refused", at: "after-misdirected-app", about: "misdirected-fastapi")
        outcome.expectFinding("nothing-landed-in-prod", at: "after-misdirected-app", about: "fastapi")
        outcome.expectFinding("prod-workloads-untouched", at: "after-misdirected-app", about: "fastapi")
        outcome.expectReportsShowFailed("misdirected-app-refused")
    }
}
