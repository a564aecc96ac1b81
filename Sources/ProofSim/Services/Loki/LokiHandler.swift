import Foundation
import ProofCore

/// Loki's HTTP API behind a Service (`loki-dev` in `baseline-dev`, port 3100): `/ready`,
/// `/loki/api/v1/push` (JSON), `query_range`, `query`, `labels`, `label/NAME/values`, `series`,
/// `status/buildinfo`.
///
/// The data lives in a `LokiStore` chosen per request from the serving pod: the store of the
/// PersistentVolumeClaim it mounts (so it survives pod restarts and the StatefulSet's deletion while the
/// claim is retained), or a store tied to the pod itself when it mounts none. Settings (auth, limits,
/// retention) come from the pod's `loki` ConfigMap (`config.yaml`) unless overridden per instance.
/// Errors are plain text with Loki's status and wording.
public struct LokiHandler: SimServiceHandler {
    let runtime: ServicesRuntime
    /// The Service's namespace.
    public let namespace: String
    /// The Service's name.
    public let service: String

    init(runtime: ServicesRuntime, namespace: String, service: String) {
        self.runtime = runtime
        self.namespace = namespace
        self.service = service
    }

    /// The tenant used when `auth_enabled` is false, as in Loki.
    public static let defaultTenant = "fake"

    struct Instance {
        var store: LokiStore
        var settings: LokiSettings
    }

    /// The store and settings of the pod that serves now; `nil` when no Ready pod backs the Service.
    func instance() -> Instance? {
        guard let pod = runtime.network.readyPods(namespace: namespace, service: service).first else { return nil }
        let settings = runtime.options.lokiOverrides["\(namespace)/\(service)"]
            ?? runtime.lokiSettings(configYAML: runtime.network.configMapValue(of: pod, key: "config.yaml") ?? "")
        let store = runtime.lokiStore(for: pod)
        if settings.retentionSeconds > 0 {
            store.applyRetention(olderThan: runtime.nowNanoseconds - settings.retentionSeconds * 1_000_000_000)
        }
        return Instance(store: store, settings: settings)
    }

    public func handle(_ request: ServiceRequest) async throws -> ServiceResponse {
        guard let instance = instance() else {
            return .text("Ingester not ready: no ready pod\n", status: 503)
        }
        let path = request.path
        if path == "/ready" { return .text("ready\n") }
        if path == "/loki/api/v1/status/buildinfo" {
            return .json(["version": "3.2.0", "revision": "simulated", "branch": "HEAD", "goVersion": "go1.22.6"])
        }
        guard path.hasPrefix("/loki/api/v1/") else { return .text("404 page not found\n", status: 404) }
        let tenant: String
        if instance.settings.authEnabled {
            guard let header = request.headers["x-scope-orgid"], !header.isEmpty else {
                return .text("no org id\n", status: 401)
            }
            tenant = header
        } else {
            tenant = Self.defaultTenant
        }
        let endpoint = String(path.dropFirst("/loki/api/v1/".count))
        do {
            return try route(endpoint, request, instance: instance, tenant: tenant)
        } catch {
            return .text(error.message + "\n", status: error.code)
        }
    }

    func route(_ endpoint: String, _ request: ServiceRequest, instance: Instance, tenant: String) throws(SimError)
        -> ServiceResponse
    {
        switch endpoint {
        case "push":
            guard request.method == "POST" else { return .text("405 method not allowed\n", status: 405) }
            return try push(request, instance: instance, tenant: tenant)
        case "query_range":
            return try queryRange(Self.parameters(request), instance: instance, tenant: tenant)
        case "query":
            return try query(Self.parameters(request), instance: instance, tenant: tenant)
        case "labels":
            return try labels(Self.parameters(request), instance: instance, tenant: tenant, name: nil)
        case "series":
            return try series(request, instance: instance, tenant: tenant)
        default:
            let parts = endpoint.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 3, parts[0] == "label", parts[2] == "values" {
                let name = String(parts[1]).removingPercentEncoding ?? String(parts[1])
                return try labels(Self.parameters(request), instance: instance, tenant: tenant, name: name)
            }
            return .text("404 page not found\n", status: 404)
        }
    }

