import Foundation
import ProofCore

/// Airflow's stable REST API (v1) behind Service `airflow-webserver` in `airflow-ENV` (port 8080):
/// `GET /api/v1/dags`, `GET /api/v1/dags/{dag}`, `POST|GET /api/v1/dags/{dag}/dagRuns`,
/// `GET /api/v1/dags/{dag}/dagRuns/{run}`, `GET /health`.
///
/// DAGs: `train_register` (train, register a new MLflow version, point the alias — `conf.alias`, default
/// `champion` — at it, and ask Triton to load it unless `conf.deploy` is false), `deploy` (Triton loads the
/// alias's version) and `rollback` (`conf.version` becomes the alias, then deploy). Runs go
/// queued → running → success|failed, driven by `AirflowScheduler` only while a scheduler pod is Ready.
/// Runs live in the metadata database, so they survive webserver restarts. Errors are RFC 7807 problems
/// (`application/problem+json`), as Airflow's API answers them.
public struct AirflowHandler: SimServiceHandler {
    let runtime: MLServices
    /// The environment (`dev`, `prod`).
    public let environment: String

    init(runtime: MLServices, environment: String) {
        self.runtime = runtime
        self.environment = environment
    }

    static func problem(_ status: Int, _ title: String, _ detail: String) -> ServiceResponse {
        let type = status == 404 ? "NotFound" : status == 409 ? "AlreadyExists" : "BadRequest"
        let body: JSON = ["detail": .string(detail), "status": .int(Int64(status)), "title": .string(title),
            "type": .string("https://airflow.apache.org/docs/apache-airflow/2.9.3/stable-rest-api-ref.html#section/Errors/\(type)")]
        return ServiceResponse(status: status, headers: ["content-type": "application/problem+json"], body: body.canonicalData)
    }

    public func handle(_ request: ServiceRequest) async throws -> ServiceResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        if segments == ["health"] || segments == ["api", "v1", "health"] {
            let schedulerUp = !(await runtime.host.instances(of: .airflowScheduler, environment: environment)).isEmpty
            return .json(["metadatabase": ["status": "healthy"],
                "scheduler": ["status": .string(schedulerUp ? "healthy" : "unhealthy"), "latest_scheduler_heartbeat": .string(DagRun.format(runtime.now))]])
        }
        guard segments.count >= 3, segments[0] == "api", segments[1] == "v1", segments[2] == "dags" else {
            return Self.problem(404, "Not Found", "The requested URL was not found on the server.")
        }
        if segments.count == 3 {
            let dags: [JSON] = DagRun.dags.map(dagJSON)
            return .json(["dags": .array(dags), "total_entries": .int(Int64(dags.count))])
        }
        let dagID = segments[3]
        guard DagRun.dags.contains(dagID) else {
            return Self.problem(404, "DAG not found", "DAG with dag_id: '\(dagID)' not found")
        }
        if segments.count == 4 { return .json(dagJSON(dagID)) }
        guard segments[4] == "dagRuns" else { return Self.problem(404, "Not Found", "The requested URL was not found on the server.") }
        if segments.count == 5 {
            switch request.method {
            case "POST": return trigger(dagID, request)
            case "GET":
                let runs = runtime.dagRuns.withLock { $0[environment] ?? [] }.filter { $0.dagID == dagID }
                return .json(["dag_runs": .array(runs.map(\.json)), "total_entries": .int(Int64(runs.count))])
            default: return Self.problem(405, "Method Not Allowed", "The method is not allowed for the requested URL.")
            }
        }
        let runID = segments[5].removingPercentEncoding ?? segments[5]
        guard segments.count == 6, request.method == "GET" else {
            return Self.problem(404, "Not Found", "The requested URL was not found on the server.")
        }
        guard let run = runtime.dagRuns.withLock({ $0[environment]?.first { $0.dagID == dagID && $0.runID == runID } }) else {
            return Self.problem(404, "DAGRun not found", "DAGRun with DAG ID: '\(dagID)' and DagRun ID: '\(runID)' not found")
        }
        return .json(run.json)
    }

    func dagJSON(_ dagID: String) -> JSON {
        ["dag_id": .string(dagID), "is_paused": false, "is_active": true, "fileloc": .string("/opt/airflow/dags/\(dagID).py"),
            "owners": ["mlp"], "tags": [["name": "mlp"]], "schedule_interval": .null]
    }

    func trigger(_ dagID: String, _ request: ServiceRequest) -> ServiceResponse {
        var body: JSON = [:]
        if !request.body.isEmpty {
            guard let parsed = try? JSON(parsing: request.body), parsed.objectValue != nil else {
                return Self.problem(400, "Bad Request", "Request body must be a JSON object")
            }
            body = parsed
        }
        if let conf = body["conf"], conf.objectValue == nil {
            return Self.problem(400, "Bad Request", "{'conf': ['Not a valid mapping type.']}")
        }
        let now = runtime.now
        var logical = now
        if let text = body["logical_date"]?.stringValue {
            guard let nanos = LokiTime.rfc3339(text) else {
                return Self.problem(400, "Bad Request", "{'logical_date': ['Not a valid datetime.']}")
            }
            logical = Date(timeIntervalSince1970: Double(nanos) / 1e9)
        }
        let runID = body["dag_run_id"]?.stringValue ?? "manual__\(DagRun.format(logical))"
        let run = DagRun(dagID: dagID, runID: runID, state: "queued", conf: body["conf"] ?? [:], logicalDate: logical,
            queuedAt: now, note: body["note"]?.stringValue)
        let added = runtime.dagRuns.withLock { runs -> Bool in
            if (runs[environment] ?? []).contains(where: { $0.dagID == dagID && $0.runID == runID }) { return false }
            runs[environment, default: []].append(run)
            return true
        }
        guard added else {
            return Self.problem(409, "Conflict", "DAGRun with DAG ID: '\(dagID)' and DAGRun ID: '\(runID)' already exists")
        }
        return .json(run.json)
    }
}
