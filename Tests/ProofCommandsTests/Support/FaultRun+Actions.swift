import Foundation
import ProofCluster
import ProofCore
import ProofSim

@testable import ProofCommands

extension FaultRun.Action {
    /// Runs `body` synchronously at `moment`, before the run goes on (fault switches).
    static func now(_ moment: FaultRun.Moment, _ body: @escaping @Sendable (ClusterConnection) throws -> Void) -> Self {
        Self(moment: moment, now: body, later: nil)
    }

    /// Starts `body` at `moment` in a task (API calls); the outcome waits for it.
    static func later(_ moment: FaultRun.Moment, _ body: @escaping @Sendable (ClusterConnection) async throws -> Void) -> Self {
        Self(moment: moment, now: nil, later: body)
    }

    /// A dev Application aimed at fastapi-prod (`name`), created through the API before the run and deleted
    /// once the `start` capture is recorded: every `envIsolation` invariant fails at `start`, and nothing of it
    /// is left for the rest of the run.
    static func misdirectedAppUntilStart(_ name: String) -> [Self] {
        [
            .later(.connected) { try await $0.createMisdirectedApp(name) },
            .later(.captured("start")) { try await $0.delete("applications", namespace: "argocd", name: name) },
        ]
    }

    /// Argo CD's `unhealthyApps` fault for the Applications matching `globs`, from before the run until the
    /// `start` capture is recorded: every `appStatus` invariant on them fails at `start`, and they are Healthy
    /// again long before a wait needs them.
    static func unhealthyUntilStart(_ globs: [String]) -> [Self] {
        [
            .later(.connected) { connection in
                try connection.argoCDFaults.unhealthyApps = globs
                for glob in globs {
                    try await connection.eventually("the Applications \(glob) report Degraded") {
                        let apps = try connection.applications(glob)
                        return !apps.isEmpty && apps.allSatisfy { $0[path: ["status", "health", "status"]]?.stringValue == "Degraded" }
                    }
                }
            },
            .now(.captured("start")) { connection in try connection.argoCDFaults.unhealthyApps = [] },
        ]
    }

    /// While the capture `label` lists the given collections (`GET` paths such as `/apis/apps/v1/statefulsets`),
    /// their answers are held back `milliseconds` (the simulated API server's latency fault, served with the state
    /// after the delay), and `disrupt` runs meanwhile: a change made between the scenario's last wait and its
    /// capture, which the capture must see. `before` runs synchronously when the capture step starts, `after` when
    /// it has been recorded (with the latency rules removed).
    static func duringCapture(
        _ label: String, holdBack paths: [String], milliseconds: Int = 1500,
        before: (@Sendable (ClusterConnection) throws -> Void)? = nil,
        disrupt: @escaping @Sendable (ClusterConnection) async throws -> Void,
        after: (@Sendable (ClusterConnection) throws -> Void)? = nil
    ) -> [Self] {
        [
            .now(.stepStarts("capture \(label)")) { connection in
                let simulated = try connection.sim
                for path in paths { simulated.faults.add(FaultRule(method: "GET", path: path, action: .latency(milliseconds: milliseconds))) }
                try before?(connection)
            },
            .later(.stepStarts("capture \(label)")) { connection in try await disrupt(connection) },
            .now(.captured(label)) { connection in
                try connection.sim.faults.clear()
                try after?(connection)
            },
        ]
    }
}