    // MARK: Parameters

    /// Query parameters plus a form-encoded body (Loki accepts POSTed forms); repeated keys keep every value.
    static func parameters(_ request: ServiceRequest) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var sources = [request.query ?? ""]
        if request.method == "POST", request.headers["content-type"]?.contains("x-www-form-urlencoded") == true {
            sources.append(String(decoding: request.body, as: UTF8.self))
        }
        for source in sources where !source.isEmpty {
            for pair in source.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = QueryString.decode(parts[0])
                result[key, default: []].append(parts.count > 1 ? QueryString.decode(parts[1]) : "")
            }
        }
        return result
    }

    func time(_ parameters: [String: [String]], _ key: String, default value: Int64) throws(SimError) -> Int64 {
        guard let text = parameters[key]?.last, !text.isEmpty else { return value }
        guard let parsed = LokiTime.parse(text) else {
            throw SimError.logQL("invalid \(key): cannot parse \"\(text)\" to a valid timestamp")
        }
        return parsed
    }

    /// `start`/`end` (or `since`) with Loki's defaults and the range checks.
    func window(_ parameters: [String: [String]], settings: LokiSettings, defaultLength: Int64) throws(SimError)
        -> (start: Int64, end: Int64)
    {
        let end = try time(parameters, "end", default: runtime.nowNanoseconds)
        var start = end - defaultLength
        if let since = parameters["since"]?.last, !since.isEmpty {
            guard let nanos = LogQLParser.duration(since) else {
                throw SimError.logQL("invalid since: cannot parse \"\(since)\" as a duration")
            }
            start = end - nanos
        }
        start = try time(parameters, "start", default: start)
        guard end >= start else {
            throw SimError.logQL("invalid query, through < from (\(LokiTime.text(end)) < \(LokiTime.text(start)))")
        }
        let length = (end - start) / 1_000_000_000
        if settings.maxQueryLengthSeconds > 0, length > settings.maxQueryLengthSeconds {
            throw SimError.logQL("the query time range exceeds the limit (query length: \(LokiTime.goDuration(seconds: length)), limit: \(LokiTime.goDuration(seconds: settings.maxQueryLengthSeconds)))")
        }
        return (start, end)
    }

    func limit(_ parameters: [String: [String]], settings: LokiSettings) throws(SimError) -> Int {
        guard let text = parameters["limit"]?.last, !text.isEmpty else { return 100 }
        guard let value = Int(text) else { throw SimError.logQL("invalid limit: strconv.Atoi: parsing \"\(text)\": invalid syntax") }
        guard value > 0 else { throw SimError.logQL("limit must be a positive value") }
        if value > settings.maxEntriesLimitPerQuery {
            throw SimError.logQL("max entries limit per query exceeded, limit > max_entries_limit_per_query (\(value) > \(settings.maxEntriesLimitPerQuery))")
        }
        return value
    }

    func direction(_ parameters: [String: [String]]) throws(SimError) -> LogQLEvaluator.Direction {
        guard let text = parameters["direction"]?.last, !text.isEmpty else { return .backward }
        guard let direction = LogQLEvaluator.Direction(rawValue: text.lowercased()) else {
            throw SimError.logQL("invalid direction '\(text)'")
        }
        return direction
    }

    // MARK: Queries

    func queryRange(_ parameters: [String: [String]], instance: Instance, tenant: String) throws(SimError) -> ServiceResponse {
        let expression = try LogQLParser.parse(parameters["query"]?.last ?? "")
        let (start, end) = try window(parameters, settings: instance.settings, defaultLength: 3600 * 1_000_000_000)
        if case .log(let selector) = expression {
            let limit = try limit(parameters, settings: instance.settings)
            let direction = try direction(parameters)
            let streams = try evaluate {
                try LogQLEvaluator.logs(selector, store: instance.store, tenant: tenant, start: start, end: end,
                    limit: limit, direction: direction)
            }
            return Self.success(resultType: "streams", result: .array(streams.map(Self.streamJSON)),
                entries: streams.reduce(0) { $0 + $1.entries.count })
        }
        var step = max(1, (end - start) / 1_000_000_000 / 250) * 1_000_000_000
        if let text = parameters["step"]?.last, !text.isEmpty {
            guard let parsed = LokiTime.step(text) else {
                throw SimError.logQL("invalid step: cannot parse \"\(text)\" to a valid duration")
            }
            step = parsed
        }
        guard step > 0 else {
            throw SimError.logQL("zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard (end - start) / step <= 11_000 else {
            throw SimError.logQL("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let series = try evaluate {
            try LogQLEvaluator.range(expression, store: instance.store, tenant: tenant, start: start, end: end, step: step)
        }
        let result: [JSON] = series.map { series in
            ["metric": Self.labelsJSON(series.labels),
                "values": .array(series.points.map { [LokiTime.seconds($0.timestamp), .string(LogQLEvaluator.format($0.value))] })]
        }
        return Self.success(resultType: "matrix", result: .array(result), entries: 0)
    }

    func query(_ parameters: [String: [String]], instance: Instance, tenant: String) throws(SimError) -> ServiceResponse {
        let expression = try LogQLParser.parse(parameters["query"]?.last ?? "")
        guard expression.isMetric else {
            throw SimError.logQL("log queries are not supported as an instant query type, please change your query to a range query type")
        }
        let time = try time(parameters, "time", default: runtime.nowNanoseconds)
        let series = try evaluate {
            try LogQLEvaluator.instant(expression, store: instance.store, tenant: tenant, time: time)
        }
        let result: [JSON] = series.compactMap { series in
            guard let point = series.points.last else { return nil }
            return ["metric": Self.labelsJSON(series.labels),
                "value": [LokiTime.seconds(point.timestamp), .string(LogQLEvaluator.format(point.value))]]
        }
        return Self.success(resultType: "vector", result: .array(result), entries: 0)
    }

    func labels(_ parameters: [String: [String]], instance: Instance, tenant: String, name: String?) throws(SimError)
        -> ServiceResponse
    {
        let (start, end) = try window(parameters, settings: instance.settings, defaultLength: 6 * 3600 * 1_000_000_000)
        var matchers: [LabelMatcher] = []
        if let query = parameters["query"]?.last, !query.isEmpty { matchers = try LogQLParser.parseSelector(query) }
        let compiled = try evaluate { try matchers.map { try LogQLEvaluator.CompiledMatcher($0) } }
        let streams = instance.store.streams(tenant: tenant, start: start, end: end) { labels in
            compiled.allSatisfy { $0.matches(labels[$0.name] ?? "") }
        }
        var values = Set<String>()
        for stream in streams {
            if let name {
                if let value = stream.labels[name] { values.insert(value) }
            } else {
                values.formUnion(stream.labels.keys)
            }
        }
        return .json(["status": "success", "data": .array(values.sorted().map { .string($0) })])
    }

    func series(_ request: ServiceRequest, instance: Instance, tenant: String) throws(SimError) -> ServiceResponse {
        let parameters = Self.parameters(request)
        let selectors = (parameters["match[]"] ?? []) + (parameters["match"] ?? [])
        guard !selectors.isEmpty else { throw SimError.logQL("at least one match[] argument is required") }
        let (start, end) = try window(parameters, settings: instance.settings, defaultLength: 6 * 3600 * 1_000_000_000)
        var seen: [String: [String: String]] = [:]
        for selector in selectors {
            let matchers = try LogQLParser.parseSelector(selector)
            let compiled = try evaluate { try matchers.map { try LogQLEvaluator.CompiledMatcher($0) } }
            for stream in instance.store.streams(tenant: tenant, start: start, end: end, where: { labels in
                compiled.allSatisfy { $0.matches(labels[$0.name] ?? "") }
            }) {
                seen[LokiStream.key(stream.labels)] = stream.labels
            }
        }
        return .json(["status": "success", "data": .array(seen.keys.sorted().map { Self.labelsJSON(seen[$0]!) })])
    }

    /// Runs evaluation code, turning an unexpected failure (a pattern the regex engine rejects late) into 400.
    func evaluate<T>(_ body: () throws -> T) throws(SimError) -> T {
        do {
            return try body()
        } catch let error as SimError {
            throw error
        } catch {
            throw SimError.logQL("parse error : \(error)")
        }
    }

    // MARK: Push

    func push(_ request: ServiceRequest, instance: Instance, tenant: String) throws(SimError) -> ServiceResponse {
        let contentType = request.headers["content-type"] ?? "application/json"
        guard contentType.contains("json") else {
            return .text("unsupported Content-Type \(contentType): the simulated Loki accepts application/json pushes\n", status: 415)
        }
        let body: JSON
        do {
            body = try JSON(parsing: request.body)
        } catch {
            throw SimError.logQL("couldn't parse push request: \(error)")
        }
        guard let streams = body["streams"]?.arrayValue else {
            throw SimError.logQL("couldn't parse push request: missing \"streams\" array")
        }
        let now = runtime.nowNanoseconds
        let oldest = now - instance.settings.rejectOldSamplesMaxAgeSeconds * 1_000_000_000
        let newest = now + instance.settings.creationGracePeriodSeconds * 1_000_000_000
        var failures: [String] = []
        for stream in streams {
            guard let labelObject = stream["stream"]?.objectValue, !labelObject.isEmpty else {
                throw SimError.logQL("error at least one label pair is required per stream")
            }
            var labels: [String: String] = [:]
            for (key, value) in labelObject {
                guard Self.isLabelName(key), let text = value.stringValue else {
                    throw SimError.logQL("error parsing labels \(LokiStream.key(labelObject.mapValues(\.displayString))): invalid label \(key)")
                }
                labels[key] = text
            }
            let key = LokiStream.key(labels)
            var entries: [LokiEntry] = []
            for value in stream["values"]?.arrayValue ?? [] {
                guard let pair = value.arrayValue, pair.count >= 2, let timeText = pair[0].stringValue,
                    let line = pair[1].stringValue
                else {
                    throw SimError.logQL("couldn't parse push request: each value must be [\"<unix ns as a string>\", \"<line>\"]")
                }
                guard let timestamp = Int64(timeText) else {
                    throw SimError.logQL("couldn't parse push request: invalid timestamp \"\(timeText)\": expected Unix nanoseconds as a string")
                }
                if timestamp < oldest {
                    failures.append("entry for stream '\(key)' has timestamp too old: \(LokiTime.text(timestamp)), oldest acceptable timestamp is: \(LokiTime.text(oldest))")
                } else if timestamp > newest {
                    failures.append("entry for stream '\(key)' has timestamp too new: \(LokiTime.text(timestamp))")
                } else {
                    entries.append(LokiEntry(timestamp: timestamp, line: line))
                }
            }
            if !entries.isEmpty { instance.store.append(tenant: tenant, labels: labels, entries: entries, key: key) }
        }
        if !failures.isEmpty {
            let total = failures.count
            return .text(failures.prefix(10).joined(separator: "\n") + "\n" + "user '\(tenant)', total ignored: \(total) out of \(streams.reduce(0) { $0 + ($1["values"]?.arrayValue?.count ?? 0) })\n", status: 400)
        }
        return ServiceResponse(status: 204)
    }

    static func isLabelName(_ name: String) -> Bool {
        // Prometheus' label name grammar: [a-zA-Z_][a-zA-Z0-9_]*.
        func isStart(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte == UInt8(ascii: "_") }
        guard let first = name.utf8.first, isStart(first) else { return false }
        return name.utf8.allSatisfy { isStart($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    // MARK: Responses

    static func labelsJSON(_ labels: [String: String]) -> JSON { .object(labels.mapValues { .string($0) }) }

    static func streamJSON(_ stream: LokiStream) -> JSON {
        ["stream": labelsJSON(stream.labels),
            "values": .array(stream.entries.map { [.string(String($0.timestamp)), .string($0.line)] })]
    }

    static func success(resultType: String, result: JSON, entries: Int) -> ServiceResponse {
        .json(["status": "success", "data": ["resultType": .string(resultType), "result": result,
            "stats": ["summary": ["totalEntriesReturned": .int(Int64(entries))]]]])
    }
}
