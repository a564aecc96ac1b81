/// A client certificate and its private key, PEM-encoded.
public struct ClientIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The certificate (chain), PEM.
    public var certificatePEM: [UInt8]
    /// The private key, PEM. Never printed.
    public var keyPEM: [UInt8]

    /// Creates an identity from PEM bytes.
    public init(certificatePEM: [UInt8], keyPEM: [UInt8]) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    public var description: String { "client certificate (\(certificatePEM.count) bytes), key <redacted>" }
}

/// How to verify the server and present the client over TLS.
public struct TLSOptions: Sendable, CustomStringConvertible {
    /// The CA bundle (PEM) that must have signed the server's certificate; `nil` uses the system store.
    public var certificateAuthorityPEM: [UInt8]?
    /// The client certificate and key, when the cluster authenticates by certificate.
    public var clientIdentity: ClientIdentity?
    /// Skip verifying the server certificate (only when the kubeconfig says `insecure-skip-tls-verify`).
    public var insecureSkipVerify: Bool
    /// The name to send as SNI and to verify the server certificate against, instead of the URL's host.
    public var serverName: String?

    /// Creates TLS options; verification is on unless asked otherwise.
    public init(
        certificateAuthorityPEM: [UInt8]? = nil, clientIdentity: ClientIdentity? = nil,
        insecureSkipVerify: Bool = false, serverName: String? = nil
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientIdentity = clientIdentity
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
    }

    public var description: String {
        var parts: [String] = []
        parts.append(certificateAuthorityPEM.map { "CA \($0.count) bytes" } ?? "system CAs")
        if let clientIdentity { parts.append(clientIdentity.description) }
        if insecureSkipVerify { parts.append("verification OFF") }
        if let serverName { parts.append("server name \(serverName)") }
        return parts.joined(separator: ", ")
    }
}

/// Settings of an `HTTPClient`.
public struct HTTPClientOptions: Sendable {
    /// TLS verification and client identity.
    public var tls: TLSOptions
    /// A proxy URL (`http://`, `https://`, `socks5://`); `nil` lets libcurl follow the `*_proxy` variables.
    public var proxyURL: String?
    /// Limit for establishing a connection (TCP + TLS).
    public var connectTimeout: Duration
    /// Default overall limit for buffered requests.
    public var requestTimeout: Duration
    /// Default limit of silence on a streaming response before it is abandoned.
    public var streamIdleTimeout: Duration
    /// How many lines a stream may hold unread before the transfer waits for the consumer.
    public var streamBufferLines: Int
    /// When and how often to repeat failed requests.
    public var retry: RetryPolicy
    /// The `User-Agent` header.
    public var userAgent: String
    /// Records every exchange (cassette mode, `proof run --record-http`); `nil` records nothing.
    public var recorder: CassetteRecorder? = nil

    /// Creates options with defaults suited to a Kubernetes API server.
    public init(
        tls: TLSOptions = TLSOptions(), proxyURL: String? = nil, connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60), streamIdleTimeout: Duration = .seconds(120),
        streamBufferLines: Int = 256, retry: RetryPolicy = RetryPolicy(), userAgent: String = "proof/1.0"
    ) {
        self.tls = tls
        self.proxyURL = proxyURL
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.streamIdleTimeout = streamIdleTimeout
        self.streamBufferLines = streamBufferLines
        self.retry = retry
        self.userAgent = userAgent
    }
}
