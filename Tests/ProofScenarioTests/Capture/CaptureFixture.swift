import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Testing

/// A simulated cluster seeded with `scenarios/platform` (platform services on, so Loki answers through the
/// service proxy), settled, with the harness client and a fresh evidence store in a temporary directory.
struct CaptureFixture {
    let cluster: SimulatedCluster
    let client: KubernetesClient
    let store: EvidenceStore
    let directory: String

    var kubeconfig: String { directory + "/kubeconfig" }
    var database: String { directory + "/evidence.sqlite" }

    static var platformDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/platform").path
    }

    static func with<T>(_ body: (CaptureFixture) async throws -> T) async throws -> T {
        var options = SimOptions()
        options.platformDirectory = platformDirectory
        let cluster = try await SimulatedCluster.start(options)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-capture-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let config = try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory])
            let store = try EvidenceStore.open(path: directory + "/evidence.sqlite")
            try await cluster.waitUntilSettled(timeout: .seconds(60))
            // Let the last events and status writes land so two captures see the same cluster.
            try await Task.sleep(for: .milliseconds(300))
            let fixture = CaptureFixture(cluster: cluster, client: KubernetesClient(config: config), store: store, directory: directory)
            let result = try await body(fixture)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// Begins a `capture` run.
    func beginRun() async throws -> RunID {
        try await store.beginRun(RunInfo(scenario: "capture", cluster: "simulated"))
    }

    /// Runs the real kubectl against the cluster and returns its standard output.
    func kubectl(_ arguments: [String]) async throws -> Data {
        let kubeconfig = kubeconfig
        return try await withCheckedThrowingContinuation { continuation in
            // Process waits block: keep them off the cooperative pool.
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
                    process.arguments = ["--kubeconfig", kubeconfig] + arguments
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: data)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
