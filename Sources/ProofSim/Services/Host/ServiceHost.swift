import Foundation

/// One of the heavy ML services (and Airflow's scheduler), as the platform deploys them per environment.
public enum MLService: String, Sendable, CaseIterable {
    /// Airflow's webserver (REST API, port 8080), Service `airflow-webserver` in `airflow-ENV`.
    case airflow
    /// Airflow's scheduler (health server, port 8974), pods labelled `app.kubernetes.io/component: scheduler`.
    case airflowScheduler = "airflow-scheduler"
    /// MLflow's tracking server and registry (port 5000), Service `mlflow` in `mlflow-ENV`.
    case mlflow
    /// Triton Inference Server (HTTP port 8000), Service `triton` in `triton-ENV`.
    case triton
    /// The platform's FastAPI router (port 8080), Service `fastapi` in `fastapi-ENV`.
    case fastapi

    /// The namespace of the service in `environment` (`mlflow-dev`).
    public func namespace(_ environment: String) -> String {
        switch self {
        case .airflow, .airflowScheduler: "airflow-\(environment)"
        default: "\(rawValue)-\(environment)"
        }
    }

    /// The Kubernetes Service its peers call (`airflow-webserver`, `mlflow`, …).
    public var serviceName: String { self == .airflow || self == .airflowScheduler ? "airflow-webserver" : rawValue }

    /// The environment variable that holds a peer's base URL when the services run as separate processes
    /// (`MLFLOW_URL=http://mlflow.mlflow-dev.svc.cluster.local:5000`).
    public var urlVariable: String {
        switch self {
        case .airflow: "AIRFLOW_URL"
        case .airflowScheduler: "AIRFLOW_SCHEDULER_URL"
        case .mlflow: "MLFLOW_URL"
        case .triton: "TRITON_URL"
        case .fastapi: "FASTAPI_URL"
        }
    }
}

/// A running instance of a service (a Ready pod, or the standalone process itself): what the handlers key
/// their per-instance memory on, and the environment variables they read.
public struct ServiceInstance: Sendable, Equatable {
    /// Stable while the instance lives; a restart gives a new one (the pod's uid).
    public var uid: String
    /// The pod's name (or the process's host name).
    public var name: String
    /// The container's environment variables (`MODEL_ALIAS`, `MLFLOW_TRACKING_URI`, `TRITON_URL`, …).
    public var environment: [String: String]

    /// Creates an instance.
    public init(uid: String, name: String, environment: [String: String]) {
        self.uid = uid
        self.name = name
        self.environment = environment
    }
}

/// Where the ML services run: the seam between their behaviour (the handlers) and what surrounds them.
///
/// Two implementations: `ClusterServiceHost` inside the embedded simulated cluster (instances are Ready pods,
/// peers are reached through `ServiceNetwork` with the API server's proxy rule) and, for `proof sim service`,
/// a host whose only instance is the process itself and whose peers are real HTTP URLs from environment
/// variables. Everything the ML handlers read from the cluster goes through it: the instance's environment
/// variables (the services read no PVC or ConfigMap).
public protocol ServiceHost: Sendable {
    /// Now, from the host's clock.
    var now: Date { get }
    /// The Ready instances of `service` in `environment`, ordered (the first is the one that answers).
    func instances(of service: MLService, environment: String) async -> [ServiceInstance]
    /// Calls a peer: `url` (an instance's setting such as `MLFLOW_TRACKING_URI`) when given, else the host's
    /// own way to reach `service` in `environment`. Throws `SimError` 503 when nothing answers there (a
    /// connection refused); any HTTP status is returned.
    func call(_ service: MLService, environment: String, url: String?, method: String, path: String, query: String?,
        headers: [String: String], body: [UInt8]) async throws(SimError) -> ServiceResponse
}

extension ServiceHost {
    /// `call` with no URL override, headers or body unless given.
    func call(_ service: MLService, environment: String, url: String? = nil, method: String, path: String,
        query: String? = nil, headers: [String: String] = [:], body: [UInt8] = []) async throws(SimError) -> ServiceResponse
    {
        try await call(service, environment: environment, url: url, method: method, path: path, query: query, headers: headers, body: body)
    }
}
