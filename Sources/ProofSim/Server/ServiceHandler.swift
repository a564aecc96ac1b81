import ProofCore
import Synchronization

/// A request that reached a Service through the API server's proxy
/// (`/api/v1/namespaces/NS/services/NAME[:PORT]/proxy/PATH`).
public struct ServiceRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path after `/proxy`, starting with `/` (`/loki/api/v1/push`).
    public var path: String
    /// The raw query string without `?`, if any.
    public var query: String?
    /// Request headers (names lowercased), minus `Authorization`.
    public var headers: [String: String]
    /// The request body.
    public var body: [UInt8]
    /// The Service's namespace.
    public var namespace: String
    /// The Service's name.
    public var service: String
    /// The port named or numbered in the URL (`NAME:PORT`), if any.
    public var port: String?

    /// Creates a request.
    public init(method: String, path: String, query: String?, headers: [String: String], body: [UInt8],
        namespace: String, service: String, port: String?)
    {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.namespace = namespace
        self.service = service
        self.port = port
    }

    /// The decoded query parameters (last value wins).
    public var queryItems: [String: String] { QueryString.parse(query) }
}

/// What a service handler answers.
public struct ServiceResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// Response headers, such as `content-type`.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int = 200, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response.
    public static func json(_ value: JSON, status: Int = 200) -> ServiceResponse {
        ServiceResponse(status: status, headers: ["content-type": "application/json"], body: value.canonicalData)
    }

    /// A plain-text response.
    public static func text(_ text: String, status: Int = 200) -> ServiceResponse {
        ServiceResponse(status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }
}

/// An in-sim program behind a Service (Loki, FastAPI, Triton, MLflow, …), reached over the API server's
/// service proxy. The proxy calls it only while at least one Ready pod matches the Service's selector;
/// otherwise the client gets 503 as from a real API server.
public protocol SimServiceHandler: Sendable {
    /// Answers one proxied request.
    func handle(_ request: ServiceRequest) async throws -> ServiceResponse
}

/// The service handlers registered with a running simulated cluster, keyed by namespace and Service name.
///
/// Lock rule: one `Mutex` over the table, held only to register, remove or look up a handler; the handler is called
/// after the lock is released.
public final class ServiceHandlers: Sendable {
    private let handlers = Mutex<[String: any SimServiceHandler]>([:])

    /// An empty set.
    public init() {}

    /// Routes proxied requests for Service `namespace/name` to `handler` (replacing any earlier one).
    public func register(namespace: String, name: String, _ handler: any SimServiceHandler) {
        handlers.withLock { $0["\(namespace)/\(name)"] = handler }
    }

    /// Stops routing to the handler of `namespace/name`.
    public func unregister(namespace: String, name: String) {
        handlers.withLock { $0["\(namespace)/\(name)"] = nil }
    }

    /// The handler for `namespace/name`, if any.
    public func handler(namespace: String, name: String) -> (any SimServiceHandler)? {
        handlers.withLock { $0["\(namespace)/\(name)"] }
    }
}
