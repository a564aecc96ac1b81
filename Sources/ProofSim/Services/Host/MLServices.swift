import Foundation
import Synchronization

/// The state of the ML services (Airflow, MLflow, Triton, FastAPI) on one host: the MLflow registries,
/// Airflow's DAG runs and what each Triton and FastAPI instance has loaded. The embedded cluster keeps one for
/// all its environments (in `ServicesRuntime`); a `proof sim service` process keeps one for itself.
///
/// Safe to share: every mutable part sits behind its own `Mutex`, never held across a call to the host.
final class MLServices: Sendable {
    /// Where the services run (instances, peers, clock).
    let host: any ServiceHost
    /// Environments served, the seeded model, DAG run timings.
    let options: PlatformServicesOptions
    /// MLflow registries per environment (backed by MLflow's database: they survive pod restarts).
    let registries = Mutex<[String: ModelRegistry]>([:])
    /// Airflow DAG runs per environment (Airflow's metadata database).
    let dagRuns = Mutex<[String: [DagRun]]>([:])
    /// What each Triton instance (by uid) has loaded: model → versions.
    let tritonLoaded = Mutex<[String: [String: Set<String>]]>([:])
    /// What each FastAPI instance (by uid) loaded at start or last reload: alias → (model, version).
    let fastAPILoaded = Mutex<[String: FastAPIHandler.Loaded]>([:])

    /// Empty state (registries are seeded on first use) for `options.environments` on `host`.
    init(host: any ServiceHost, options: PlatformServicesOptions) {
        self.host = host
        self.options = options
    }

    /// Now, from the host's clock.
    var now: Date { host.now }

    /// The MLflow registry of `environment`, created (and seeded) on first use.
    func registry(_ environment: String) -> ModelRegistry {
        registries.withLock { registries in
            if let registry = registries[environment] { return registry }
            let registry = ModelRegistry(now: { [host] in host.now })
            if let model = options.seededModel {
                registry.seed(model: model, alias: "champion")
            }
            registries[environment] = registry
            return registry
        }
    }

    /// The handler that answers for `service` in `environment` (`nil` for the scheduler, which has no API).
    func handler(_ service: MLService, environment: String) -> (any SimServiceHandler)? {
        switch service {
        case .airflow: AirflowHandler(runtime: self, environment: environment)
        case .airflowScheduler: nil
        case .mlflow: MLflowHandler(runtime: self, environment: environment)
        case .triton: TritonHandler(runtime: self, environment: environment)
        case .fastapi: FastAPIHandler(runtime: self, environment: environment)
        }
    }

    /// One round of the services' background work for `service` (all four in the embedded cluster): Airflow
    /// schedules DAG runs, Triton and FastAPI instances that just started load their models.
    func tick(_ services: Set<MLService>) async {
        if services.contains(.airflow) { await AirflowScheduler(runtime: self).tick() }
        if services.contains(.triton) { await TritonHandler.startPods(self) }
        if services.contains(.fastapi) { await FastAPIHandler.startPods(self) }
    }
}
