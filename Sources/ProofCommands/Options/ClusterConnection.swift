import Foundation
import ProofCluster
import ProofSim

/// The cluster a command works on: the kubeconfig's (with `--kubeconfig`/`--context`) or, without them, the
/// embedded simulated cluster with Argo CD and the platform services, started for this command and stopped
/// with ``close()``.
public final class ClusterConnection: Sendable {
    /// The client for the cluster.
    public let client: KubernetesClient
    /// A description without credentials (`simulated (embedded, https://127.0.0.1:41234)`, `kind-mlp https://…`).
    public let description: String
    /// The embedded cluster, when one was started.
    public let simulated: SimulatedCluster?
    /// The Argo CD controller of the embedded cluster, when one was started.
    public let argoCD: ArgoCDController?
    private let temporaryDirectory: String?

    private init(client: KubernetesClient, description: String, simulated: SimulatedCluster?, argoCD: ArgoCDController?, temporaryDirectory: String?) {
        self.client = client
        self.description = description
        self.simulated = simulated
        self.argoCD = argoCD
        self.temporaryDirectory = temporaryDirectory
    }

    /// Connects as `options` say: the kubeconfig's cluster, or the embedded simulated cluster (seeded from
    /// `platformDirectory` through its Argo CD, settled — all Applications Synced/Healthy or `settleTimeout`
    /// passed — before it returns). `httpOptions` are the client's HTTP settings (TLS and proxy come from the
    /// kubeconfig); `proof run --record-http` sets their `recorder`.
    ///
    /// - Throws: `ClusterError` for a kubeconfig that cannot be used; `SimError` when the simulated cluster
    ///   cannot start (missing platform directory).
    public static func open(
        _ options: ClusterOptions, platformDirectory: String = "scenarios/platform", settleTimeout: Duration = .seconds(60),
        httpOptions: HTTPClientOptions = HTTPClientOptions()
    ) async throws -> ClusterConnection {
        if !options.usesSimulatedCluster {
            let config = try options.loadClusterConfig()
            return ClusterConnection(
                client: KubernetesClient(config: config, options: httpOptions), description: config.description, simulated: nil, argoCD: nil,
                temporaryDirectory: nil)
        }
        var simOptions = SimOptions()
        simOptions.platformDirectory = platformDirectory
        let argo = try simOptions.enableArgoCD()
        let cluster = try await SimulatedCluster.start(simOptions)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-embedded-\(UUID().uuidString)").path
        do {
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let config = try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory])
            let connection = ClusterConnection(
                client: KubernetesClient(config: config, options: httpOptions), description: "simulated (embedded, \(cluster.url))", simulated: cluster,
                argoCD: argo, temporaryDirectory: directory)
            // The settle probes go through a client of their own: a run's HTTP recorder must not keep them.
            await connection.settle(timeout: settleTimeout, probe: KubernetesClient(config: config))
            return connection
        } catch {
            await cluster.stop()
            argo.repository.removeIfTemporary()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Waits (bounded) until the embedded cluster's Applications are all Synced and Healthy and its workloads
    /// settled; returns quietly at the deadline (the capture then shows what was not).
    func settle(timeout: Duration, probe: KubernetesClient) async {
        guard let simulated else { return }
        let deadline = ContinuousClock.now + timeout
        var stableSince: ContinuousClock.Instant?
        // An interrupted `proof run` cancels the opening: stop waiting (Task.sleep below would return at once).
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let apps = simulated.state.list(BuiltIn.applications).items
            let done = !apps.isEmpty && apps.allSatisfy {
                $0[path: ["status", "sync", "status"]]?.stringValue == "Synced"
                    && $0[path: ["status", "health", "status"]]?.stringValue == "Healthy"
            } && simulated.pendingWork().isEmpty
            if done {
                // App-of-apps adds children over several passes: ask for a quiet half second, and for logs of
                // every namespace Alloy collects in dev (a run's first capture judges `lokiVolume` there).
                if let since = stableSince, ContinuousClock.now - since > .milliseconds(500), await logsArrived(probe) { return }
                stableSince = stableSince ?? ContinuousClock.now
            } else {
                stableSince = nil
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Whether the embedded Loki of dev holds lines of every namespace Alloy collects there (over the service
    /// proxy, as a capture asks); `true` when the platform has no such Loki.
    private func logsArrived(_ probe: KubernetesClient) async -> Bool {
        guard let simulated, (try? simulated.state.get(BuiltIn.services, namespace: "baseline-dev", name: "loki-dev")) != nil else { return true }
        let loki = LokiClient(kubernetes: probe, namespace: "baseline-dev", service: "loki-dev")
        for namespace in LokiCaptureQuery.alloyNamespaces(environment: "dev") {
            guard let result = try? await loki.query(#"sum(count_over_time({namespace="\#(namespace)"}[5m]))"#),
                result.series.contains(where: { ($0.points.last?.value ?? 0) > 0 })
            else { return false }
        }
        return true
    }

    /// Stops the embedded cluster (if any) and removes its temporary files.
    public func close() async {
        if let simulated { await simulated.stop() }
        argoCD?.repository.removeIfTemporary()
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }
}
