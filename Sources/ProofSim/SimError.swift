import ProofCore

/// The one error type of the simulated cluster: a Kubernetes `Status` failure with its HTTP code and reason.
///
/// Every refusal of the simulated API server — a missing object, a stale write, a bad selector — is one of
/// these, so the HTTP layer can answer with exactly the `Status` object a real API server would send, and
/// in-sim controllers can switch on `reason`.
public struct SimError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code, such as 404.
    public var code: Int
    /// The machine-readable reason, such as `NotFound`, `AlreadyExists`, `Conflict`, `Expired`.
    public var reason: String
    /// A human message saying what, where and what to do.
    public var message: String
    /// `details` of the Status (`name`, `group`, `kind`, …), if any.
    public var details: JSON?
    /// Seconds a client should wait before retrying (429 / 503); sent as `Retry-After`.
    public var retryAfterSeconds: Int?

    /// Creates an error from its parts.
    public init(code: Int, reason: String, message: String, details: JSON? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object for this error.
    public var status: JSON {
        var status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        // A real Status omits an empty reason (StatusReasonUnknown), e.g. for a plain storage error.
        if reason.isEmpty { status["reason"] = nil }
        if let details { status["details"] = details }
        return status
    }

    private static func details(_ resource: ResourceType?, _ name: String) -> JSON {
        var details: JSON = ["name": .string(name)]
        if let resource {
            details["group"] = .string(resource.group)
            details["kind"] = .string(resource.resource)
        }
        return details
    }

    /// 404 NotFound for `resource` `name`.
    public static func notFound(_ resource: ResourceType, _ name: String) -> SimError {
        SimError(code: 404, reason: "NotFound", message: "\(resource.qualifiedResource) \"\(name)\" not found",
            details: details(resource, name))
    }

    /// 409 AlreadyExists for `resource` `name`.
    public static func alreadyExists(_ resource: ResourceType, _ name: String) -> SimError {
        SimError(code: 409, reason: "AlreadyExists", message: "\(resource.qualifiedResource) \"\(name)\" already exists",
            details: details(resource, name))
    }

    /// 409 Conflict for a write based on a stale resourceVersion.
    public static func conflict(_ resource: ResourceType, _ name: String) -> SimError {
        SimError(code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource.qualifiedResource) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
            details: details(resource, name))
    }

    /// 400 BadRequest with `message`.
    public static func badRequest(_ message: String) -> SimError {
        SimError(code: 400, reason: "BadRequest", message: message)
    }

    /// 422 Invalid for `resource` `name`.
    public static func invalid(_ resource: ResourceType, _ name: String, _ message: String) -> SimError {
        SimError(code: 422, reason: "Invalid",
            message: "\(resource.kind) \"\(name)\" is invalid: \(message)", details: details(resource, name))
    }

    /// 410 Expired: a watch or continue token older than what the server still keeps.
    public static func expired(_ message: String) -> SimError {
        SimError(code: 410, reason: "Expired", message: message)
    }

    /// 403 Forbidden, e.g. creating in a namespace that is being terminated.
    public static func forbidden(_ resource: ResourceType, _ name: String, _ message: String) -> SimError {
        SimError(code: 403, reason: "Forbidden",
            message: "\(resource.qualifiedResource) \"\(name)\" is forbidden: \(message)", details: details(resource, name))
    }

    /// 405 MethodNotAllowed for a verb the resource does not support.
    public static func methodNotAllowed(_ message: String) -> SimError {
        SimError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    /// 401 Unauthorized.
    public static let unauthorized = SimError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// 404 for a path the server does not serve.
    public static func pathNotFound(_ path: String) -> SimError {
        SimError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (path \(path))")
    }
}
