import Foundation
import ProofCore

/// The one error type of `ProofCluster`: a request that failed, a kubeconfig that cannot be used, or a
/// credential plugin that did not answer.
///
/// Messages say what failed, where (the URL without credentials, or the kubeconfig file and field) and, when
/// it helps, what to do. Credentials never appear in them.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable, Equatable {
        /// The connection failed or broke (DNS, refused, TLS, reset, timeout).
        case transport
        /// The server answered with a status outside 2xx.
        case http
        /// A kubeconfig or in-cluster configuration is missing, unreadable or wrong.
        case configuration
        /// A credential (token file, exec plugin) could not be obtained.
        case credentials
        /// The server's answer was not what the protocol says (bad JSON, missing fields).
        case protocolViolation
        /// The caller cancelled the request.
        case cancelled
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The HTTP method, when a request failed.
    public var method: String?
    /// The URL that failed, with any user information removed.
    public var url: String?
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// The Kubernetes `Status.reason` (`NotFound`, `Conflict`, `Expired`, …), when the server sent one.
    public var reason: String?
    /// The human-readable detail: the Kubernetes `Status.message`, curl's error text, or the config problem.
    public var message: String
    /// The libcurl result code, for transport errors.
    public var curlCode: Int?
    /// The file (kubeconfig, token file) a configuration error is about.
    public var file: String?
    /// The field inside `file`, such as `users[0].user.client-key-data`.
    public var field: String?
    /// What to do about it, when there is something obvious.
    public var hint: String?
    /// The server's `Retry-After`, when it sent one (used by the retry loop).
    var retryAfter: Duration?

    /// Creates an error; prefer the static constructors.
    public init(
        kind: Kind, message: String, method: String? = nil, url: String? = nil, status: Int? = nil,
        reason: String? = nil, curlCode: Int? = nil, file: String? = nil, field: String? = nil, hint: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.method = method
        self.url = url.map(Self.redactedURL)
        self.status = status
        self.reason = reason
        self.curlCode = curlCode
        self.file = file
        self.field = field
        self.hint = hint
    }

    public var description: String {
        var text = ""
        switch kind {
        case .configuration, .credentials:
            let location = [file, field].compactMap { $0 }.joined(separator: ": ")
            text = location.isEmpty ? message : "\(location): \(message)"
        case .http:
            text = [method, url].compactMap { $0 }.joined(separator: " ")
            text += ": HTTP \(status ?? 0)"
            if let reason, !reason.isEmpty { text += " \(reason)" }
            if !message.isEmpty { text += ": \(message)" }
        case .transport, .protocolViolation, .cancelled:
            text = [method, url].compactMap { $0 }.joined(separator: " ")
            text += text.isEmpty ? message : ": \(message)"
            if let curlCode { text += " (curl error \(curlCode))" }
        }
        if let hint { text += " — \(hint)" }
        return text
    }

    /// True for a 404 answer (the object or the resource type does not exist).
    public var isNotFound: Bool { status == 404 }
    /// True for a 409 answer (stale `resourceVersion` or an object that already exists).
    public var isConflict: Bool { status == 409 }
    /// True for a 410 answer (an expired `continue` token or a too-old watch `resourceVersion`).
    public var isGone: Bool { status == 410 || reason == "Expired" || reason == "Gone" }

    /// Removes `user:password@` from a URL so it can be shown.
    static func redactedURL(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + String(url[rest.index(after: at)...])
    }

    /// A configuration error about `field` of `file`.
    static func config(_ file: String?, _ field: String?, _ message: String, hint: String? = nil) -> ClusterError {
        ClusterError(kind: .configuration, message: message, file: file, field: field, hint: hint)
    }

    /// The error for a non-2xx answer, reading the Kubernetes `Status` from its body when there is one.
    static func http(method: String, url: String, status: Int, body: [UInt8]) -> ClusterError {
        var reason: String?
        var message = ""
        if let status = try? JSON(parsing: body), status["kind"]?.stringValue == "Status" {
            reason = status["reason"]?.stringValue
            message = status["message"]?.stringValue ?? ""
        } else if !body.isEmpty {
            // Not a Status: show the start of the text (proxied services answer in their own formats).
            message = String(decoding: body.prefix(300), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let hint: String? = switch status {
        case 401: "the credentials were refused; check the kubeconfig user (token, certificate or exec plugin)"
        case 403: "the user is not allowed to do this; check its RBAC roles"
        default: nil
        }
        return ClusterError(
            kind: .http, message: message, method: method, url: url, status: status, reason: reason, hint: hint)
    }
}
