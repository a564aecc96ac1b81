import Foundation
import ProofCore

/// The simulated Airflow scheduler: moves DAG runs queued → running → success|failed, only while the host
/// has a Ready scheduler instance (in the embedded cluster a pod of the `airflow-scheduler` Deployment, label
/// `app.kubernetes.io/component: scheduler`, in `airflow-ENV`). A run's tasks reach MLflow and Triton through
/// the host (the in-cluster network, or HTTP), so a run whose peer is down fails, with the reason in its `note`.
struct AirflowScheduler {
    let runtime: MLServices

    func tick() async {
        for environment in runtime.options.environments {
            guard !(await runtime.host.instances(of: .airflowScheduler, environment: environment)).isEmpty else { continue }
            let now = runtime.now
            let runs = runtime.dagRuns.withLock { $0[environment] ?? [] }
            for run in runs {
                switch run.state {
                case "queued" where now.timeIntervalSince(run.queuedAt) >= Self.seconds(runtime.options.dagRunQueuedDelay):
                    update(environment, run) { $0.state = "running"; $0.startDate = now }
                case "running" where now.timeIntervalSince(run.startDate ?? now) >= Self.seconds(runtime.options.dagRunDuration):
                    let outcome = await execute(run, environment: environment)
                    update(environment, run) { stored in
                        stored.state = outcome == nil ? "success" : "failed"
                        stored.endDate = runtime.now
                        if let outcome { stored.note = outcome }
                    }
                default:
                    break
                }
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func update(_ environment: String, _ run: DagRun, _ body: (inout DagRun) -> Void) {
        runtime.dagRuns.withLock { runs in
            guard let index = runs[environment]?.firstIndex(where: { $0.dagID == run.dagID && $0.runID == run.runID }) else { return }
            body(&runs[environment]![index])
        }
    }

    /// Runs the DAG's tasks; `nil` on success, else what failed.
    func execute(_ run: DagRun, environment: String) async -> String? {
        let model = run.conf["model_name"]?.stringValue ?? runtime.options.seededModel ?? "mlp-model"
        let alias = run.conf["alias"]?.stringValue ?? "champion"
        do {
            switch run.dagID {
            case "train_register":
                _ = try? await mlflow(environment, "POST", "registered-models/create", ["name": .string(model)])
                let created = try await mlflow(environment, "POST", "model-versions/create", ["name": .string(model),
                    "source": .string("s3://mlflow-artifacts/\(run.runID)/model"), "run_id": .string(Digest.sha256Hex(run.runID).prefix(32).description)])
                guard let version = created[path: ["model_version", "version"]]?.stringValue else {
                    return "task register failed: MLflow returned no version"
                }
                _ = try await mlflow(environment, "POST", "registered-models/alias",
                    ["name": .string(model), "alias": .string(alias), "version": .string(version)])
                if run.conf["deploy"]?.boolValue != false { try await deploy(environment, model: model) }
            case "deploy":
                try await deploy(environment, model: model)
            case "rollback":
                guard let version = run.conf["version"]?.displayString, run.conf["version"] != nil else {
                    return "task rollback failed: conf.version is required"
                }
                _ = try await mlflow(environment, "POST", "registered-models/alias",
                    ["name": .string(model), "alias": .string(alias), "version": .string(version)])
                try await deploy(environment, model: model)
            default:
                return "unknown DAG \(run.dagID)"
            }
            return nil
        } catch {
            return "\(error.message)"
        }
    }

    func mlflow(_ environment: String, _ method: String, _ endpoint: String, _ body: JSON) async throws(SimError) -> JSON {
        let response = try await runtime.host.call(.mlflow, environment: environment, method: method,
            path: "/api/2.0/mlflow/\(endpoint)", headers: ["content-type": "application/json"], body: body.canonicalData)
        let json = (try? JSON(parsing: response.body)) ?? .null
        guard (200..<300).contains(response.status) else {
            throw SimError(code: response.status, reason: json["error_code"]?.stringValue ?? "MLflowError",
                message: "MLflow \(endpoint): \(json["message"]?.stringValue ?? "HTTP \(response.status)")")
        }
        return json
    }

    func deploy(_ environment: String, model: String) async throws(SimError) {
        let response = try await runtime.host.call(.triton, environment: environment, method: "POST",
            path: "/v2/repository/models/\(model)/load")
        guard (200..<300).contains(response.status) else {
            let json = (try? JSON(parsing: response.body)) ?? .null
            throw SimError(code: response.status, reason: "TritonError",
                message: "task deploy failed: Triton: \(json["error"]?.stringValue ?? "HTTP \(response.status)")")
        }
    }
}
