import Foundation
import ProofCluster
import ProofCore
import ProofSim
import Testing

@Suite("Airflow, MLflow, Triton and FastAPI through the service proxy", .serialized)
struct MLServicesTests {
    static let mlflow = (namespace: "mlflow-dev", service: "mlflow", port: "5000")

    @Test func trainRunRegistersServesAndSurvivesRestarts() async throws {
        let platform = try await PlatformCluster.start()
        do {
            // The bootstrap registration: version 1 is champion, and FastAPI loaded it at start.
            // (Under load the pod may start before MLflow answers; it then retries until it loads.)
            var served = try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion")
            try await platform.eventually("FastAPI has loaded champion") {
                served = try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion")
                return served.status == 200
            }
            #expect(served.status == 200 && served.json["version"] == "1" && served.json["model"] == "mlp-model")

            // Trigger train_register in dev.
            let trigger = try await platform.call("POST", namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                path: "/api/v1/dags/train_register/dagRuns", body: ["dag_run_id": "train-1", "conf": ["model_name": "mlp-model"]])
            #expect(trigger.status == 200 && trigger.json["state"] == "queued" && trigger.json["dag_run_id"] == "train-1")
            var states: [String] = []
            try await platform.eventually("the DAG run succeeds") {
                let run = try await platform.call(namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                    path: "/api/v1/dags/train_register/dagRuns/train-1")
                let state = run.json["state"]?.stringValue ?? "?"
                if states.last != state { states.append(state) }
                return state == "success" || state == "failed"
            }
            #expect(states.last == "success")
            #expect(states.first == "queued" || states.first == "running")

            // MLflow: version 2 exists and is champion.
            let alias = try await platform.call(namespace: Self.mlflow.namespace, service: Self.mlflow.service, port: Self.mlflow.port,
                path: "/api/2.0/mlflow/registered-models/alias", query: [("name", "mlp-model"), ("alias", "champion")])
            #expect(alias.status == 200 && alias.json[path: ["model_version", "version"]] == "2")
            let versions = try await platform.call(namespace: Self.mlflow.namespace, service: Self.mlflow.service, port: Self.mlflow.port,
                path: "/api/2.0/mlflow/model-versions/search", query: [("filter", "name='mlp-model'")])
            #expect(versions.json["model_versions"]?.arrayValue?.compactMap { $0["version"]?.stringValue } == ["2", "1"])
            let model = try await platform.call(namespace: Self.mlflow.namespace, service: Self.mlflow.service, port: Self.mlflow.port,
                path: "/api/2.0/mlflow/registered-models/get", query: [("name", "mlp-model")])
            #expect(model.json[path: ["registered_model", "aliases"]] == [["alias": "champion", "version": "2"]])

            // Triton loaded it (the DAG's deploy task).
            let ready = try await platform.call(namespace: "triton-dev", service: "triton", port: "8000", path: "/v2/models/mlp-model/versions/2/ready")
            #expect(ready.status == 200)
            let old = try await platform.call(namespace: "triton-dev", service: "triton", port: "8000", path: "/v2/models/mlp-model/versions/1/ready")
            #expect(old.status == 400 && old.json["error"] == "Request for unknown model: 'mlp-model' version 1 is not found")
            #expect(try await platform.call(namespace: "triton-dev", service: "triton", port: "8000", path: "/v2/health/ready").status == 200)
            let index = try await platform.call("POST", namespace: "triton-dev", service: "triton", port: "8000", path: "/v2/repository/index", body: [:])
            #expect(index.json == [["name": "mlp-model", "version": "1", "state": "UNAVAILABLE", "reason": "unloaded"],
                ["name": "mlp-model", "version": "2", "state": "READY", "reason": ""]])

