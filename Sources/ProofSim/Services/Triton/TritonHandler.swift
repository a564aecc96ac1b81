import Foundation
import ProofCore

/// Triton Inference Server's HTTP/REST (KServe v2) API behind Service `triton` in `triton-ENV` (port 8000):
/// `/v2/health/live|ready`, `/v2`, `/v2/models/{name}[/versions/{v}]` (metadata), `…/ready`, `…/infer`,
/// `POST /v2/repository/index`, `POST /v2/repository/models/{name}/load|unload`.
///
/// Explicit model control: what a Triton pod has loaded is its memory. When a pod starts it loads, for every
/// registered model, the version MLflow's `champion` alias names (asking MLflow over the in-cluster network);
/// `load` re-reads the alias and swaps the loaded version. The repository index lists every registered
/// version, `READY` when loaded. Errors are Triton's `{"error": "..."}` with status 400.
public struct TritonHandler: SimServiceHandler {
    let runtime: MLServices
    /// The environment (`dev`, `prod`).
    public let environment: String

    init(runtime: MLServices, environment: String) {
        self.runtime = runtime
        self.environment = environment
    }

    static func error(_ message: String, status: Int = 400) -> ServiceResponse { .json(["error": .string(message)], status: status) }

    /// Loads models into Ready Triton instances that have not loaded yet, and forgets instances that are gone.
    static func startPods(_ runtime: MLServices) async {
        var alive = Set<String>()
        for environment in runtime.options.environments {
            for pod in await runtime.host.instances(of: .triton, environment: environment) {
                let uid = pod.uid
                alive.insert(uid)
                if runtime.tritonLoaded.withLock({ $0[uid] }) == nil {
                    await TritonHandler(runtime: runtime, environment: environment).start(podUID: uid)
                }
            }
        }
        runtime.tritonLoaded.withLock { loaded in
            for uid in loaded.keys where !alive.contains(uid) { loaded[uid] = nil }
        }
    }

    /// What a starting pod loads: the `champion` version of every registered model MLflow knows.
    func start(podUID: String) async {
        var loaded: [String: Set<String>] = [:]
        if let search = try? await mlflow("registered-models/search"), search.status == 200,
            let models = (try? JSON(parsing: search.body))?["registered_models"]?.arrayValue
        {
            for model in models {
                guard let name = model["name"]?.stringValue,
                    let version = (model["aliases"]?.arrayValue ?? []).first(where: { $0["alias"]?.stringValue == "champion" })?["version"]?.stringValue
                else { continue }
                loaded[name] = [version]
            }
        }
        runtime.tritonLoaded.withLock { $0[podUID] = $0[podUID] ?? loaded }
    }

    func mlflow(_ endpoint: String, query: String? = nil) async throws(SimError) -> ServiceResponse {
        try await runtime.host.call(.mlflow, environment: environment, method: "GET",
            path: "/api/2.0/mlflow/\(endpoint)", query: query)
    }

    func servingPod() async -> String? {
        await runtime.host.instances(of: .triton, environment: environment).first?.uid
    }

