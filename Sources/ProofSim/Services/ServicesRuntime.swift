import Foundation
import ProofCore
import Synchronization

/// The shared state of the simulated platform services in one cluster: Loki's volumes, Alloy's read
/// positions, and the ML services' state (`ml`: MLflow registries, Airflow's DAG runs, Triton and FastAPI pods).
///
/// Safe to share: every mutable part sits behind its own `Mutex`.
///
/// Lock rule: each table is its own `Mutex`, held only to read or change it (creating a registry also seeds it, which
/// takes that registry's own lock: always in this order, never the reverse); never across an await, a yield or I/O.
final class ServicesRuntime: Sendable {
    let state: SimState
    let network: ServiceNetwork
    let options: PlatformServicesOptions
    /// The cluster's chaos switches (Alloy paused, Loki data loss).
    let chaos: ChaosSwitches
    /// How many `chaos.lokiLosesData()` calls have been applied to `lokiStores`.
    let appliedLokiDataLosses = Mutex<Int>(0)
    /// Loki data, keyed `pvc/<claim uid>` (persistent) or `pod/<pod uid>` (no volume).
    let lokiStores = Mutex<[String: LokiStore]>([:])
    /// Alloy read positions by DaemonSet uid (DaemonSets shipped together share one table).
    let alloyPositions = Mutex<[String: AlloyShipper.Positions]>([:])
    /// What Alloy read from each pod, by pod uid, kept while the pod's resourceVersion is unchanged (each tick
    /// replaces the table with the pods it saw).
    let alloyPods = Mutex<[String: AlloyShipper.ScheduledPod]>([:])
    /// Alloy configs already parsed, keyed by their `config.alloy` text.
    let alloyConfigs = BoundedMemo<String, AlloyConfig>(capacity: 256)
    /// Loki settings already read, keyed by the `config.yaml` text they were read from (every push and query
    /// asks; the text changes only when someone edits the ConfigMap).
    let lokiSettingsByConfig = BoundedMemo<String, LokiSettings>(capacity: 64)
    /// Airflow, MLflow, Triton and FastAPI, hosted by the cluster (`ClusterServiceHost`).
    let ml: MLServices

    init(state: SimState, handlers: ServiceHandlers, options: PlatformServicesOptions, chaos: ChaosSwitches) {
        self.state = state
        self.network = ServiceNetwork(state: state, handlers: handlers)
        self.options = options
        self.chaos = chaos
        self.ml = MLServices(host: ClusterServiceHost(state: state, network: network), options: options)
        appliedLokiDataLosses.withLock { $0 = chaos.lokiDataLosses }
    }

    /// The settings `text` (a Loki `config.yaml`) gives, read once per distinct text.
    func lokiSettings(configYAML text: String) -> LokiSettings {
        lokiSettingsByConfig.value(for: text) { LokiSettings(configYAML: text) }
    }

    /// Now, from the cluster's clock.
    var now: Date { state.now() }
    /// Now in Unix nanoseconds.
    var nowNanoseconds: Int64 { LokiTime.nanoseconds(state.now()) }

    /// The Loki store of `pod`: its claim's when it mounts one, else its own.
    func lokiStore(for pod: JSON) -> LokiStore {
        applyLokiDataLoss()
        let key = network.claimUID(of: pod).map { "pvc/\($0)" } ?? "pod/\(ServiceNetwork.meta(pod, "uid"))"
        return lokiStores.withLock { stores in
            if let store = stores[key] { return store }
            let store = LokiStore()
            stores[key] = store
            return store
        }
    }

    /// Forgets every Loki store when `chaos.lokiLosesData()` was called since the last check (called before
    /// every Loki request and push, and on every tick), as Lokis restarted without their volumes would.
    func applyLokiDataLoss() {
        let wanted = chaos.lokiDataLosses
        let wipe = appliedLokiDataLosses.withLock { applied in
            defer { applied = wanted }
            return applied < wanted
        }
        if wipe { lokiStores.withLock { $0.removeAll() } }
    }

    /// Drops Loki data whose claim (or pod, for volume-less data) no longer exists.
    func collectLokiGarbage() {
        let claims = Set(state.list(BuiltIn.persistentVolumeClaims).items
            .filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }.map { "pvc/" + ServiceNetwork.meta($0, "uid") })
        let keys = lokiStores.withLock { Array($0.keys) }
        let pods = keys.contains { $0.hasPrefix("pod/") }
            ? Set(state.list(BuiltIn.pods).items.map { "pod/" + ServiceNetwork.meta($0, "uid") }) : []
        lokiStores.withLock { stores in
            for key in keys where !(claims.contains(key) || pods.contains(key)) { stores[key] = nil }
        }
    }

    /// `dev` from `mlflow-dev`.
    static func environment(ofNamespace namespace: String) -> String {
        namespace.split(separator: "-").last.map(String.init) ?? namespace
    }
}
