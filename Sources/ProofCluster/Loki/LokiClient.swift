import Foundation
import ProofCore

/// A small typed client for Loki's HTTP API, reached through the Kubernetes API server's service proxy
/// (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/…`) with the `KubernetesClient`'s credentials, or at a
/// direct base URL (a port-forward).
///
/// ```swift
/// let loki = LokiClient(kubernetes: client, namespace: "baseline-dev", service: "loki-dev")
/// let lines = try await loki.queryRange("{namespace=\"airflow-dev\"}", start: from, end: now, limit: 100)
/// ```
///
/// Every request carries `X-Scope-OrgID` when `tenant` is set. A non-2xx answer throws `ClusterError` with
/// kind `.http`, the status, and Loki's own message (`parse error at line 1, col 8: …`, `no org id`, or the
/// API server's `no endpoints available for service …`).
public struct LokiClient: Sendable {
    /// How requests reach Loki.
    public enum Transport: Sendable {
        /// Through the API server's service proxy.
        case serviceProxy(KubernetesClient, namespace: String, service: String, port: String)
        /// Directly at a base URL such as `http://127.0.0.1:3100`.
        case direct(HTTPClient, baseURL: String)
    }

    /// How requests reach Loki.
    public let transport: Transport
    /// The tenant sent as `X-Scope-OrgID`, if any.
    public let tenant: String?
    /// The time limit of each request.
    public let timeout: Duration

    /// A client for Service `service` in `namespace` (port `port`, Loki's 3100 by default) through the proxy.
    public init(kubernetes: KubernetesClient, namespace: String = "baseline-dev", service: String = "loki-dev",
        port: String = "3100", tenant: String? = nil, timeout: Duration = .seconds(30))
    {
        self.init(transport: .serviceProxy(kubernetes, namespace: namespace, service: service, port: port), tenant: tenant,
            timeout: timeout)
    }

    /// A client over any transport.
    public init(transport: Transport, tenant: String? = nil, timeout: Duration = .seconds(30)) {
        self.transport = transport
        self.tenant = tenant
        self.timeout = timeout
    }

    /// The client for environment `environment` of the platform: `loki-ENV` in `baseline-ENV`.
    public static func platform(_ kubernetes: KubernetesClient, environment: String, tenant: String? = nil) -> LokiClient {
        LokiClient(kubernetes: kubernetes, namespace: "baseline-\(environment)", service: "loki-\(environment)", tenant: tenant)
    }

    // MARK: Endpoints

    /// `GET /ready`. A Loki that is down (503 from the proxy, or Loki's own "not ready") is an answer, not an
    /// error; only a failed connection to the API server throws.
    public func ready() async throws -> LokiReadiness {
        let response = try await send(path: "/ready")
        var message = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let status = try? JSON(parsing: response.body), status["kind"]?.stringValue == "Status" {
            message = status["message"]?.stringValue ?? message
        }
        return LokiReadiness(ready: response.status == 200 && message == "ready", status: response.status, message: message)
    }

    /// `POST /loki/api/v1/push` with JSON streams (timestamps as nanosecond strings).
    public func push(_ streams: [LokiLogStream]) async throws {
        let body: JSON = ["streams": .array(streams.map { stream in
            ["stream": .object(stream.labels.mapValues { .string($0) }),
                "values": .array(stream.entries.map { [.string(String($0.nanoseconds)), .string($0.line)] })]
        })]
        let response = try await send(method: "POST", path: "/loki/api/v1/push", body: body.canonicalData,
            contentType: "application/json")
        try check(response, method: "POST", path: "/loki/api/v1/push", query: [])
    }

    /// `GET /loki/api/v1/query_range`: log lines (`streams`) or a `matrix` for a metric query.
    public func queryRange(_ query: String, start: Date, end: Date, limit: Int? = nil, step: Duration? = nil,
        direction: String? = nil) async throws -> LokiQueryResult
    {
        var parameters = [("query", query), ("start", Self.nanoseconds(start)), ("end", Self.nanoseconds(end))]
        if let limit { parameters.append(("limit", String(limit))) }
        if let step {
            let seconds = Double(step.components.seconds) + Double(step.components.attoseconds) / 1e18
            parameters.append(("step", String(seconds)))
        }
        if let direction { parameters.append(("direction", direction)) }
        return try await result(path: "/loki/api/v1/query_range", query: parameters)
    }

