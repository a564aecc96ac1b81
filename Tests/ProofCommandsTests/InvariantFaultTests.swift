import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCommands

/// Issue 6: "for each shipped invariant a test turns on a fault switch and shows the run fails with that
/// finding (exit 1) — an invariant that cannot fail is a defect." Each test runs one shipped scenario the real
/// way (`proof run` against the embedded simulated cluster, see `FaultRun`) with a group of faults that do not
/// interfere, and asserts a finding for every invariant id of the group (at the capture where it matters, about
/// the object it names).
///
/// The scenarios wait for the very states some invariants check (the detach waits until the Feast apps and
/// Redis are gone, the rollback waits for image 1.0.0). Here those invariants are broken between the scenario's
/// last wait and its capture, so they fail at their own capture: `FaultRun.Action.duringCapture` holds the
/// capture's list calls back (the API server's latency fault) while the cluster is disrupted. A fault that
/// prevents such a state makes the wait time out instead (a failed step, exit 1), and the invariant is judged at
/// the runner's `failed-step` capture: `InvariantFaultSwitchTests` shows that with Argo CD's own fault switches.
@Suite struct InvariantFaultTests {
    /// optional-toggle and the shared baseline/app health:
    /// - `feast-apps-healthy`, `baseline-apps-healthy`, `logging-app-healthy`, `monitoring-app-healthy` (appStatus)
    ///   ← Argo CD `unhealthyApps` until the `start` capture;
    /// - `feature-store-namespaces-kept` (namespaceKept) ← namespace feature-store-dev (empty by then) deleted once
    ///   `after-detach` is recorded, while the attach's requests are held back until it is gone; Argo CD's
    ///   CreateNamespace re-creates it at the attach, with a new uid. (Deleted while the detach still removes
    ///   Feast, a ReplicaSet re-created a pod after the simulated namespace cleanup had run, and the namespace
    ///   stayed Terminating with that pod in it.)
    /// - `feast-apps-gone`, `optional-env-apps-gone`, `redis-gone` (absent) ← while `after-detach` lists
    ///   Applications and StatefulSets, optional-envs-prod, feast-prod and Redis of feature-store-prod are
    ///   re-created (copies taken before the run), as if the detach had not removed them (Argo CD's `noPrune`
    ///   makes the same ids fail at `failed-step` instead: `InvariantFaultSwitchTests.optionalToggleNoPrune`);
    /// - `redis-back` (present) ← while `after-attach` lists StatefulSets, Redis of feature-store-prod is deleted
    ///   and Argo CD's self-heal of feast-prod fails (`failSync ["feast-prod"]`).
    @Test func optionalToggle() async throws {
        let kept = KeptObjects()
        let outcome = try await FaultRun.run(
            "optional-toggle",
            FaultRun.Action.unhealthyUntilStart(["feast-*", "baseline-dev", "logging-dev", "monitoring-dev"])
                + [
                    .later(.connected) { connection in
                        kept.keep(try await connection.copyForCreate("statefulsets", namespace: "feature-store-prod", name: "redis"), as: "redis")
                        kept.keep(try await connection.copyForCreate("applications", namespace: "argocd", name: "feast-prod"), as: "feast")
                        kept.keep(try await connection.copyForCreate("applications", namespace: "argocd", name: "optional-envs-prod"), as: "envs")
                    },
                ]
                + FaultRun.Action.duringCapture(
                    "after-detach", holdBack: ["/apis/argoproj.io/v1alpha1/applications", "/apis/apps/v1/statefulsets"],
                    disrupt: { connection in
                        for key in ["redis", "feast", "envs"] { try await connection.create(kept.object(key)) }
                    })
                + [
                    // The attach's requests wait 2.5 s, so the emptied namespace is gone before Argo CD re-creates it.
                    .now(.captured("after-detach")) { connection in
                        try connection.sim.faults.add(
                            FaultRule(path: "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications**", action: .latency(milliseconds: 2500), count: 2))
                    },
                    .later(.captured("after-detach")) { connection in
                        try await connection.delete("namespaces", namespace: nil, name: "feature-store-dev")
                        try await connection.eventually("namespace feature-store-dev is gone") {
                            try connection.sim.state.list(BuiltIn.namespaces).items.allSatisfy {
                                $0[path: ["metadata", "name"]]?.stringValue != "feature-store-dev"
                            }
                        }
                        try connection.sim.faults.clear()
                    },
                ]
                + FaultRun.Action.duringCapture(
                    "after-attach", holdBack: ["/apis/apps/v1/statefulsets"],
                    before: { try $0.argoCDFaults.failSync = ["feast-prod"] },
                    disrupt: { try await $0.delete("statefulsets", namespace: "feature-store-prod", name: "redis") },
                    after: { try $0.argoCDFaults.failSync = [] }))
        print("optional-toggle under faults: \(outcome.seconds) s\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectFinding("feast-apps-healthy", at: "start", about: "feast-dev")
        outcome.expectFinding("baseline-apps-healthy", at: "start", about: "baseline-dev")
        outcome.expectFinding("logging-app-healthy", at: "start", about: "logging-dev")
        outcome.expectFinding("monitoring-app-healthy", at: "start", about: "monitoring-dev")
        outcome.expectFinding("feature-store-namespaces-kept", at: "after-attach", about: "feature-store-dev")
        outcome.expectFinding("feast-apps-gone", at: "after-detach", about: "feast-prod")
        outcome.expectFinding("optional-env-apps-gone", at: "after-detach", about: "optional-envs-prod")
        outcome.expectFinding("redis-gone", at: "after-detach", about: "redis")
        outcome.expectFinding("redis-back", at: "after-attach", about: "redis")
        for id in ["feast-apps-healthy", "feature-store-namespaces-kept", "feast-apps-gone", "redis-back"] {
            outcome.expectReportsShowFailed(id)
        }
    }

    /// baseline-always-on, objects deleted through the API once `start` is recorded (Argo CD's self-heal
    /// re-creates them, with new uids):
    /// - namespace monitoring-dev → `monitoring-untouched`, `grafana-untouched`, `baseline-statefulsets-untouched`
    ///   (unchanged) and `baseline-namespaces-kept` (namespaceKept);
    /// - DaemonSet alloy → `alloy-untouched`; Deployment minio → `minio-untouched` (unchanged);
    /// - PVC storage-loki-0 → `loki-data-kept` (pvcKept).
    @Test func baselineAlwaysOnObjectsDeleted() async throws {
        let outcome = try await FaultRun.run(
            "baseline-always-on",
            [
                .later(.captured("start")) { connection in
                    try await connection.delete("namespaces", namespace: nil, name: "monitoring-dev")
                    try await connection.delete("daemonsets", namespace: "baseline-dev", name: "alloy")
                    try await connection.delete("deployments", namespace: "baseline-dev", name: "minio")
                    try await connection.delete("persistentvolumeclaims", namespace: "baseline-dev", name: "storage-loki-0")
                }
            ])
        print("baseline-always-on with objects deleted: \(outcome.seconds) s\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectFinding("monitoring-untouched", at: "optional-detached", about: "monitoring-dev")
        outcome.expectFinding("grafana-untouched", at: "optional-detached", about: "monitoring-dev-grafana")
        outcome.expectFinding("baseline-statefulsets-untouched", at: "optional-detached", about: "monitoring-dev")
        outcome.expectFinding("baseline-namespaces-kept", at: "optional-detached", about: "monitoring-dev")
        outcome.expectFinding("alloy-untouched", at: "optional-detached", about: "alloy")
        outcome.expectFinding("minio-untouched", at: "optional-detached", about: "minio")
        outcome.expectFinding("loki-data-kept", at: "optional-detached", about: "storage-loki-0")
        for id in ["monitoring-untouched", "baseline-namespaces-kept", "loki-data-kept"] { outcome.expectReportsShowFailed(id) }
    }

    /// baseline-always-on under the embedded cluster's chaos switches:
    /// - `baseline-pods-stable` (restarts) ← MinIO's pod crash-loops from `start` until `optional-detached` is
    ///   recorded;
    /// - `logs-flow` (lokiVolume) ← while `optional-detached` is captured, Loki has lost its data and Alloy is
    ///   paused (resumed once the capture is recorded, so the later Loki wait sees new lines);
    /// - `alloy-on-every-node` (count) ← once the attach wait has passed, a node (not Loki's) is removed and its
    ///   Alloy pod goes with it (after the wait, so the pods it takes along cannot hold up the attach).
    @Test func baselineAlwaysOnChaos() async throws {
        let outcome = try await FaultRun.run(
            "baseline-always-on",
            [
                .now(.captured("start")) { connection in
                    try connection.sim.chaos.crashLoop(namespace: "baseline-dev", labels: "app.kubernetes.io/name=minio")
                },
                .now(.stepStarts("capture optional-detached")) { connection in
                    let simulated = try connection.sim
                    simulated.chaos.alloyPaused = true
                    simulated.chaos.lokiLosesData()
                },
                .now(.captured("optional-detached")) { connection in
                    let simulated = try connection.sim
                    simulated.chaos.alloyPaused = false
                    simulated.chaos.stopCrashLoops()
                },
                .now(.stepEnded("wait until app feast-*")) { connection in
                    let simulated = try connection.sim
                    let lokiNode = simulated.state.list(BuiltIn.pods).items.first {
                        $0[path: ["metadata", "namespace"]]?.stringValue == "baseline-dev" && $0[path: ["metadata", "name"]]?.stringValue == "loki-0"
                    }?[path: ["spec", "nodeName"]]?.stringValue
                    let nodes = simulated.state.list(BuiltIn.nodes).items.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
                    guard let victim = nodes.sorted().last(where: { $0 != lokiNode }) else {
                        throw FaultRunError(description: "no node without Loki among \(nodes)")
                    }
                    try simulated.chaos.removeNode(victim)
                },
            ])
        print("baseline-always-on under chaos: \(outcome.seconds) s\n\(outcome.notHeld)")
        outcome.expectFailedRun()
        outcome.expectFinding("baseline-pods-stable", at: "optional-detached", about: "minio")
        outcome.expectFinding("alloy-on-every-node", at: "optional-attached", about: "alloy")
        outcome.expectFinding("logs-flow", at: "optional-detached", about: "fastapi-dev")
        for id in ["baseline-pods-stable", "alloy-on-every-node", "logs-flow"] { outcome.expectReportsShowFailed(id) }
    }
}
