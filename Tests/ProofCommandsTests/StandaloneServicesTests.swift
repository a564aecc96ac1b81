import Foundation
import ProofCluster
import ProofCore
import ProofSim
import Testing

@testable import ProofCommands

/// The kind stand-in for the heavy ML services: `proof sim service NAME` processes on loopback ports, each
/// told its peers' URLs through environment variables (as the core manifests do with Service DNS names),
/// driven through Train → Register → Deploy → Reload over real HTTP with the embedded cluster's assertions
/// (`MLServicesTests`).
@Suite(.serialized) struct StandaloneServicesTests {
    /// One `proof sim service` process (a `ProofProcess`, output in its own temporary directory).
    final class ServiceProcess {
        let name: String
        let directory: URL
        let child: ProofProcess
        private(set) var url = ""

        /// Starts `proof sim service NAME --port 0` with `environment` added; `started()` waits for its port.
        init(_ name: String, environment: [String: String]) throws {
            self.name = name
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-service-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            child = try ProofProcess(["sim", "service", name, "--port", "0", "--address", "127.0.0.1", "--environment", "dev"],
                in: directory, environment: ["HOSTNAME": "\(name)-0"].merging(environment) { $1 })
        }

        /// Waits until the process prints `listening on http://127.0.0.1:PORT` (or exits: the test fails with its output).
        func started() async throws -> ServiceProcess {
            let marker = "listening on http://127.0.0.1:"
            try await ProofProcess.waitUntil("\(name) listens", limit: .seconds(60)) { child.output.contains(marker) || !child.isRunning }
            guard let range = child.output.range(of: marker) else {
                Issue.record("\(name) did not start: \(child.output)\(child.errors)")
                throw CancellationError()
            }
            url = "http://127.0.0.1:" + child.output[range.upperBound...].prefix { $0.isNumber }
            return self
        }

