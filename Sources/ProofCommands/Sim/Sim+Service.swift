import ArgumentParser
import Foundation
import ProofSim

extension Proof.Sim {
    /// `proof sim service NAME --port P`: one of the embedded cluster's ML services on its own, over plain HTTP.
    public struct Service: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "service",
            abstract: "Serve one of the simulated ML services (Airflow, MLflow, Triton, FastAPI) on its own over HTTP.",
            discussion: """
                The stand-in for the heavy ML services on a real cluster (the image built from this repository): \
                the same behaviour as the embedded cluster's services, with peers reached over HTTP at the base \
                URLs in MLFLOW_URL, TRITON_URL, AIRFLOW_URL and FASTAPI_URL (FastAPI's MLFLOW_TRACKING_URI wins \
                for MLflow). FastAPI reads MODEL_NAME and MODEL_ALIAS; airflow runs the scheduler loop itself and, \
                when AIRFLOW_SCHEDULER_URL is set, schedules only while that scheduler answers GET /health. \
                airflow-scheduler serves only that health endpoint. State (the MLflow registry, DAG runs, what \
                Triton and FastAPI loaded) lives in the process's memory.
                """
        )

        /// Which service.
        @Argument(help: ArgumentHelp("The service: \(MLService.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
        var name: String

        /// TCP port.
        @Option(help: "TCP port (0 = any free port).")
        var port: Int

        /// Address to bind.
        @Option(help: "Address to bind (0.0.0.0 in a pod, 127.0.0.1 on a workstation).")
        var address: String = "0.0.0.0"

        /// The platform environment served.
        @Option(help: "The environment this instance belongs to (dev or prod; default: MLP_ENV, else dev).")
        var environment: String?

        public init() {}

        public func validate() throws {
            guard MLService(rawValue: name) != nil else {
                throw ValidationError("unknown service '\(name)': expected one of \(MLService.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535, got \(port)") }
        }

        public func run() async throws {
            let service = MLService(rawValue: name)!
            let variables = ProcessInfo.processInfo.environment
            let environment = self.environment ?? variables["MLP_ENV"] ?? "dev"
            let host = HTTPServiceHost(service: service, environment: environment, variables: variables)
            let server = try await StandaloneService.start(service, environment: environment, host: host, address: address, port: port)
            print("\(service.rawValue) (\(environment)) listening on http://\(address):\(server.port)")
            fflush(nil)
            await Serve.waitForTermination()
            await server.stop()
        }
    }
}
