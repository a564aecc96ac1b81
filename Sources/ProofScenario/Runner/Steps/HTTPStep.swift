import ProofCore

/// `http`: a request to a Service through the API server's service proxy, with expectations on the status
/// and on JSON fields of the answer; `save` keeps answer fields as variables for later steps (`{{name}}`);
/// `eventually` repeats the request until the expectations hold (for asynchronous work such as a DAG run).
///
/// ```yaml
/// - http:
///     service: {namespace: airflow-dev, name: airflow-webserver, port: "8080"}
///     method: POST
///     path: /api/v1/dags/train_register/dagRuns
///     body: {conf: {}}
///     status: 200
///     save: {dagRun: dag_run_id}
/// - http:
///     service: {namespace: airflow-dev, name: airflow-webserver, port: "8080"}
///     path: /api/v1/dags/train_register/dagRuns/{{dagRun}}
///     json: {state: success}
///     eventually: 30s
/// ```
public struct HTTPStep: StepAction {
    /// The YAML key.
    public static let kind = "http"
    /// The Service's namespace.
    public var namespace: String
    /// The Service's name.
    public var service: String
    /// The Service's port (name or number).
    public var port: String
    /// The method.
    public var method: String
    /// The path at the service (`{{var}}` substituted).
    public var path: String
    /// A JSON body.
    public var body: JSON?
    /// The expected status; any 2xx when omitted.
    public var status: Int?
    /// Dotted path in the JSON answer → expected value.
    public var json: [(path: String, value: JSON)]
    /// Variable name → dotted path in the JSON answer.
    public var save: [(name: String, path: String)]
    /// Repeat until the expectations hold, for at most this long.
    public var eventually: Duration?

    static let serviceSchema = ObjectSchema(
        name: "ServiceRef", doc: "A Service reached through the API server's service proxy.",
        properties: [
            Property("namespace", .string("The Service's namespace."), required: true),
            Property("name", .string("The Service's name."), required: true),
            Property("port", .string("The port name or number (as a string).")),
        ])
    static let objectSchema = ObjectSchema(
        name: "HTTPStep", doc: "A request through the service proxy, with expectations.",
        properties: [
            Property("service", .object(serviceSchema), required: true),
            Property("method", .oneOf(["GET", "POST", "PUT", "PATCH", "DELETE"], "The method (default GET).")),
            Property("path", .string("The path at the service; `{{var}}` is replaced by a saved variable."), required: true),
            Property("body", .any("A JSON body (sent as application/json).")),
            Property("status", .integer("The expected status (default: any 2xx).")),
            Property("json", .map(.any(), "Dotted path in the JSON answer (`data.0.version`) → expected value.")),
            Property("save", .map(.string(), "Variable name → dotted path in the JSON answer, for `{{name}}` in later steps.")),
            Property("eventually", .duration("Repeat the request (every 250ms) until the expectations hold, for at most this long.")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        let service = try object.required("service").object(Self.serviceSchema)
        namespace = try service.string("namespace")
        self.service = try service.string("name")
        if let portNode = service.optional("port"), case .scalar(let scalar) = portNode.content {
            port = scalar.string
        } else {
            port = "80"
        }
        method = try object.string("method", default: "GET") ?? "GET"
        path = try object.string("path")
        body = object.optional("body")?.json()
        status = try object.int("status")
        json = try Self.pairs(object.optional("json")) { $0.json() }
        save = try Self.pairs(object.optional("save")) { try $0.string() }
        eventually = try object.duration("eventually")
    }

    private static func pairs<T>(_ node: YAMLNode?, _ value: (YAMLNode) throws -> T) throws -> [(String, T)] {
        guard let node else { return [] }
        guard case .mapping(let entries) = node.content else { throw node.typeMismatch(expected: "a mapping") }
        return try entries.map { ($0.key, try value($0.value)) }
    }

    /// What it does.
    public var summary: String { "\(method) \(namespace)/\(service):\(port)\(path)" }

    /// The Service's namespace when the request may change something (any method but GET), for the prod guard.
    public var changedPlaces: [String] { method == "GET" ? [] : [namespace].filter(ProdGuard.isStatic) }

    /// Sends the request (repeatedly with `eventually`) and checks the answer.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        if method != "GET" { try context.guardProd([namespace], what: "\(method) to \(namespace)/\(service)") }
        let resolvedPath = await context.substitute(path)
        var payload: [UInt8]?
        if let body {
            let text = await context.substitute(body.canonicalString)
            payload = Array(((try? JSON(parsing: text)) ?? body).canonicalData)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + (eventually ?? .zero)
        var attempt = 0
        while true {
            attempt += 1
            await context.session.progress("\(method) \(service)\(resolvedPath)" + (attempt > 1 ? " (attempt \(attempt))" : ""))
            let response = try await context.client.proxy(
                method: method, namespace: namespace, service: service, port: port, path: resolvedPath,
                body: payload, contentType: payload == nil ? nil : "application/json", accept: "application/json")
            let answer = try? JSON(parsing: response.body)
            var problems: [String] = []
            if let status, response.status != status { problems.append("status \(response.status), expected \(status)") }
            if status == nil, !(200..<300).contains(response.status) { problems.append("status \(response.status), expected 2xx") }
            for (dotted, written) in json {
                var expected = written
                if case .string(let text) = written { expected = .string(await context.substitute(text)) }
                let actual = answer?.value(atDottedPath: dotted) ?? .null
                if !Self.equal(actual, expected) {
                    // Shown as the store would keep it: an answer may carry a credential (`token`).
                    let shown = answer.map { context.session.store.redaction.normalizeDocument($0) }?.value(atDottedPath: dotted) ?? .null
                    problems.append("\(dotted) is \(shown.canonicalString), expected \(expected.canonicalString)")
                }
            }
            let text = String(decoding: response.body.prefix(2000), as: UTF8.self)
            let detail: JSON = [
                "request": ["method": .string(method), "path": .string(resolvedPath)],
                "status": .int(Int64(response.status)), "body": answer ?? .string(text), "attempts": .int(Int64(attempt)),
            ]
            if problems.isEmpty {
                for (name, dotted) in save {
                    guard let value = answer?.value(atDottedPath: dotted), !value.isNull else {
                        return .failed("the answer has no '\(dotted)' to save as \(name)", detail: detail)
                    }
                    await context.session.setVariable(name, value.stringValue ?? value.canonicalString)
                }
                return .passed("\(response.status)", detail: detail)
            }
            if clock.now >= deadline {
                return .failed("\(method) \(resolvedPath): " + problems.joined(separator: "; "), detail: detail)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// JSON equality with numbers compared numerically and strings compared to numbers by text.
    static func equal(_ actual: JSON, _ expected: JSON) -> Bool {
        if actual == expected { return true }
        if let a = actual.doubleValue, let b = expected.doubleValue { return a == b }
        if case .string(let a) = actual, expected.stringValue == nil { return a == expected.canonicalString }
        if case .string(let b) = expected, actual.stringValue == nil { return b == actual.canonicalString }
        return false
    }
}