    /// `GET /loki/api/v1/query`: an instant metric query (`vector`) at `time` (now when `nil`).
    public func query(_ query: String, time: Date? = nil, limit: Int? = nil) async throws -> LokiQueryResult {
        var parameters = [("query", query)]
        if let time { parameters.append(("time", Self.nanoseconds(time))) }
        if let limit { parameters.append(("limit", String(limit))) }
        return try await result(path: "/loki/api/v1/query", query: parameters)
    }

    /// `GET /loki/api/v1/labels`: label names seen in the range (Loki's default: the last 6 hours).
    public func labels(start: Date? = nil, end: Date? = nil) async throws -> [String] {
        try await strings(path: "/loki/api/v1/labels", query: Self.range(start, end))
    }

    /// `GET /loki/api/v1/label/NAME/values`.
    public func labelValues(_ name: String, start: Date? = nil, end: Date? = nil) async throws -> [String] {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        return try await strings(path: "/loki/api/v1/label/\(encoded)/values", query: Self.range(start, end))
    }

    /// `GET /loki/api/v1/series?match[]=…`: the label sets of streams matching any selector.
    public func series(_ selectors: [String], start: Date? = nil, end: Date? = nil) async throws -> [[String: String]] {
        let path = "/loki/api/v1/series"
        let query = selectors.map { ("match[]", $0) } + Self.range(start, end)
        let json = try await decoded(path: path, query: query)
        return (json["data"]?.arrayValue ?? []).map { ($0.objectValue ?? [:]).compactMapValues(\.stringValue) }
    }

    // MARK: Plumbing

    static func nanoseconds(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1e9).rounded())) }

    static func range(_ start: Date?, _ end: Date?) -> [(String, String)] {
        var query: [(String, String)] = []
        if let start { query.append(("start", nanoseconds(start))) }
        if let end { query.append(("end", nanoseconds(end))) }
        return query
    }

    func result(path: String, query: [(String, String)]) async throws -> LokiQueryResult {
        let json = try await decoded(path: path, query: query)
        guard let result = LokiQueryResult(response: json) else {
            throw ClusterError(kind: .protocolViolation, message: "the answer is not a Loki query result", method: "GET",
                url: url(path: path, query: query))
        }
        return result
    }

    func strings(path: String, query: [(String, String)]) async throws -> [String] {
        let json = try await decoded(path: path, query: query)
        return (json["data"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    func decoded(path: String, query: [(String, String)]) async throws -> JSON {
        let response = try await send(path: path, query: query)
        try check(response, method: "GET", path: path, query: query)
        do {
            return try JSON(parsing: response.body)
        } catch {
            throw ClusterError(kind: .protocolViolation, message: "the answer is not JSON: \(error)", method: "GET",
                url: url(path: path, query: query), status: response.status)
        }
    }

    func check(_ response: HTTPResponse, method: String, path: String, query: [(String, String)]) throws {
        guard response.isSuccess else {
            throw ClusterError.http(method: method, url: url(path: path, query: query), status: response.status, body: response.body)
        }
    }

    /// The full URL of a Loki path.
    func url(path: String, query: [(String, String)]) -> String {
        switch transport {
        case .serviceProxy(let kubernetes, let namespace, let service, let port):
            return kubernetes.url(path: "/api/v1/namespaces/\(namespace)/services/\(service):\(port)/proxy\(path)", query: query)
        case .direct(_, let baseURL):
            var text = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) + path : baseURL + path
            if !query.isEmpty {
                text += "?" + query.map { "\(KubernetesClient.encode($0.0))=\(KubernetesClient.encode($0.1))" }.joined(separator: "&")
            }
            return text
        }
    }

    /// Sends one request with the tenant header and (through the proxy) the cluster credentials.
    func send(method: String = "GET", path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        contentType: String? = nil) async throws -> HTTPResponse
    {
        var request = HTTPRequest(method: method, url: url(path: path, query: query), body: body, timeout: timeout)
        request.headers.append(HTTPHeader("Accept", "application/json"))
        if let contentType { request.headers.append(HTTPHeader("Content-Type", contentType)) }
        if let tenant { request.headers.append(HTTPHeader("X-Scope-OrgID", tenant)) }
        switch transport {
        case .serviceProxy(let kubernetes, _, _, _):
            return try await kubernetes.http.send(try await kubernetes.authorized(request))
        case .direct(let http, _):
            return try await http.send(request)
        }
    }
}