        /// SIGTERM, then waits for the exit and removes the output.
        func stop() {
            if child.isRunning { child.process.terminate() }
            child.process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static let client: HTTPClient = {
        var options = HTTPClientOptions()
        options.retry = .none
        return HTTPClient(options: options)
    }()

    /// A request to one of the processes: status, JSON body (`.null` when not JSON).
    static func call(_ service: ServiceProcess, _ path: String, method: String = "GET", query: String? = nil, body: JSON? = nil)
        async throws -> (status: Int, json: JSON)
    {
        let response = try await client.send(HTTPRequest(method: method, url: service.url + path + (query.map { "?" + $0 } ?? ""),
            headers: body == nil ? [] : [HTTPHeader("Content-Type", "application/json")], body: body?.canonicalData))
        return (response.status, (try? JSON(parsing: response.body)) ?? .null)
    }

    /// Polls `condition` every 50 ms until it holds (or 30 s pass: the test fails naming `what`).
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// The four services (and Airflow's scheduler), started in dependency order so each knows its peers' URLs.
    struct Platform {
        var mlflow: ServiceProcess
        var triton: ServiceProcess
        var fastapi: ServiceProcess
        var scheduler: ServiceProcess
        var airflow: ServiceProcess

        static func start() async throws -> Platform {
            var started: [ServiceProcess] = []
            do {
                let mlflow = try await ServiceProcess("mlflow", environment: [:]).started()
                started.append(mlflow)
                let triton = try await ServiceProcess("triton", environment: ["MLFLOW_URL": mlflow.url]).started()
                started.append(triton)
                let fastapi = try await Self.fastapi(mlflow: mlflow, triton: triton)
                started.append(fastapi)
                let scheduler = try await ServiceProcess("airflow-scheduler", environment: [:]).started()
                started.append(scheduler)
                let airflow = try await ServiceProcess("airflow", environment: ["MLFLOW_URL": mlflow.url, "TRITON_URL": triton.url,
                    "AIRFLOW_SCHEDULER_URL": scheduler.url]).started()
                return Platform(mlflow: mlflow, triton: triton, fastapi: fastapi, scheduler: scheduler, airflow: airflow)
            } catch {
                for process in started { process.stop() }
                throw error
            }
        }

        /// FastAPI as the core manifest configures it (`MLFLOW_TRACKING_URI`, `TRITON_URL`, `MODEL_ALIAS`).
        static func fastapi(mlflow: ServiceProcess, triton: ServiceProcess) async throws -> ServiceProcess {
            try await ServiceProcess("fastapi", environment: ["MLFLOW_TRACKING_URI": mlflow.url, "TRITON_URL": triton.url,
                "MODEL_ALIAS": "champion"]).started()
        }

        func stop() {
            for process in [airflow, scheduler, fastapi, triton, mlflow] { process.stop() }
        }
    }

    @Test func trainRegisterDeployReloadAcrossSeparateProcesses() async throws {
        var platform = try await Platform.start()
        defer { platform.stop() }

        // The bootstrap registration: version 1 is champion, and FastAPI loaded it at start from MLflow.
        try await Self.eventually("FastAPI has loaded champion") { try await Self.call(platform.fastapi, "/v1/models/champion").status == 200 }
        let served = try await Self.call(platform.fastapi, "/v1/models/champion")
        #expect(served.json["version"] == "1" && served.json["model"] == "mlp-model" && served.json["pod"] == "fastapi-0")

        // Train → Register → Deploy: Airflow's run calls MLflow and Triton over HTTP.
        let trigger = try await Self.call(platform.airflow, "/api/v1/dags/train_register/dagRuns", method: "POST",
            body: ["dag_run_id": "train-1", "conf": ["model_name": "mlp-model"]])
        #expect(trigger.status == 200 && trigger.json["state"] == "queued" && trigger.json["dag_run_id"] == "train-1")
        var states: [String] = []
        try await Self.eventually("the DAG run finishes") {
            let state = try await Self.call(platform.airflow, "/api/v1/dags/train_register/dagRuns/train-1").json["state"]?.stringValue ?? "?"
            if states.last != state { states.append(state) }
            return state == "success" || state == "failed"
        }
        #expect(states.last == "success", "\(states)")
        #expect(states.first == "queued" || states.first == "running")

        // MLflow: version 2 exists and is champion.
        let alias = try await Self.call(platform.mlflow, "/api/2.0/mlflow/registered-models/alias", query: "name=mlp-model&alias=champion")
        #expect(alias.status == 200 && alias.json[path: ["model_version", "version"]] == "2")
        let versions = try await Self.call(platform.mlflow, "/api/2.0/mlflow/model-versions/search", query: "filter=name%3D%27mlp-model%27")
        #expect(versions.json["model_versions"]?.arrayValue?.compactMap { $0["version"]?.stringValue } == ["2", "1"])

        // Triton loaded it (the DAG's deploy task).
        #expect(try await Self.call(platform.triton, "/v2/models/mlp-model/versions/2/ready").status == 200)
        let old = try await Self.call(platform.triton, "/v2/models/mlp-model/versions/1/ready")
        #expect(old.status == 400 && old.json["error"] == "Request for unknown model: 'mlp-model' version 1 is not found")
        let index = try await Self.call(platform.triton, "/v2/repository/index", method: "POST", body: [:])
        #expect(index.json == [["name": "mlp-model", "version": "1", "state": "UNAVAILABLE", "reason": "unloaded"],
            ["name": "mlp-model", "version": "2", "state": "READY", "reason": ""]])

        // Reload: FastAPI serves what it loaded at start until /reload, then predicts through Triton.
        #expect(try await Self.call(platform.fastapi, "/v1/models/champion").json["version"] == "1")
        let reload = try await Self.call(platform.fastapi, "/reload", method: "POST")
        #expect(reload.status == 200 && reload.json[path: ["models", "champion", "version"]] == "2")
        let predict = try await Self.call(platform.fastapi, "/v1/models/champion/predict", method: "POST", body: ["inputs": []])
        #expect(predict.status == 200 && predict.json["version"] == "2" && predict.json["outputs"]?.arrayValue?.first?["data"] == [.double(0.52)])

        // A restarted FastAPI (a new process) loads the alias from MLflow at start.
        platform.fastapi.stop()
        platform.fastapi = try await Platform.fastapi(mlflow: platform.mlflow, triton: platform.triton)
        try await Self.eventually("the new FastAPI has loaded champion") { try await Self.call(platform.fastapi, "/v1/models/champion").status == 200 }
        #expect(try await Self.call(platform.fastapi, "/v1/models/champion").json["version"] == "2")
    }

