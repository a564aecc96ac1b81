import Foundation
import ProofCore

/// MLflow's model-registry REST API behind Service `mlflow` in `mlflow-ENV` (port 5000), under
/// `/api/2.0/mlflow/` (and `/ajax-api/2.0/mlflow/`): `registered-models/create|get|search`,
/// `model-versions/create|get|search`, `registered-models/alias` (POST set, GET get, DELETE), `/health`.
///
/// The registry is MLflow's database, not the pod's memory: it persists across MLflow pod restarts.
/// Errors are MLflow's `{"error_code": "...", "message": "..."}`.
public struct MLflowHandler: SimServiceHandler {
    let runtime: MLServices
    /// The environment (`dev`, `prod`).
    public let environment: String

    init(runtime: MLServices, environment: String) {
        self.runtime = runtime
        self.environment = environment
    }

    public func handle(_ request: ServiceRequest) async throws -> ServiceResponse {
        if request.path == "/health" { return .text("OK") }
        var path = request.path
        for prefix in ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"] where path.hasPrefix(prefix) {
            path = String(path.dropFirst(prefix.count))
        }
        do {
            return try route(request, endpoint: path)
        } catch {
            return .json(["error_code": .string(error.reason), "message": .string(error.message)], status: error.code)
        }
    }

    static func required(_ parameters: [String: JSON], _ key: String) throws(SimError) -> String {
        guard let value = parameters[key], value != .null, !value.displayString.isEmpty else {
            throw ModelRegistry.invalid("Missing value for required parameter '\(key)'. See the API docs for more information about request parameters.")
        }
        return value.displayString
    }

    static func versionNumber(_ parameters: [String: JSON], _ key: String) throws(SimError) -> Int {
        let text = try required(parameters, key)
        guard let number = Int(text) else {
            throw ModelRegistry.invalid("Parameter '\(key)' must be an integer, got '\(text)'.")
        }
        return number
    }

    func route(_ request: ServiceRequest, endpoint path: String) throws(SimError) -> ServiceResponse {
        let registry = runtime.registry(environment)
        let parameters = try Self.parameters(request)
        switch (request.method, path) {
        case ("POST", "registered-models/create"):
            let model = try registry.createModel(try Self.required(parameters, "name"), description: parameters["description"]?.stringValue ?? "")
            return .json(["registered_model": registry.json(model)])
        case ("GET", "registered-models/get"):
            return .json(["registered_model": registry.json(try registry.model(try Self.required(parameters, "name")))])
        case ("GET", "registered-models/search"):
            return .json(["registered_models": .array(registry.all.map { registry.json($0) })])
        case ("POST", "model-versions/create"):
            let version = try registry.createVersion(try Self.required(parameters, "name"), source: try Self.required(parameters, "source"),
                runID: parameters["run_id"]?.stringValue ?? "", description: parameters["description"]?.stringValue ?? "")
            return .json(["model_version": registry.json(version)])
        case ("GET", "model-versions/get"):
            let version = try registry.version(try Self.required(parameters, "name"), try Self.versionNumber(parameters, "version"))
            return .json(["model_version": registry.json(version)])
        case ("GET", "model-versions/search"):
            let wanted = try Self.nameFilter(parameters["filter"]?.stringValue ?? "")
            let versions = registry.all.filter { wanted == nil || $0.name == wanted }.flatMap(\.versions)
                .sorted { $0.name != $1.name ? $0.name < $1.name : $0.version > $1.version }
            return .json(["model_versions": .array(versions.map { registry.json($0) })])
        case ("POST", "registered-models/alias"):
            try registry.setAlias(try Self.required(parameters, "name"), alias: try Self.required(parameters, "alias"),
                version: try Self.versionNumber(parameters, "version"))
            return .json([:])
        case ("GET", "registered-models/alias"):
            let version = try registry.versionByAlias(try Self.required(parameters, "name"), alias: try Self.required(parameters, "alias"))
            return .json(["model_version": registry.json(version)])
        case ("DELETE", "registered-models/alias"):
            try registry.deleteAlias(try Self.required(parameters, "name"), alias: try Self.required(parameters, "alias"))
            return .json([:])
        default:
            return .json(["error_code": "ENDPOINT_NOT_FOUND",
                "message": .string("No API endpoint \(request.method) \(request.path) in the simulated MLflow (registry API only)")], status: 404)
        }
    }

    /// Query parameters, overlaid by a JSON body's members.
    static func parameters(_ request: ServiceRequest) throws(SimError) -> [String: JSON] {
        var result = request.queryItems.mapValues { JSON.string($0) }
        if !request.body.isEmpty {
            guard let body = try? JSON(parsing: request.body), let object = body.objectValue else {
                throw SimError(code: 400, reason: "MALFORMED_REQUEST", message: "Malformed request body: expected a JSON object")
            }
            for (key, value) in object { result[key] = value }
        }
        return result
    }

    /// The model name of a `name='X'` / `name = "X"` filter; `nil` for an empty filter.
    static func nameFilter(_ filter: String) throws(SimError) -> String? {
        let trimmed = filter.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, parts[0] == "name", parts[1].count >= 2,
            let quote = parts[1].first, quote == "'" || quote == "\"", parts[1].last == quote
        else {
            throw ModelRegistry.invalid("Invalid filter '\(filter)': the simulated MLflow supports name='<model>' only")
        }
        return String(parts[1].dropFirst().dropLast())
    }
}