    public func handle(_ request: ServiceRequest) async throws -> ServiceResponse {
        guard let pod = await servingPod() else { return Self.error("server is not ready", status: 503) }
        if runtime.tritonLoaded.withLock({ $0[pod] }) == nil { await start(podUID: pod) }
        let loaded = runtime.tritonLoaded.withLock { $0[pod] ?? [:] }
        let segments = request.path.split(separator: "/").map(String.init)
        switch (request.method, segments) {
        case ("GET", ["v2", "health", "live"]), ("GET", ["v2", "health", "ready"]):
            return ServiceResponse(status: 200)
        case ("GET", ["v2"]):
            return .json(["name": "triton", "version": "2.49.0",
                "extensions": ["classification", "sequence", "model_repository", "model_repository(unload_dependents)", "schedule_policy",
                    "model_configuration", "system_shared_memory", "cuda_shared_memory", "binary_tensor_data", "statistics"]])
        case ("POST", ["v2", "repository", "index"]):
            return await index(loaded, request)
        case ("POST", let path) where path.count == 5 && path[0] == "v2" && path[1] == "repository" && path[2] == "models":
            return await control(model: path[3], action: path[4], pod: pod)
        default:
            break
        }
        guard segments.count >= 3, segments[0] == "v2", segments[1] == "models" else {
            return Self.error("Not Found", status: 404)
        }
        let model = segments[2]
        var rest = Array(segments.dropFirst(3))
        var version: String?
        if rest.count >= 2, rest[0] == "versions" {
            version = rest[1]
            rest.removeFirst(2)
        }
        let versions = loaded[model] ?? []
        let available = version.map { versions.contains($0) } ?? !versions.isEmpty
        let unknown = version.map { "Request for unknown model: '\(model)' version \($0) is not found" }
            ?? "Request for unknown model: '\(model)' is not found"
        switch (request.method, rest) {
        case ("GET", ["ready"]):
            return available ? ServiceResponse(status: 200) : Self.error(unknown)
        case ("GET", []):
            guard available else { return Self.error(unknown) }
            return .json(["name": .string(model), "versions": .array(versions.sorted().map { .string($0) }), "platform": "onnxruntime_onnx",
                "inputs": [["name": "input", "datatype": "FP32", "shape": [-1, 4]]],
                "outputs": [["name": "output", "datatype": "FP32", "shape": [-1, 1]]]])
        case ("POST", ["infer"]):
            guard available else { return Self.error(unknown) }
            let served = version ?? versions.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.last!
            let id = (try? JSON(parsing: request.body))?["id"] ?? .null
            var body: JSON = ["model_name": .string(model), "model_version": .string(served),
                "outputs": [["name": "output", "datatype": "FP32", "shape": [1, 1], "data": [.double(0.5 + Double(Int(served) ?? 0) / 100)]]]]
            if id != .null { body["id"] = id }
            return .json(body)
        default:
            return Self.error("Not Found", status: 404)
        }
    }

    /// `POST /v2/repository/index`: every registered version, `READY` when loaded (`{"ready": true}` filters).
    func index(_ loaded: [String: Set<String>], _ request: ServiceRequest) async -> ServiceResponse {
        let readyOnly = (try? JSON(parsing: request.body))?["ready"]?.boolValue ?? false
        var entries: [JSON] = []
        var known: [String: Set<String>] = [:]
        if let response = try? await mlflow("model-versions/search"), response.status == 200 {
            for version in (try? JSON(parsing: response.body))?["model_versions"]?.arrayValue ?? [] {
                if let name = version["name"]?.stringValue, let number = version["version"]?.stringValue { known[name, default: []].insert(number) }
            }
        }
        for (model, versions) in loaded { known[model, default: []].formUnion(versions) }
        for model in known.keys.sorted() {
            for version in known[model]!.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
                let ready = loaded[model]?.contains(version) == true
                if readyOnly && !ready { continue }
                entries.append(["name": .string(model), "version": .string(version), "state": .string(ready ? "READY" : "UNAVAILABLE"),
                    "reason": .string(ready ? "" : "unloaded")])
            }
        }
        return .json(.array(entries))
    }

    /// `load` re-reads the `champion` alias from MLflow and swaps the loaded version; `unload` drops the model.
    func control(model: String, action: String, pod: String) async -> ServiceResponse {
        switch action {
        case "unload":
            runtime.tritonLoaded.withLock { _ = $0[pod]?.removeValue(forKey: model) }
            return ServiceResponse(status: 200)
        case "load":
            let response: ServiceResponse
            do {
                response = try await mlflow("registered-models/alias", query: "name=\(model)&alias=champion")
            } catch {
                return Self.error("failed to load '\(model)', failed to poll from model repository: \(error.message)")
            }
            guard response.status == 200, let version = (try? JSON(parsing: response.body))?[path: ["model_version", "version"]]?.stringValue else {
                return Self.error("failed to load '\(model)', failed to poll from model repository: no version has alias champion")
            }
            runtime.tritonLoaded.withLock { $0[pod, default: [:]][model] = [version] }
            return ServiceResponse(status: 200)
        default:
            return Self.error("Not Found", status: 404)
        }
    }
}
