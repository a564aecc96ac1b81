import Foundation
import ProofCore

/// The simulated platform services as one `SimController`: on start it registers the programs behind the
/// platform's Services with the cluster's `ServiceHandlers`, then runs a loop every `tickInterval` that ships
/// logs (Alloy, once an `alloyBatchWait`), schedules DAG runs (Airflow), loads models into freshly started Triton/FastAPI pods and drops
/// Loki data whose volume claim is gone.
///
/// ```swift
/// let services = ServiceHandlers()
/// var options = SimOptions()
/// options.controllers.append(PlatformServices(handlers: services))
/// let cluster = try await SimulatedCluster.start(options, services: services)
/// ```
///
/// Registered per environment `ENV` (see `PlatformServicesOptions.environments`):
/// `baseline-ENV/loki-ENV` (`LokiHandler`), `airflow-ENV/airflow-webserver` (`AirflowHandler`),
/// `mlflow-ENV/mlflow` (`MLflowHandler`), `triton-ENV/triton` (`TritonHandler`), `fastapi-ENV/fastapi`
/// (`FastAPIHandler`).
public struct PlatformServices: SimController {
    /// The handler table the cluster's API server proxies to.
    public let handlers: ServiceHandlers
    /// Behaviour settings.
    public let options: PlatformServicesOptions
    /// The chaos switches Alloy (`alloyPaused`) and Loki (`lokiLosesData()`) obey; the cluster passes its own
    /// `SimulatedCluster.chaos`.
    public let chaos: ChaosSwitches

    /// Creates the controller; pass the same `handlers` to `SimulatedCluster.start(_:services:)`. Without
    /// `chaos` the services obey a private, all-off set of switches.
    public init(handlers: ServiceHandlers, options: PlatformServicesOptions = PlatformServicesOptions(),
        chaos: ChaosSwitches = ChaosSwitches())
    {
        self.handlers = handlers
        self.options = options
        self.chaos = chaos
    }

    public var name: String { "platform-services" }

    public func run(state: SimState) async {
        let runtime = ServicesRuntime(state: state, handlers: handlers, options: options, chaos: chaos)
        register(runtime)
        let alloy = AlloyShipper(runtime: runtime)
        var shipped: ContinuousClock.Instant?
        while !Task.isCancelled {
            // Alloy pushes once a batch_wait, as loki.write does, not every tick.
            if shipped.map({ ContinuousClock.now - $0 >= options.alloyBatchWait }) ?? true {
                shipped = ContinuousClock.now
                await alloy.tick()
            }
            await runtime.ml.tick([.airflow, .triton, .fastapi])
            runtime.applyLokiDataLoss()
            runtime.collectLokiGarbage()
            try? await Task.sleep(for: options.tickInterval)
        }
    }

    /// Registers the handlers of every environment, leaving alone any handler already registered for the
    /// same Service (a test's own program wins).
    func register(_ runtime: ServicesRuntime) {
        func add(_ namespace: String, _ name: String, _ handler: any SimServiceHandler) {
            if handlers.handler(namespace: namespace, name: name) == nil { handlers.register(namespace: namespace, name: name, handler) }
        }
        for environment in options.environments {
            add("baseline-\(environment)", "loki-\(environment)",
                LokiHandler(runtime: runtime, namespace: "baseline-\(environment)", service: "loki-\(environment)"))
            for service in [MLService.airflow, .mlflow, .triton, .fastapi] {
                if let handler = runtime.ml.handler(service, environment: environment) {
                    add(service.namespace(environment), service.serviceName, handler)
                }
            }
        }
    }
}