    @Test func aRunWaitsForTheSchedulerAndFailsWhenMLflowIsDown() async throws {
        let platform = try await Platform.start()
        defer { platform.stop() }

        // No scheduler answering: the run stays queued.
        platform.scheduler.stop()
        let queued = try await Self.call(platform.airflow, "/api/v1/dags/deploy/dagRuns", method: "POST", body: ["dag_run_id": "d-1"])
        #expect(queued.status == 200)
        let health = try await Self.call(platform.airflow, "/health")
        #expect(health.json[path: ["scheduler", "status"]] == "unhealthy")
        #expect(try await Self.call(platform.airflow, "/api/v1/dags/deploy/dagRuns/d-1").json["state"] == "queued")

        // MLflow down: a train run (started by a scheduler that is back) fails, saying which peer did not answer.
        let scheduler = try await ServiceProcess("airflow-scheduler", environment: [:]).started()
        defer { scheduler.stop() }
        let airflow = try await ServiceProcess("airflow", environment: ["MLFLOW_URL": platform.mlflow.url, "TRITON_URL": platform.triton.url,
            "AIRFLOW_SCHEDULER_URL": scheduler.url]).started()
        defer { airflow.stop() }
        #expect(try await Self.call(airflow, "/health").json[path: ["scheduler", "status"]] == "healthy")
        platform.mlflow.stop()
        _ = try await Self.call(airflow, "/api/v1/dags/train_register/dagRuns", method: "POST", body: ["dag_run_id": "t-1"])
        var run: JSON = .null
        try await Self.eventually("the train run finishes") {
            run = try await Self.call(airflow, "/api/v1/dags/train_register/dagRuns/t-1").json
            return run["state"] == "failed" || run["state"] == "success"
        }
        #expect(run["state"] == "failed")
        #expect(run["note"]?.stringValue?.contains("mlflow at \(platform.mlflow.url)") == true, "\(run)")
    }

    /// The core manifests run the stand-in on kind: every Airflow, MLflow, Triton and FastAPI container runs the
    /// image built from this repository (under a name `scripts/kind/up.sh` loads) with a `proof sim service`
    /// command line that the real parser accepts, on the port its Service targets, with its peers' Service
    /// addresses in its environment.
    @Test func theCoreManifestsRunTheStandInOnKind() throws {
        let expected: [(file: String, service: String, port: String, peers: [String: String])] = [
            ("airflow/webserver.yaml", "airflow", "8080", ["MLFLOW_URL": "mlflow", "TRITON_URL": "triton"]),
            ("airflow/scheduler.yaml", "airflow-scheduler", "8974", [:]),
            ("mlflow/mlflow.yaml", "mlflow", "5000", [:]),
            ("triton/triton.yaml", "triton", "8000", ["MLFLOW_URL": "mlflow"]),
            ("fastapi/fastapi.yaml", "fastapi", "8080", ["MLFLOW_TRACKING_URI": "mlflow", "TRITON_URL": "triton"]),
        ]
        let up = try String(contentsOfFile: RunTests.path("scripts/kind/up.sh"), encoding: .utf8)
        for env in ["dev", "prod"] {
            for entry in expected {
                let path = "scenarios/platform/core/envs/\(env)/\(entry.file)"
                let deployment = try #require(try YAML.decodeAll(String(contentsOfFile: RunTests.path(path), encoding: .utf8))
                    .first { $0["kind"] == "Deployment" }, "\(path)")
                let container = try #require(deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first, "\(path)")
                let image = container["image"]?.stringValue ?? ""
                #expect(image == "gitops-proof:dev" || image.hasPrefix("ghcr.io/example/mlp-fastapi:"), "\(path): \(image)")
                #expect(up.contains(image), "\(path): scripts/kind/up.sh does not load \(image)")
                let arguments = container["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let parsed = try Proof.parseAsRoot(arguments)
                let command = try #require(parsed as? Proof.Sim.Service, "\(path): \(arguments) is not `proof sim service`")
                #expect(command.name == entry.service && command.port == Int(entry.port) && command.environment == env, "\(path): \(arguments)")
                #expect(container[path: ["ports"]]?.arrayValue?.first?["containerPort"] == .int(Int64(entry.port)!), "\(path)")
                var variables: [String: String] = [:]
                for variable in container["env"]?.arrayValue ?? [] { variables[variable["name"]?.stringValue ?? ""] = variable["value"]?.stringValue }
                let ports = ["mlflow": "5000", "triton": "8000"]
                for (name, peer) in entry.peers {
                    #expect(variables[name] == "http://\(peer).\(peer)-\(env).svc.cluster.local:\(ports[peer]!)", "\(path): \(name)")
                }
            }
        }
    }
}
