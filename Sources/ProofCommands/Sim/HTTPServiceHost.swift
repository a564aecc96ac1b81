import Foundation
import ProofCluster
import ProofCore
import ProofSim

/// The ML services' host for `proof sim service`: the process is the only instance of its own service (its
/// environment variables are the instance's), and peers are other processes reached over real HTTP at the
/// base URL their variable names (`MLFLOW_URL`, `TRITON_URL`, `AIRFLOW_URL`, `FASTAPI_URL`; an instance's own
/// setting such as FastAPI's `MLFLOW_TRACKING_URI` wins), as pods reach each other through Service DNS names.
///
/// Airflow's scheduler counts as up when `AIRFLOW_SCHEDULER_URL` is unset (the webserver process runs the
/// scheduler loop itself) or when `GET $AIRFLOW_SCHEDULER_URL/health` answers 200.
///
/// Immutable after `init`, so safe to share; the HTTP client is `Sendable`.
struct HTTPServiceHost: ServiceHost {
    /// The service this process serves.
    let service: MLService
    /// Its environment (`dev`, `prod`).
    let environment: String
    /// The process's environment variables.
    let variables: [String: String]
    /// This instance (a fresh uid per process, as a restarted pod gets one).
    let instance: ServiceInstance
    /// Plain HTTP, no retries (a peer that does not answer is down, as a connection refused is in a cluster).
    let client: HTTPClient

    /// A host for `service` of `environment`, reading peers' URLs from `variables`; `timeout` bounds each call.
    init(service: MLService, environment: String, variables: [String: String], timeout: Duration = .seconds(10)) {
        self.service = service
        self.environment = environment
        self.variables = variables
        self.instance = ServiceInstance(uid: UUID().uuidString.lowercased(), name: variables["HOSTNAME"] ?? "proof-sim-service-\(service.rawValue)",
            environment: variables)
        var options = HTTPClientOptions()
        options.retry = .none
        options.connectTimeout = .seconds(3)
        options.requestTimeout = timeout
        self.client = HTTPClient(options: options)
    }

    /// Now, from the system clock.
    var now: Date { Date() }

    func instances(of wanted: MLService, environment: String) async -> [ServiceInstance] {
        guard environment == self.environment else { return [] }
        if wanted == service { return [instance] }
        guard wanted == .airflowScheduler, service == .airflow else { return [] }
        guard variables[MLService.airflowScheduler.urlVariable] != nil else { return [instance] }
        let health = try? await call(.airflowScheduler, environment: environment, url: nil, method: "GET", path: "/health", query: nil,
            headers: [:], body: [])
        return health?.status == 200 ? [instance] : []
    }

    /// `scheme://host[:port]` of a URL (a path in the setting is dropped, as the embedded cluster's resolution does).
    static func origin(_ url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let host = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
        return host.isEmpty ? nil : String(url[..<schemeEnd.upperBound]) + host
    }

    func call(_ peer: MLService, environment: String, url: String?, method: String, path: String, query: String?,
        headers: [String: String], body: [UInt8]) async throws(SimError) -> ServiceResponse
    {
        let setting = url ?? variables[peer.urlVariable] ?? (peer == .mlflow ? variables["MLFLOW_TRACKING_URI"] : nil)
        guard let setting else {
            throw SimError(code: 503, reason: "ServiceUnavailable",
                message: "no address for \(peer.rawValue): set \(peer.urlVariable) (e.g. http://\(peer.serviceName).\(peer.namespace(environment)).svc.cluster.local)")
        }
        guard let origin = Self.origin(setting) else {
            throw SimError(code: 503, reason: "ServiceUnavailable", message: "\(peer.urlVariable)=\(setting) is not an http(s) URL")
        }
        let target = origin + path + (query.map { "?" + $0 } ?? "")
        let request = HTTPRequest(method: method, url: target, headers: headers.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) },
            body: method == "GET" && body.isEmpty ? nil : body)
        do {
            let response = try await client.send(request)
            var fields: [String: String] = [:]
            for header in response.headers { fields[header.name.lowercased()] = header.value }
            return ServiceResponse(status: response.status, headers: fields, body: response.body)
        } catch {
            throw SimError(code: 503, reason: "ServiceUnavailable", message: "\(peer.rawValue) at \(origin): \(error)")
        }
    }
}
