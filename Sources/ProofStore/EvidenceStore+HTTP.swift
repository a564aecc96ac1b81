import Foundation
import GRDB
import ProofCore

extension EvidenceStore {
    /// Header names whose values are credentials and are replaced whole by a marker.
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-auth-token"]

    /// Records one HTTP exchange (for the cassette mode), stripped of credentials as ``HTTPExchange`` describes;
    /// returns its sequence number.
    @discardableResult
    public func recordHTTPExchange(_ exchange: HTTPExchange, run: RunID) async throws -> Int {
        let redaction = redaction
        let path = path
        let headers = { (pairs: [[String]]) -> String in
            JSON.array(pairs.map { pair in
                guard let name = pair.first else { return .array([]) }
                let value = pair.dropFirst().first ?? ""
                let stored = Self.credentialHeaders.contains(name.lowercased())
                    ? redaction.marker(kind: "header", value: Array(value.utf8)) : redaction.redactor.scrub(value)
                return [.string(name), .string(stored)]
            }).canonicalString
        }
        let requestHeaders = headers(exchange.requestHeaders)
        let responseHeaders = headers(exchange.responseHeaders)
        let secretURL = Self.isSecretURL(exchange.url)
        let requestBody = exchange.requestBody.map { Self.normalizedBody($0, redaction: redaction, secretRequest: secretURL) }
        let responseBody = exchange.responseBody.map { Self.normalizedBody($0, redaction: redaction) }
        let events = exchange.streamEvents.map { ($0.offsetMilliseconds, Self.normalizedBody($0.body, redaction: redaction)) }
        let url = redaction.redactor.scrub(exchange.url)
        let error = exchange.error.map(redaction.redactor.scrub)
        return try await write { db in
            try Self.requireOpenRun(db, run, path: path)
            let sequence = try Self.nextSequence(db, table: "http_exchanges", run: run)
            try db.execute(
                sql: """
                    INSERT INTO http_exchanges (run_id, seq, started_at, duration_ms, method, url, request_headers, request_body,
                      request_digest, status, response_headers, response_body, response_digest, streamed, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.rawValue, sequence, Timestamp.format(exchange.startedAt), exchange.durationMilliseconds,
                    exchange.method, url, requestHeaders, requestBody.map { Data($0) },
                    requestBody.map { Digest.sha256Hex($0) }, exchange.status, responseHeaders,
                    responseBody.map { Data($0) }, responseBody.map { Digest.sha256Hex($0) }, events.isEmpty ? 0 : 1, error,
                ])
            for (index, event) in events.enumerated() {
                try db.execute(
                    sql: "INSERT INTO http_stream_events (run_id, exchange_seq, seq, offset_ms, body) VALUES (?, ?, ?, ?, ?)",
                    arguments: [run.rawValue, sequence, index + 1, event.0, Data(event.1)])
            }
            return sequence
        }
    }

    /// The HTTP exchanges of a run, in order, with bodies and stream chunks.
    public func httpExchanges(run: RunID) async throws -> [HTTPExchange] {
        let path = path
        return try await read { db in
            var chunks: [Int: [HTTPExchange.StreamEvent]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM http_stream_events WHERE run_id = ? ORDER BY exchange_seq, seq", arguments: [run.rawValue]) {
                chunks[row["exchange_seq"], default: []].append(
                    HTTPExchange.StreamEvent(offsetMilliseconds: row["offset_ms"], body: Array(row["body"] as Data)))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM http_exchanges WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue]).map { row in
                let sequence: Int = row["seq"]
                let what = "HTTP exchange \(sequence) of run \(run)"
                let pairs = { (text: String) throws -> [[String]] in
                    (try Self.decodeJSON(text, path: path, what: what)?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
                }
                let requestBody: Data? = row["request_body"]
                let responseBody: Data? = row["response_body"]
                var exchange = HTTPExchange(
                    startedAt: try Self.date(row["started_at"], path: path, what: what), durationMilliseconds: row["duration_ms"],
                    method: row["method"], url: row["url"], requestHeaders: try pairs(row["request_headers"]),
                    requestBody: requestBody.map { Array($0) }, status: row["status"], responseHeaders: try pairs(row["response_headers"]),
                    responseBody: responseBody.map { Array($0) }, streamEvents: chunks[sequence] ?? [], error: row["error"])
                exchange.sequence = sequence
                exchange.requestDigest = row["request_digest"]
                exchange.responseDigest = row["response_digest"]
                return exchange
            }
        }
    }

    /// A body as stored: canonical normalised JSON when it parses, scrubbed text when it is UTF-8, and a
    /// marker otherwise (binary bodies are not kept: they cannot be checked for credentials).
    ///
    /// `secretRequest`: the body of a request to a Secret (``isSecretURL(_:)``). A patch names no `kind`, so it
    /// is redacted as a Secret (`data`/`stringData` values, the last-applied annotation), and every `value` of
    /// a JSON Patch is replaced by a marker.
    static func normalizedBody(_ bytes: [UInt8], redaction: Redaction, secretRequest: Bool = false) -> [UInt8] {
        if bytes.isEmpty { return bytes }
        if let json = try? JSON(parsing: bytes) {
            return (secretRequest ? Self.redactedSecretRequest(json, redaction: redaction) : redaction.normalizeDocument(json)).canonicalData
        }
        // Several JSON documents, one per line (a watch stream read as one body).
        if let text = String(validating: bytes, as: UTF8.self) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count > 1, lines.allSatisfy({ $0.isEmpty || (try? JSON(parsing: String($0))) != nil }) {
                return Array(lines.map { $0.isEmpty ? "" : redaction.normalizeDocument(try! JSON(parsing: String($0))).canonicalString }
                    .joined(separator: "\n").utf8)
            }
            return Array(redaction.redactor.scrub(text).utf8)
        }
        return Array(redaction.marker(kind: "binary-body", value: bytes).utf8)
    }

    /// Whether `url` addresses core Secrets (`/api/v1/secrets`, `/api/v1/namespaces/NS/secrets[/NAME]`).
    static func isSecretURL(_ url: String) -> Bool {
        var path = Substring(url)
        if let scheme = path.range(of: "://") {
            path = path[scheme.upperBound...]
            path = path.firstIndex(of: "/").map { path[$0...] } ?? ""
        }
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        let parts = path.split(separator: "/")
        guard parts.count >= 3, parts[0] == "api", parts[1] == "v1" else { return false }
        if parts[2] == "secrets" { return true }
        return parts.count >= 5 && parts[2] == "namespaces" && parts[4] == "secrets"
    }

    /// A request body sent to a Secret, redacted as one (see ``normalizedBody(_:redaction:secretRequest:)``).
    static func redactedSecretRequest(_ json: JSON, redaction: Redaction) -> JSON {
        switch json {
        case .object(var members) where members["kind"] == nil:
            // A patch: redact it as the Secret it changes, then drop the fields added for that.
            members["kind"] = .string("Secret")
            members["apiVersion"] = .string("v1")
            guard case .object(var redacted) = redaction.normalize(.object(members)) else { return redaction.normalizeDocument(json) }
            redacted["kind"] = nil
            redacted["apiVersion"] = nil
            return .object(redacted)
        case .array(let operations):
            // A JSON Patch: any `value` may be a secret value.
            return .array(operations.map { operation in
                guard case .object(var members) = operation, let value = members["value"], !value.isNull else {
                    return redaction.normalizeDocument(operation)
                }
                if let text = value.stringValue, Redaction.isMarker(text) { return operation }
                members["value"] = .string(redaction.marker(kind: "secret-value", value: value.canonicalData))
                return redaction.normalizeDocument(.object(members))
            })
        default:
            return redaction.normalizeDocument(json)
        }
    }
}
