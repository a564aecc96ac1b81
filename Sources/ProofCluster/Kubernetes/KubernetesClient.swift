import Foundation
import Logging
import ProofCore
import Synchronization

/// A Kubernetes API client: discovery, get/list/watch, create/update/patch/delete, pod logs and the service
/// proxy. Values are `ProofCore.JSON`; errors are `ClusterError`.
///
/// One client holds a pool of connections; share it (it is `Sendable`) and issue requests concurrently.
public final class KubernetesClient: Sendable {
    /// Where the cluster is and who we are.
    public let config: ClusterConfig
    /// The HTTP client underneath (for raw requests).
    public let http: HTTPClient
    let execProvider: ExecCredentialProvider?
    let discoveryCache = Mutex<Discovery?>(nil)
    let logger: Logger

    /// Creates a client for `config`; TLS and proxy settings of `options` are replaced by the config's.
    public init(
        config: ClusterConfig, options: HTTPClientOptions = HTTPClientOptions(),
        logger: Logger = Logger(label: "proof.cluster")
    ) {
        var options = options
        options.tls = config.tls
        options.proxyURL = config.proxyURL ?? options.proxyURL
        self.config = config
        self.http = HTTPClient(options: options, logger: logger)
        self.logger = logger
        if case .exec(let plugin) = config.authentication {
            execProvider = ExecCredentialProvider.shared(
                plugin: plugin, server: config.server, certificateAuthorityPEM: config.tls.certificateAuthorityPEM)
        } else {
            execProvider = nil
        }
    }

    /// Creates a client from the kubeconfig (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, in-cluster).
    public convenience init(kubeconfig: String? = nil, context: String? = nil) throws {
        self.init(config: try Kubeconfig.load(path: kubeconfig, context: context))
    }

    /// The context's default namespace.
    public var defaultNamespace: String { config.namespace }

    // MARK: - Requests

    /// Sends a request to `path` (such as `/api/v1/pods`) with credentials, and returns the answer whatever
    /// its status; retries as the HTTP client's policy allows, and once more after a 401 when an exec
    /// plugin's cached credential may have expired.
    public func send(
        method: String = "GET", path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        contentType: String? = nil, accept: String = "application/json", timeout: Duration? = nil,
        bodyPrefix: BodyPrefixReader? = nil
    ) async throws -> HTTPResponse {
        var request = HTTPRequest(method: method, url: url(path: path, query: query), body: body, timeout: timeout)
        request.bodyPrefix = bodyPrefix
        request.headers.append(HTTPHeader("Accept", accept))
        if let contentType { request.headers.append(HTTPHeader("Content-Type", contentType)) }
        var attempt = try await authorized(request)
        var response = try await http.send(attempt)
        if response.status == 401, let execProvider {
            await execProvider.invalidate(refused: attempt)
            attempt = try await authorized(request)
            response = try await http.send(attempt)
        }
        return response
    }

    /// Sends a request and decodes a 2xx JSON answer; any other status throws `ClusterError` with the
    /// Kubernetes `Status` reason and message.
    public func json(
        method: String = "GET", path: String, query: [(String, String)] = [], body: JSON? = nil,
        contentType: String = "application/json"
    ) async throws -> JSON {
        let response = try await send(
            method: method, path: path, query: query, body: body?.canonicalData,
            contentType: body == nil ? nil : contentType)
        return try decode(response, method: method, path: path, query: query)
    }

    /// Opens a streaming GET (a watch, a followed log) with credentials.
    func stream(path: String, query: [(String, String)], idleTimeout: Duration?) async throws -> HTTPLineStream {
        var request = HTTPRequest(url: url(path: path, query: query), idleTimeout: idleTimeout)
        request.headers.append(HTTPHeader("Accept", "application/json"))
        let attempt = try await authorized(request)
        do {
            return try await http.stream(attempt)
        } catch let error as ClusterError where error.status == 401 && execProvider != nil {
            await execProvider?.invalidate(refused: attempt)
            return try await http.stream(try await authorized(request))
        }
    }

    /// Checks the status and parses the body.
    func decode(_ response: HTTPResponse, method: String, path: String, query: [(String, String)]) throws -> JSON {
        guard response.isSuccess else {
            throw ClusterError.http(method: method, url: url(path: path, query: query), status: response.status, body: response.body)
        }
        do {
            return try JSON(parsing: response.body)
        } catch {
            throw Self.notJSON(error, method: method, url: url(path: path, query: query), status: response.status)
        }
    }

    /// A list answer split into items without decoding them (``JSON/splitList(_:)``: what the items hold is
    /// checked as they are read, see ``ListPage``); a failure status or a body that is not JSON throws as
    /// ``decode(_:method:path:query:)`` does, with the error checking the whole answer gives.
    func scanList(_ response: HTTPResponse, method: String, path: String, query: [(String, String)]) throws -> JSONListScan {
        guard response.isSuccess else {
            throw ClusterError.http(method: method, url: url(path: path, query: query), status: response.status, body: response.body)
        }
        if let scan = try? JSON.splitList(response.body) { return scan }
        // The split stops at the first thing it cannot pass; checking the whole answer says what and where.
        do {
            return try JSON.scanList(response.body)
        } catch {
            throw Self.notJSON(error, method: method, url: url(path: path, query: query), status: response.status)
        }
    }

    /// The protocol violation of an answer that is not JSON.
    static func notJSON(_ error: JSONParseError, method: String, url: String, status: Int) -> ClusterError {
        ClusterError(kind: .protocolViolation, message: "the answer is not JSON: \(error)", method: method, url: url, status: status)
    }

    /// The absolute URL of `path` with a percent-encoded query.
    func url(path: String, query: [(String, String)]) -> String {
        var text = config.server + path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        return text
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Adds the credentials of `config.authentication` (re-reading a token file, running an exec plugin).
    func authorized(_ request: HTTPRequest) async throws -> HTTPRequest {
        var request = request
        switch config.authentication {
        case .none:
            break
        case .bearerToken(let token):
            request.headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        case .tokenFile(let path):
            // Re-read every time: service-account tokens are rotated on disk. A small local file read.
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ClusterError(kind: .credentials, message: "cannot read the token file", file: path)
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw ClusterError(kind: .credentials, message: "the token file is empty", file: path)
            }
            request.headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        case .basic(let username, let password):
            let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
            request.headers.append(HTTPHeader("Authorization", "Basic \(encoded)"))
        case .exec:
            guard let execProvider else { break }
            let credential = try await execProvider.credential()
            if let token = credential.token { request.headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
            if let identity = credential.clientIdentity { request.clientIdentity = identity }
        }
        return request
    }
}