            // FastAPI still serves what it loaded at start until it reloads.
            let before = try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion")
            #expect(before.json["version"] == "1")
            let reload = try await platform.call("POST", namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/reload")
            #expect(reload.status == 200 && reload.json[path: ["models", "champion", "version"]] == "2")
            let after = try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion")
            #expect(after.json["version"] == "2")
            let predict = try await platform.call("POST", namespace: "fastapi-dev", service: "fastapi", port: "8080",
                path: "/v1/models/champion/predict", body: ["inputs": []])
            #expect(predict.status == 200 && predict.json["version"] == "2")

            // prod is a separate registry: untouched.
            let prod = try await platform.call(namespace: "mlflow-prod", service: "mlflow", port: "5000",
                path: "/api/2.0/mlflow/registered-models/alias", query: [("name", "mlp-model"), ("alias", "champion")])
            #expect(prod.json[path: ["model_version", "version"]] == "1")

            // Restarts: MLflow keeps its registry (database); Triton and FastAPI reload champion at start.
            try await platform.restartPods(namespace: "mlflow-dev", selector: "app.kubernetes.io/name=mlflow")
            try await platform.restartPods(namespace: "triton-dev", selector: "app.kubernetes.io/name=triton")
            try await platform.restartPods(namespace: "fastapi-dev", selector: "app.kubernetes.io/name=fastapi")
            let restarted = try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion")
            #expect(restarted.json["version"] == "2")
            let readyAgain = try await platform.call(namespace: "triton-dev", service: "triton", port: "8000", path: "/v2/models/mlp-model/versions/2/ready")
            #expect(readyAgain.status == 200)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    @Test func fastAPIRestartServesTheAliasAtStartNotItsOldMemory() async throws {
        let platform = try await PlatformCluster.start()
        do {
            // FastAPI has loaded champion (version 1) at start; under load its first load may still be retrying.
            try await platform.eventually("FastAPI serves version 1") {
                try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion").json["version"] == "1"
            }
            // Move champion without telling FastAPI: create v2 and set the alias directly in MLflow.
            let created = try await platform.call("POST", namespace: "mlflow-dev", service: "mlflow", port: "5000",
                path: "/api/2.0/mlflow/model-versions/create", body: ["name": "mlp-model", "source": "s3://mlflow-artifacts/x/model"])
            #expect(created.json[path: ["model_version", "version"]] == "2")
            let set = try await platform.call("POST", namespace: "mlflow-dev", service: "mlflow", port: "5000",
                path: "/api/2.0/mlflow/registered-models/alias", body: ["name": "mlp-model", "alias": "champion", "version": "2"])
            #expect(set.status == 200)
            #expect(try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion").json["version"] == "1")
            try await platform.restartPods(namespace: "fastapi-dev", selector: "app.kubernetes.io/name=fastapi")
            #expect(try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/champion").json["version"] == "2")
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    @Test func errorsComeInEachServicesOwnFormat() async throws {
        let platform = try await PlatformCluster.start()
        do {
            let missing = try await platform.call(namespace: "mlflow-dev", service: "mlflow", port: "5000",
                path: "/api/2.0/mlflow/registered-models/get", query: [("name", "nope")])
            #expect(missing.status == 404 && missing.json == ["error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered Model with name=nope not found"])
            let noParam = try await platform.call(namespace: "mlflow-dev", service: "mlflow", port: "5000", path: "/api/2.0/mlflow/registered-models/get")
            #expect(noParam.status == 400 && noParam.json["error_code"] == "INVALID_PARAMETER_VALUE")
            let noAlias = try await platform.call(namespace: "mlflow-dev", service: "mlflow", port: "5000",
                path: "/api/2.0/mlflow/registered-models/alias", query: [("name", "mlp-model"), ("alias", "challenger")])
            #expect(noAlias.status == 404 && noAlias.json["error_code"] == "RESOURCE_DOES_NOT_EXIST")

            let dag = try await platform.call("POST", namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                path: "/api/v1/dags/nope/dagRuns", body: [:])
            #expect(dag.status == 404 && dag.json["title"] == "DAG not found" && dag.json["status"] == 404)
            _ = try await platform.call("POST", namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                path: "/api/v1/dags/deploy/dagRuns", body: ["dag_run_id": "d1"])
            let duplicate = try await platform.call("POST", namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                path: "/api/v1/dags/deploy/dagRuns", body: ["dag_run_id": "d1"])
            #expect(duplicate.status == 409 && duplicate.json["detail"] == "DAGRun with DAG ID: 'deploy' and DAGRun ID: 'd1' already exists")

            let triton = try await platform.call(namespace: "triton-dev", service: "triton", port: "8000", path: "/v2/models/other/ready")
            #expect(triton.status == 400 && triton.json["error"] == "Request for unknown model: 'other' is not found")
            let fastapi = try await platform.call(namespace: "fastapi-dev", service: "fastapi", port: "8080", path: "/v1/models/challenger")
            // The pod may have started before MLflow answered; the detail then also names the load error.
            #expect(fastapi.status == 404
                && fastapi.json["detail"]?.stringValue?.hasPrefix("Model alias 'challenger' is not loaded") == true)

            // A DAG run whose peer is down fails instead of pretending: scale MLflow to zero, then train.
            let deployments = try await platform.client.resource(named: "deployments")
            _ = try await platform.client.patch(deployments, name: "mlflow", namespace: "mlflow-dev", patch: ["spec": ["replicas": 0]])
            try await platform.eventually("mlflow has no ready pod") {
                try await platform.call(namespace: "mlflow-dev", service: "mlflow", port: "5000", path: "/health").status == 503
            }
            _ = try await platform.call("POST", namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                path: "/api/v1/dags/train_register/dagRuns", body: ["dag_run_id": "t-down"])
            var final: JSON = .null
            try await platform.eventually("the run finishes") {
                final = try await platform.call(namespace: "airflow-dev", service: "airflow-webserver", port: "8080",
                    path: "/api/v1/dags/train_register/dagRuns/t-down").json
                return final["state"] == "failed" || final["state"] == "success"
            }
            #expect(final["state"] == "failed")
            #expect(final["note"]?.stringValue?.contains("connection refused") == true)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }
}
