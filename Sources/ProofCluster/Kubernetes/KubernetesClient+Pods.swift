import ProofCore

/// Which part of a container's log to read.
public struct LogOptions: Sendable {
    /// The container; required when the pod has several.
    public var container: String?
    /// Only the last N lines.
    public var tailLines: Int?
    /// Only lines newer than this many seconds.
    public var sinceSeconds: Int?
    /// Prefix each line with its RFC 3339 timestamp.
    public var timestamps: Bool
    /// The previous (crashed) container's log.
    public var previous: Bool

    /// Creates options.
    public init(
        container: String? = nil, tailLines: Int? = nil, sinceSeconds: Int? = nil, timestamps: Bool = false,
        previous: Bool = false
    ) {
        self.container = container
        self.tailLines = tailLines
        self.sinceSeconds = sinceSeconds
        self.timestamps = timestamps
        self.previous = previous
    }

    var query: [(String, String)] {
        var query: [(String, String)] = []
        if let container { query.append(("container", container)) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if let sinceSeconds { query.append(("sinceSeconds", String(sinceSeconds))) }
        if timestamps { query.append(("timestamps", "true")) }
        if previous { query.append(("previous", "true")) }
        return query
    }
}

extension KubernetesClient {
    /// A pod's log as text.
    public func logs(pod: String, namespace: String? = nil, options: LogOptions = LogOptions()) async throws -> String {
        let path = "/api/v1/namespaces/\(namespace ?? defaultNamespace)/pods/\(pod)/log"
        let response = try await send(path: path, query: options.query, accept: "*/*")
        guard response.isSuccess else {
            throw ClusterError.http(method: "GET", url: url(path: path, query: options.query), status: response.status, body: response.body)
        }
        return response.text
    }

    /// A pod's log followed live, line by line, until the container stops or the reader stops reading.
    public func followLogs(pod: String, namespace: String? = nil, options: LogOptions = LogOptions())
        async throws -> HTTPLineStream
    {
        let path = "/api/v1/namespaces/\(namespace ?? defaultNamespace)/pods/\(pod)/log"
        return try await stream(path: path, query: options.query + [("follow", "true")], idleTimeout: .seconds(3600))
    }

    /// A request to a service through the API server's proxy
    /// (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`): the way to reach Loki, Argo CD or a model
    /// server without a port-forward. Returns the service's answer whatever its status.
    ///
    /// - Parameters:
    ///   - service: The service name (`http:name` to force a scheme).
    ///   - port: The port name or number.
    ///   - path: The path at the service, such as `/loki/api/v1/query_range`.
    public func proxy(
        method: String = "GET", namespace: String, service: String, port: String, path: String,
        query: [(String, String)] = [], body: [UInt8]? = nil, contentType: String? = nil, accept: String = "*/*"
    ) async throws -> HTTPResponse {
        let suffix = path.hasPrefix("/") ? path : "/" + path
        return try await send(
            method: method, path: "/api/v1/namespaces/\(namespace)/services/\(service):\(port)/proxy\(suffix)",
            query: query, body: body, contentType: contentType, accept: accept)
    }
}
