import Foundation
import Hummingbird
import NIOCore
import ProofCore

/// The simulated Kubernetes API server: one Hummingbird responder that authenticates, applies armed faults
/// and routes discovery, resource, subresource and admin paths.
struct APIServer: HTTPResponder {
    typealias Context = BasicRequestContext
    let core: ClusterCore

    /// A parsed request: the pieces every handler needs.
    struct Call: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var rawQuery: String?
        var accept: String
        var contentType: String
        var body: [UInt8]
        var headers: [String: String]
        var dropWatchAfter: Int?
        var wantsTable: Bool { accept.contains("as=Table") }
        /// Whether this is a dry run: `dryRun=All` in the query (any verb) or `"dryRun": ["All"]` in a DELETE's
        /// `DeleteOptions` body, where kubectl and client-go put it. `checkDryRun()` refuses other values.
        var dryRun: Bool { query["dryRun"] == "All" || bodyDryRun.contains("All") }
        /// `dryRun` from a DELETE's `DeleteOptions` body.
        var bodyDryRun: [String] {
            guard method == "DELETE", !body.isEmpty, let options = try? JSON(parsing: body) else { return [] }
            return (options["dryRun"]?.arrayValue ?? []).map { $0.stringValue ?? $0.displayString }
        }
        /// 422 `Invalid` for a `dryRun` value other than `All` on a write, as the real server answers: it
        /// validates the verb's options (`CreateOptions`, `UpdateOptions`, `PatchOptions`, `DeleteOptions`)
        /// before anything else. Reads have no `dryRun` option and ignore the parameter.
        func checkDryRun() throws(SimError) {
            let kinds = ["POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions", "DELETE": "DeleteOptions"]
            guard let kind = kinds[method] else { return }
            for value in (query["dryRun"].map { [$0] } ?? []) + bodyDryRun where value != "All" {
                let message = "Unsupported value: \"\(value)\": supported values: \"All\""
                throw SimError(code: 422, reason: "Invalid", message: "\(kind).meta.k8s.io \"\" is invalid: dryRun: \(message)",
                    details: ["group": "meta.k8s.io", "kind": .string(kind), "causes": [["reason": "FieldValueNotSupported",
                        "message": .string(message), "field": "dryRun"]]])
            }
        }
        var isWatch: Bool { query["watch"] == "true" || query["watch"] == "1" }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let method = request.method.rawValue
        if ["/healthz", "/livez", "/readyz"].contains(path) { return Self.text("ok") }
        guard request.headers[.authorization] == "Bearer \(core.token)" else {
            return Self.error(.unauthorized)
        }
        var headers: [String: String] = [:]
        for field in request.headers where field.name != .authorization {
            headers[field.name.canonicalName] = field.value
        }
        var body: [UInt8] = []
        if method != "GET" {
            var buffer = try await request.body.collect(upTo: 64 << 20)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        var call = Call(method: method, path: path, query: QueryString.parse(request.uri.query),
            rawQuery: request.uri.query, accept: request.headers[.accept] ?? "application/json",
            contentType: request.headers[.contentType] ?? "application/json", body: body, headers: headers)

        if path.hasPrefix("/_sim/") { return handleAdmin(call) }

        for action in core.faults.actions(method: method, path: path, isWatch: call.isWatch) {
            switch action {
            case .latency(let milliseconds):
                try? await Task.sleep(for: .milliseconds(milliseconds))
            case .status(let code, let retryAfter):
                return Self.error(Self.faultError(code: code, retryAfter: retryAfter))
            case .gone:
                return Self.error(.expired("too old resource version (fault injected by the simulated cluster)"))
            case .dropWatch(let events):
                call.dropWatchAfter = events
            }
        }
        let write = WriteRequest.forCall(call)
        let result: Result<Response, SimError> = await WriteRequest.$current.withValue(write) { () async -> Result<Response, SimError> in
            do throws(SimError) {
                try call.checkDryRun()
                return .success(try await route(call))
            } catch {
                return .failure(error)
            }
        }
        var response: Response
        switch result {
        case .success(let success): response = success
        case .failure(let error): response = Self.error(error)
        }
        WriteRequest.addWarnings(write, to: &response)
        return response
    }

    static func faultError(code: Int, retryAfter: Int?) -> SimError {
        let reason: String
        switch code {
        case 429: reason = "TooManyRequests"
        case 500: reason = "InternalError"
        case 503: reason = "ServiceUnavailable"
        case 504: reason = "Timeout"
        case 409: reason = "Conflict"
        case 404: reason = "NotFound"
        case 403: reason = "Forbidden"
        default: reason = code >= 500 ? "InternalError" : "BadRequest"
        }
        return SimError(code: code, reason: reason, message: "fault injected by the simulated cluster (HTTP \(code))",
            retryAfterSeconds: retryAfter)
    }

    // MARK: Routing

