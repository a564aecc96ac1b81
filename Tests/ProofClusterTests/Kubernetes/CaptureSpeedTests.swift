import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCluster

/// Lists the capture kinds with this client and with `kubectl get … -A -o json` against the same simulated
/// cluster. Opt-in (`PROOF_BENCH=1`, optionally `PROOF_BENCH_SCALE=N`): it is a measurement, not a check.
@Suite("capture speed against kubectl", .enabled(if: ProcessInfo.processInfo.environment["PROOF_BENCH"] == "1"))
struct CaptureSpeedTests {
    static let kinds = [
        "namespaces", "nodes", "persistentvolumes", "persistentvolumeclaims", "deployments", "replicasets",
        "statefulsets", "daemonsets", "pods", "services", "ingresses", "configmaps", "secrets", "events",
        "servicemonitors", "prometheusrules", "applications", "appprojects",
    ]

    @Test func listAllKindsVersusKubectl() async throws {
        var options = SimOptions()
        options.platformDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios/platform").path
        options.scale = Int(ProcessInfo.processInfo.environment["PROOF_BENCH_SCALE"] ?? "") ?? 40
        try await withSimulatedCluster(options) { cluster, client in
            try? await cluster.waitUntilSettled(timeout: .seconds(120))
            let discovery = try await client.discovery()
            let types = Self.kinds.compactMap { discovery.resource(named: $0) }
            let temp = try TempDirectory()
            let kubeconfig = temp.path + "/kubeconfig"
            try cluster.writeKubeconfig(to: kubeconfig)

            var ours: [Duration] = []
            var count = 0
            for _ in 0..<3 {
                let started = ContinuousClock.now
                let results = await client.list(types)
                ours.append(ContinuousClock.now - started)
                count = results.reduce(0) { $0 + ((try? $1.get().items.count) ?? 0) }
            }
            var theirs: [Duration] = []
            for _ in 0..<3 {
                let started = ContinuousClock.now
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
                process.arguments = ["--kubeconfig", kubeconfig, "get", types.map(\.qualifiedName).joined(separator: ","),
                                     "-A", "-o", "json"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                theirs.append(ContinuousClock.now - started)
            }
            let median = { (values: [Duration]) in values.sorted()[values.count / 2] }
            print("capture-speed: \(count) objects in \(types.count) kinds; ProofCluster median \(median(ours)), kubectl median \(median(theirs)), ratio \(Double(median(ours).components.seconds) + Double(median(ours).components.attoseconds) / 1e18) / \(Double(median(theirs).components.seconds) + Double(median(theirs).components.attoseconds) / 1e18)")
            #expect(count > 0)
        }
    }
}
