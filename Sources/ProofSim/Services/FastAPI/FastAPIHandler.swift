import Foundation
import ProofCore

/// The platform's FastAPI router behind Service `fastapi` in `fastapi-ENV` (port 8080): `GET /healthz`,
/// `GET /v1/models`, `GET /v1/models/{alias}` (the model and version it serves for that alias),
/// `POST /v1/models/{alias}/predict` (forwarded to Triton), `POST /reload` (re-reads the alias from MLflow).
///
/// What it serves is in the pod's memory: a pod resolves its `MODEL_ALIAS` (default `champion`) for
/// `MODEL_NAME` (default the seeded model) from MLflow (`MLFLOW_TRACKING_URI`) when it starts, and keeps
/// serving that version until `/reload` or a restart. Errors are FastAPI's `{"detail": "..."}`.
public struct FastAPIHandler: SimServiceHandler {
    let runtime: MLServices
    /// The environment (`dev`, `prod`).
    public let environment: String

    /// What a pod has loaded: alias → model, version and when.
    struct Loaded: Sendable, Equatable {
        var models: [String: (model: String, version: String, loadedAt: Date)]
        var error: String?

        static func == (lhs: Loaded, rhs: Loaded) -> Bool {
            lhs.error == rhs.error && lhs.models.keys == rhs.models.keys
                && lhs.models.allSatisfy { rhs.models[$0.key].map { $0.model == $0.model && $0.version == $0.version } ?? false }
        }
    }

    init(runtime: MLServices, environment: String) {
        self.runtime = runtime
        self.environment = environment
    }

    static func detail(_ message: String, status: Int) -> ServiceResponse { .json(["detail": .string(message)], status: status) }

    /// Loads the alias into Ready FastAPI instances that have not loaded yet, and forgets instances that are gone.
    static func startPods(_ runtime: MLServices) async {
        var alive = Set<String>()
        for environment in runtime.options.environments {
            let handler = FastAPIHandler(runtime: runtime, environment: environment)
            for pod in await runtime.host.instances(of: .fastapi, environment: environment) {
                let uid = pod.uid
                alive.insert(uid)
                if needsLoad(runtime, uid) {
                    let loaded = await handler.load(pod: pod)
                    keep(loaded, runtime, uid)
                }
            }
        }
        runtime.fastAPILoaded.withLock { loaded in
            for uid in loaded.keys where !alive.contains(uid) { loaded[uid] = nil }
        }
    }

    /// Whether the pod has no model yet: never loaded, or its start-up load failed (the app exits when MLflow
    /// cannot be reached at start and the kubelet restarts it, so it keeps trying until MLflow answers).
    static func needsLoad(_ runtime: MLServices, _ uid: String) -> Bool {
        guard let loaded = runtime.fastAPILoaded.withLock({ $0[uid] }) else { return true }
        return loaded.models.isEmpty && loaded.error != nil
    }

    /// Keeps a start-up load unless another request already loaded a model for the pod.
    static func keep(_ loaded: Loaded, _ runtime: MLServices, _ uid: String) {
        runtime.fastAPILoaded.withLock { table in
            if let current = table[uid], !current.models.isEmpty { return }
            table[uid] = loaded
        }
    }

    /// Resolves the pod's alias from MLflow, as the app does at start and on `/reload`.
    func load(pod: ServiceInstance) async -> Loaded {
        let alias = pod.environment["MODEL_ALIAS"] ?? "champion"
        let model = pod.environment["MODEL_NAME"] ?? runtime.options.seededModel ?? "mlp-model"
        do {
            let response = try await runtime.host.call(.mlflow, environment: environment, url: pod.environment["MLFLOW_TRACKING_URI"], method: "GET",
                path: "/api/2.0/mlflow/registered-models/alias", query: "name=\(model)&alias=\(alias)")
            let json = (try? JSON(parsing: response.body)) ?? .null
            guard response.status == 200, let version = json[path: ["model_version", "version"]]?.stringValue else {
                return Loaded(models: [:], error: "MLflow: \(json["message"]?.stringValue ?? "HTTP \(response.status)")")
            }
            return Loaded(models: [alias: (model, version, runtime.now)], error: nil)
        } catch {
            return Loaded(models: [:], error: "MLflow unreachable: \(error.message)")
        }
    }

    public func handle(_ request: ServiceRequest) async throws -> ServiceResponse {
        guard let pod = await runtime.host.instances(of: .fastapi, environment: environment).first else {
            return Self.detail("Service Unavailable", status: 503)
        }
        let uid = pod.uid
        if Self.needsLoad(runtime, uid) {
            let loaded = await load(pod: pod)
            Self.keep(loaded, runtime, uid)
        }
        let loaded = runtime.fastAPILoaded.withLock { $0[uid]! }
        let segments = request.path.split(separator: "/").map(String.init)
        switch (request.method, segments) {
        case ("GET", ["healthz"]):
            return .json(["status": "ok", "models_loaded": .int(Int64(loaded.models.count))])
        case ("POST", ["reload"]):
            let reloaded = await load(pod: pod)
            if let error = reloaded.error { return Self.detail("reload failed: \(error)", status: 503) }
            runtime.fastAPILoaded.withLock { $0[uid] = reloaded }
            return .json(["status": "reloaded", "models": modelsJSON(reloaded)])
        case ("GET", ["v1", "models"]):
            return .json(["models": modelsJSON(loaded)])
        case ("GET", let path) where path.count == 3 && path[0] == "v1" && path[1] == "models":
            guard let entry = loaded.models[path[2]] else {
                return Self.detail("Model alias '\(path[2])' is not loaded" + (loaded.error.map { " (\($0))" } ?? ""), status: 404)
            }
            return .json(["alias": .string(path[2]), "model": .string(entry.model), "version": .string(entry.version),
                "loaded_at": .string(DagRun.format(entry.loadedAt)), "pod": .string(pod.name)])
        case ("POST", let path) where path.count == 4 && path[0] == "v1" && path[1] == "models" && path[3] == "predict":
            guard let entry = loaded.models[path[2]] else { return Self.detail("Model alias '\(path[2])' is not loaded", status: 404) }
            do {
                let response = try await runtime.host.call(.triton, environment: environment, url: pod.environment["TRITON_URL"], method: "POST",
                    path: "/v2/models/\(entry.model)/versions/\(entry.version)/infer", body: request.body)
                let json = (try? JSON(parsing: response.body)) ?? .null
                guard response.status == 200 else {
                    return Self.detail("Triton: \(json["error"]?.stringValue ?? "HTTP \(response.status)")", status: 502)
                }
                return .json(["alias": .string(path[2]), "model": .string(entry.model), "version": .string(entry.version),
                    "outputs": json["outputs"] ?? []])
            } catch {
                return Self.detail("Triton unreachable: \(error.message)", status: 502)
            }
        default:
            return Self.detail("Not Found", status: 404)
        }
    }

    func modelsJSON(_ loaded: Loaded) -> JSON {
        .object(loaded.models.mapValues { ["model": .string($0.model), "version": .string($0.version)] })
    }
}
