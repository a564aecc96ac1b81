/// One HTTP header.
public struct HTTPHeader: Sendable, Hashable {
    /// The header name (responses give it lowercased).
    public var name: String
    /// The header value.
    public var value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request for `HTTPClient`.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`.
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Extra request headers (credentials go here; they are never printed).
    public var headers: [HTTPHeader]
    /// The body, copied into libcurl before the transfer starts.
    public var body: [UInt8]?
    /// The overall time limit; `nil` uses the client's default. Streams have none (see `idleTimeout`).
    public var timeout: Duration?
    /// For streams: abort when nothing arrives for this long; `nil` uses the client's default.
    public var idleTimeout: Duration?
    /// A client certificate for this request only (an exec plugin's), overriding the client's.
    public var clientIdentity: ClientIdentity?
    /// Whether repeating the request is harmless; by default true for GET, HEAD, PUT, DELETE, OPTIONS.
    public var idempotent: Bool
    /// Buffered requests only: shown the start of a 2xx body as it arrives (see ``BodyPrefixReader``).
    public var bodyPrefix: BodyPrefixReader?

    /// Creates a request.
    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
        timeout: Duration? = nil, idleTimeout: Duration? = nil, idempotent: Bool? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.clientIdentity = nil
        self.idempotent = idempotent ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method)
        self.bodyPrefix = nil
    }

    /// Method and URL (without credentials); headers and body are never shown.
    public var description: String { "\(method) \(ClusterError.redactedURL(url))" }
}

/// Reads the start of a buffered 2xx answer while it arrives: `read` is called on the transfer's thread with the
/// whole body received so far, after each chunk, until it returns true (it has read what it wanted) or the body
/// reaches `limit` bytes. Each attempt of a retried request is shown from its start. `read` must be quick and
/// must not block: the transfer waits for it.
public struct BodyPrefixReader: Sendable {
    /// Past this many bytes the reader is no longer called.
    public var limit: Int
    /// Returns true once done.
    public var read: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool

    /// A reader of at most `limit` bytes.
    public init(limit: Int, read: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool) {
        self.limit = limit
        self.read = read
    }
}

/// A buffered HTTP response.
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response headers, names lowercased, in arrival order.
    public var headers: [HTTPHeader]
    /// The body, decompressed.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// True for 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}