    func route(_ call: Call) async throws(SimError) -> Response {
        let segments = call.path.split(separator: "/").map(String.init)
        switch segments.first {
        case "version" where segments.count == 1:
            return Self.json(Discovery.version)
        case "api":
            if segments.count == 1 { return discoveryRoot(call, core: true) }
            if segments.count == 2 {
                guard segments[1] == "v1" else { throw .pathNotFound(call.path) }
                return Self.json(Discovery.resourceList(group: "", version: "v1", registry: core.state.registry))
            }
            return try await resourceCall(call, group: "", version: segments[1], rest: Array(segments.dropFirst(2)))
        case "apis":
            if segments.count == 1 { return discoveryRoot(call, core: false) }
            let group = segments[1]
            guard let versions = core.state.registry.groups.first(where: { $0.group == group })?.versions else {
                throw .pathNotFound(call.path)
            }
            if segments.count == 2 { return Self.json(Discovery.group(group, versions: versions)) }
            guard versions.contains(segments[2]) else { throw .pathNotFound(call.path) }
            if segments.count == 3 {
                return Self.json(Discovery.resourceList(group: group, version: segments[2], registry: core.state.registry))
            }
            return try await resourceCall(call, group: group, version: segments[2], rest: Array(segments.dropFirst(3)))
        case "openapi":
            return try OpenAPI.respond(call, registry: core.state.registry)
        default:
            throw .pathNotFound(call.path)
        }
    }

    /// Routes `rest` (the path after `/api/v1` or `/apis/G/V`).
    func resourceCall(_ call: Call, group: String, version: String, rest: [String]) async throws(SimError) -> Response {
        let registry = core.state.registry
        func type(_ resource: String) throws(SimError) -> ResourceType {
            guard let type = registry.type(group: group, version: version, resource: resource) else {
                throw .pathNotFound(call.path)
            }
            return type
        }
        var namespace: String?
        var remaining = rest[...]
        if rest.first == "namespaces", rest.count >= 3, !(rest.count == 3 && ["status", "finalize"].contains(rest[2])) {
            namespace = rest[1]
            remaining = rest.dropFirst(2)
        }
        guard let resourceName = remaining.first else { throw .pathNotFound(call.path) }
        let resource = try type(resourceName)
        if namespace != nil && !resource.namespaced { throw .pathNotFound(call.path) }
        let tail = Array(remaining.dropFirst())
        if tail.isEmpty { return try await collection(call, resource, namespace: namespace) }
        let name = tail[0]
        if resource.namespaced && namespace == nil { throw .pathNotFound(call.path) }
        if tail.count == 1 { return try await object(call, resource, namespace: namespace, name: name) }
        let subresource = tail[1]
        switch subresource {
        case "status", "finalize":
            return try objectStatus(call, resource, namespace: namespace, name: name)
        case "scale" where resource.subresources.contains("scale"):
            return try scale(call, resource, namespace: namespace, name: name)
        case "log" where resource.subresources.contains("log"):
            return try log(call, namespace: namespace ?? "", name: name)
        case "proxy" where resource.subresources.contains("proxy"):
            return try await proxy(call, namespace: namespace ?? "", nameAndPort: name, path: tail.dropFirst(2).joined(separator: "/"))
        default:
            throw .pathNotFound(call.path)
        }
    }

    // MARK: Responses

    /// `/api` (`core`) or `/apis`: in the aggregated form when `Accept` asks for it first, else the plain one.
    func discoveryRoot(_ call: Call, core isCore: Bool) -> Response {
        let registry = core.state.registry
        if let version = Discovery.aggregatedVersion(accept: call.accept) {
            return Self.json(Discovery.aggregated(core: isCore, version: version, registry: registry),
                contentType: Discovery.aggregatedContentType(version))
        }
        return Self.json(isCore ? Discovery.apiVersions(port: core.port.withLock { $0 }) : Discovery.groupList(registry: registry))
    }

    static func json(_ value: JSON, status: Int = 200, contentType: String = "application/json") -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(value.canonicalData)
        return Response(status: .init(code: status), headers: [.contentType: contentType], body: .init(byteBuffer: buffer))
    }

    static func text(_ text: String, status: Int = 200) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ error: SimError) -> Response {
        var response = json(error.status, status: error.code)
        if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
        return response
    }

    static func parseBody(_ call: Call) throws(SimError) -> JSON {
        guard !call.body.isEmpty else { throw .badRequest("the request body is empty: send a JSON object") }
        if call.contentType.hasPrefix("application/vnd.kubernetes.protobuf") { return try Protobuf.decode(call.body) }
        if call.contentType.contains("protobuf") || call.contentType.contains("cbor") {
            throw SimError(code: 415, reason: "UnsupportedMediaType",
                message: "the simulated cluster accepts JSON bodies only (got \(call.contentType)); kubectl's typed generators (kubectl create namespace|deployment|configmap|secret, kubectl run, kubectl expose) send protobuf: write a manifest and use kubectl create -f or kubectl apply -f instead")
        }
        do {
            return try JSON(parsing: call.body)
        } catch {
            if call.contentType.contains("yaml"), let text = String(bytes: call.body, encoding: .utf8),
                let value = try? YAML.decode(text)
            {
                return value
            }
            throw .badRequest("the request body is not valid JSON: \(error.description)")
        }
    }
}
